"""What comes from outside, bounded once for every edge (API bodies, CLI options):
free text by kind, ids, dates and times; and Pydantic's errors turned into
`field.path[2].name: reason` lines for people."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, Field, ValidationError
from pydantic_core import ErrorDetails

from escalada.domain.errors import InvalidInput, NotFound
from escalada.domain.words import Words

# Free text, by kind: at most this many characters, the same on SQLite and PostgreSQL.
LABEL_CHARS = 200  # one line: titles, names, labels, item keys, authors, addresses
NOTE_CHARS = 4_000  # reasons, notes, justifications, a draft's parts, a task's wording
BODY_CHARS = 100_000  # a message as received, a note to a vendor, a handoff item
TEXT_KINDS = {"label": (LABEL_CHARS, False), "note": (NOTE_CHARS, True),
              "body": (BODY_CHARS, True)}  # kind -> (characters, several lines)
# No control characters (PostgreSQL refuses NUL, terminals obey the others), nor lone
# surrogates (no UTF-8 for them); text of several lines keeps its newlines and tabs.
_ONE_LINE_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_LINES_FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")

# Ids and counters are at most PostgreSQL's INTEGER (timers' and deliveries' ids are
# BIGINT): a larger number names nothing, rather than overflowing a driver.
ID_MAX = 2**31 - 1
BIG_ID_MAX = 2**63 - 1

# Dates and times from outside (snapshots, calendars, recovery due dates) lie between
# these years: far enough for any case, and clear of the ends of Python's calendar,
# where moving to UTC or adding a span overflows.
EARLIEST_YEAR, LATEST_YEAR = 1900, 9000
YEARS = Words("must be between the years {earliest} and {latest}", earliest=EARLIEST_YEAR,
              latest=LATEST_YEAR)


def text_problem(value: str, limit: int, *, lines: bool) -> Words | None:
    """Why a text from outside cannot be kept (too long, a control character), or None."""
    if len(value) > limit:
        return Words("must be at most {limit} characters (it has {length})", limit=limit,
                     length=len(value))
    forbidden = (_LINES_FORBIDDEN if lines else _ONE_LINE_FORBIDDEN).search(value)
    if forbidden is not None:
        where = {"code": f"U+{ord(forbidden.group()):04X}", "at": forbidden.start() + 1}
        if lines:
            return Words("must not contain control characters other than newline and tab "
                         "({code} at character {at})", **where)
        return Words("must not contain control characters ({code} at character {at})",
                     **where)
    return None


def checked_text(value: str, limit: int, *, lines: bool) -> str:
    """The text (Windows line ends made plain newlines), or ValueError saying why not
    (its argument the reason's words, which `reason_of` finds again)."""
    if lines:
        value = value.replace("\r\n", "\n")
    problem = text_problem(value, limit, lines=lines)
    if problem is not None:
        raise ValueError(problem)
    return value


def _label(value: str) -> str:
    return checked_text(value, LABEL_CHARS, lines=False)


def _note(value: str) -> str:
    return checked_text(value, NOTE_CHARS, lines=True)


def _body(value: str) -> str:
    return checked_text(value, BODY_CHARS, lines=True)


Label = Annotated[str, Field(max_length=LABEL_CHARS), AfterValidator(_label)]
Note = Annotated[str, Field(max_length=NOTE_CHARS), AfterValidator(_note)]
MessageBody = Annotated[str, Field(max_length=BODY_CHARS), AfterValidator(_body)]
# A number a body refers to (an escalation step) and a version it was read at.
RowNumber = Annotated[int, Field(ge=1, le=ID_MAX)]
Version = Annotated[int, Field(ge=0, le=ID_MAX)]


def existing_id(value: int, noun: str, maximum: int = ID_MAX) -> int:
    """An id that can name a row: outside 1..maximum there is no such thing."""
    if not 1 <= value <= maximum:
        raise NotFound.of("no {noun} {value}", noun=Words.literal(noun), value=value)
    return value


def in_years(moment: date) -> bool:
    """A date or time from outside is between the years 1900 and 9000."""
    return EARLIEST_YEAR <= moment.year <= LATEST_YEAR


def _day(value: date) -> date:
    if not in_years(value):
        raise ValueError(YEARS)
    return value


Day = Annotated[date, AfterValidator(_day)]

REASONS = {
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
    "string_too_long": "must be at most {max_length} characters",
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


def reason_of(error: ErrorDetails) -> Words:
    """A person's wording of one Pydantic error (a validator's own words when it raised
    ValueError(Words(...)))."""
    template = REASONS.get(error["type"])
    context = error.get("ctx") or {}
    if template is not None:
        try:
            template.format(**context)
        except KeyError:
            pass
        else:
            return Words(template, **_worded(context))
    raised = context.get("error")
    if isinstance(raised, ValueError) and raised.args and isinstance(raised.args[0], Words):
        return raised.args[0]
    message = error["msg"]
    return Words.literal(message.removeprefix("Value error, "))


def _worded(context: dict[str, Any]) -> dict[str, Any]:
    """Pydantic's context with its English list of choices ("'a', 'b' or 'c'") as words,
    so its last "or" reads in the reader's language."""
    expected = context.get("expected")
    if not isinstance(expected, str):
        return context
    items, joined, last = expected.rpartition(" or ")
    if not joined:
        return context
    return {**context, "expected": Words("{items} or {last}", items=items, last=last)}


def worded_problems(error: ValidationError) -> list[tuple[str, Words]]:
    """(field path, reason's words) for each problem Pydantic found."""
    return [(field_path(tuple(e["loc"])), reason_of(e)) for e in error.errors()]


def problems(error: ValidationError) -> list[tuple[str, str]]:
    """(field path, reason) in English for each problem Pydantic found."""
    return [(field, str(reason)) for field, reason in worded_problems(error)]


def describe_errors(error: ValidationError) -> list[str]:
    return [f"{field}: {reason}" for field, reason in problems(error)]


def invalid_input(error: ValidationError, prefix: str = "") -> InvalidInput:
    """The InvalidInput for a failed validation, fields optionally under `prefix`."""
    return InvalidInput([(f"{prefix}{field}", reason)
                         for field, reason in worded_problems(error)])
