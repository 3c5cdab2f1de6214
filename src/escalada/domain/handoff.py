"""The handoff gate of a technical step (pure): which required items the package
supplies, and whether the step may be taken without the others.

An item is supplied only by text that is not blank, or by a list of such texts (several
log links, say). `null`, `""`, `"   "`, `[]` or `["", "x"]` supply nothing, so that a
package of nulls is refused like an empty one. Anything else (a number, `true`, an
object) is not a handoff item at all and is refused as bad input naming the item.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from escalada.domain.errors import HandoffIncomplete, InvalidInput
from escalada.domain.validation import BODY_CHARS, LABEL_CHARS, text_problem
from escalada.domain.words import Words

HandoffValue = str | list[str]


@dataclass(frozen=True, slots=True)
class HandoffPassed:
    """A step the gate lets through: the package as it will be kept (the items it
    supplies), and the required items waived by an override (with its reason)."""

    package: dict[str, HandoffValue]
    overridden: list[str]
    override_reason: str | None


def supplied(value: object) -> bool:
    """Whether a handoff value supplies its item: non-blank text, or a non-empty list of
    non-blank texts."""
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list):
        return bool(value) and all(isinstance(v, str) and v.strip() for v in value)
    return False


def pass_handoff_gate(
    step: str,
    required: Sequence[str],
    package: Mapping[str, Any] | None,
    *,
    override_reason: str | None = None,
) -> HandoffPassed:
    """Let the step `step` ("T1 -> T2") through when the package supplies every required
    item, or when an override reason waives the missing ones; else HandoffIncomplete
    listing what is missing. Who may override is the caller's to check."""
    kept = _checked(package or {})
    missing = [item for item in required if item not in kept]
    reason = (override_reason or "").strip() or None
    if missing and reason is None:
        raise HandoffIncomplete(step, missing)
    return HandoffPassed(package=kept, overridden=missing,
                         override_reason=reason if missing else None)


def _checked(package: Mapping[str, Any]) -> dict[str, HandoffValue]:
    """The items the package supplies; a value of the wrong kind is bad input."""
    if not isinstance(package, Mapping):
        raise InvalidInput.of("handoff", "must be an object of item id -> text")
    wrong: list[tuple[str, str | Words]] = [
        (f"handoff.{item}", Words("must be text or a list of texts, not {kind}",
                                  kind=kind))
        for item, value in package.items() if (kind := _wrong_kind(value))]
    wrong += _unbounded(package)
    if wrong:
        raise InvalidInput(wrong)
    return {item: value for item, value in package.items() if supplied(value)}


def _unbounded(package: Mapping[str, Any]) -> list[tuple[str, str | Words]]:
    """Item ids are one-line labels and texts bounded like a message (no control
    characters), the same on every database."""
    found: list[tuple[str, str | Words]] = []
    for item, value in package.items():
        if (problem := text_problem(str(item), LABEL_CHARS, lines=False)) is not None:
            found.append(("handoff", Words("item id {item!r}: {problem}",
                                           item=str(item)[:40], problem=problem)))
        texts = value if isinstance(value, list) else [value]
        for text in texts:
            if isinstance(text, str) and (
                    problem := text_problem(text, BODY_CHARS, lines=True)) is not None:
                found.append((f"handoff.{str(item)[:40]}", problem))
                break
    return found


def _wrong_kind(value: object) -> Words | None:
    """What a value is when it is neither null, text nor a list of texts."""
    if value is None or isinstance(value, str):
        return None
    if isinstance(value, list):
        return None if all(isinstance(v, str) for v in value) else Words.literal(
            "a list of something else")
    if isinstance(value, bool):
        return Words.literal("true/false")
    if isinstance(value, int | float):
        return Words.literal("a number")
    return Words.literal("an object") if isinstance(value, Mapping) else Words.literal(
        type(value).__name__)
