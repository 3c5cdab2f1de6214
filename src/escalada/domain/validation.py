"""Turns Pydantic's errors into `field.path[2].name: reason` lines for people."""

from __future__ import annotations

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from escalada.domain.errors import InvalidInput

_REASONS = {
    "greater_than_equal": "must be >= {ge}",
    "greater_than": "must be > {gt}",
    "less_than_equal": "must be <= {le}",
    "less_than": "must be < {lt}",
    "missing": "is required",
    "extra_forbidden": "is not a known field",
    "enum": "must be one of {expected}",
    "literal_error": "must be one of {expected}",
    "string_pattern_mismatch": "must match {pattern}",
    "string_too_short": "must not be empty",
    "too_short": "must have at least {min_length} item(s)",
    "decimal_max_places": "must have at most {decimal_places} decimal places",
}


def field_path(location: tuple[int | str, ...]) -> str:
    """('executive', 'levels', 2, 'x') -> 'executive.levels[2].x'."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "(document)"


def reason_of(error: ErrorDetails) -> str:
    """A person's wording of one Pydantic error."""
    template = _REASONS.get(error["type"])
    context = error.get("ctx") or {}
    if template is not None:
        try:
            return template.format(**context)
        except KeyError:
            pass
    message = error["msg"]
    return message.removeprefix("Value error, ")


def problems(error: ValidationError) -> list[tuple[str, str]]:
    """(field path, reason) for each problem Pydantic found."""
    return [(field_path(tuple(e["loc"])), reason_of(e)) for e in error.errors()]


def describe_errors(error: ValidationError) -> list[str]:
    return [f"{field}: {reason}" for field, reason in problems(error)]


def invalid_input(error: ValidationError, prefix: str = "") -> InvalidInput:
    """The InvalidInput for a failed validation, fields optionally under `prefix`."""
    return InvalidInput([(f"{prefix}{field}", reason) for field, reason in problems(error)])
