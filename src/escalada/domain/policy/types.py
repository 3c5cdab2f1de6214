"""What every section of the policy document is made of: frozen, strict sections,
spans of time, and the keys people write."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from functools import cached_property
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

Key = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]
CriterionId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*(m|h|d)$")


class Section(BaseModel):
    """A part of the policy document: unknown keys are errors, values never change."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    # The fields a document may leave out, to get the packaged policy's value
    # (policies/default.yaml, the one place defaults are written): "*" for all of them.
    packaged_defaults: ClassVar[frozenset[str] | Literal["*"]] = frozenset()


def with_packaged_defaults(
    model: type[Section], document: Mapping[str, Any], packaged: Mapping[str, Any]
) -> dict[str, Any]:
    """`document` with what it leaves out of `model`'s packaged-default fields taken
    from `packaged` (the shipped document at the same place), section by section: a
    value the document gives replaces the packaged one whole, except a section with
    packaged defaults of its own, which is filled the same way."""
    filled = dict(document)
    chosen = model.packaged_defaults
    for name, field in model.model_fields.items():
        key = field.alias or name
        if (chosen != "*" and name not in chosen) or key not in packaged:
            continue
        if key not in filled:
            filled[key] = packaged[key]
            continue
        inner = field.annotation
        if (isinstance(inner, type) and issubclass(inner, Section) and inner.packaged_defaults
                and isinstance(filled[key], Mapping) and isinstance(packaged[key], Mapping)):
            filled[key] = with_packaged_defaults(inner, filled[key], packaged[key])
    return filled


class Duration(Section):
    """A span written as `15m`, `2h` or `3d`; a day is the calendar's working day."""

    amount: Decimal
    unit: Literal["m", "h", "d"]

    @classmethod
    def parse(cls, text: str) -> Duration:
        match = _DURATION.match(text.strip())
        if match is None:
            raise ValueError(f"{text!r} is not a duration like 15m, 2h or 3d")
        return cls(amount=Decimal(match.group(1)), unit=match.group(2))

    @cached_property
    def _float_amount(self) -> float:
        return float(self.amount)

    def minutes(self, minutes_per_day: int) -> float:
        """The span in minutes; `d` is a working day of `minutes_per_day` minutes."""
        unit = self.unit
        per_unit = 1 if unit == "m" else 60 if unit == "h" else minutes_per_day
        return self._float_amount * per_unit

    def __str__(self) -> str:
        return f"{self.amount.normalize():f}{self.unit}"



def _duration(value: Any) -> Any:
    return Duration.parse(value) if isinstance(value, str) else value


# A Duration field that also takes the written form (`15m`, `2h`, `3d`).
Span = Annotated[Duration, BeforeValidator(_duration)]
