"""What people send to a recovery plan: a task to add, the changes to a task."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from escalada.domain.recovery import Phase, TaskStatus
from escalada.domain.snapshot import AwareDatetime, Text
from escalada.domain.validation import YEARS, Note, in_years, invalid_input
from escalada.domain.words import Words


def _due_input(value: Any) -> Any:
    """A date (the end of that day in the account's zone) or a time with an offset."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(Words("{value!r} is neither a date like 2026-12-03 nor a time "
                                   "like 2026-12-03T18:00:00+00:00", value=value)) from None
    if isinstance(value, datetime) and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError(Words("a time must carry a UTC offset, e.g. "
                               "2026-12-03T18:00:00+00:00"))
    if isinstance(value, date) and not in_years(value):
        raise ValueError(YEARS)
    return value


DueAt = Annotated[AwareDatetime | date | None, BeforeValidator(_due_input), Field(
    description="a time with offset, or a date: the end of that day in the account's zone")]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("text", "owner", check_fields=False)
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must not be empty")
        return None if value is None else value.strip()


class NewTask(_Input):
    """A task people add to a plan."""

    phase: Phase
    text: Note = Field(min_length=1)
    due_at: DueAt = None
    owner: Text | None = Field(default=None, max_length=100, description="a user's name")


class TaskChanges(_Input):
    """What may change on a task; a field sent as null clears the owner or the due date."""

    owner: Text | None = Field(default=None, max_length=100)
    status: TaskStatus | None = None
    due_at: DueAt = None
    text: Note | None = Field(default=None, min_length=1)


def validated(model: type[BaseModel], fields: dict[str, Any]) -> Any:
    try:
        return model.model_validate(fields)
    except ValidationError as error:
        raise invalid_input(error) from error
