"""Evaluating a snapshot document against the policy in force (no database needed)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from escalada.domain.errors import InvalidInput
from escalada.domain.snapshot import CaseSnapshot
from escalada.domain.validation import YEARS, in_years, invalid_input
from escalada.services.context import Context
from escalada.services.views import EvaluationView, evaluation_view


def parse_snapshot(document: Any) -> CaseSnapshot:
    """A snapshot from its JSON document; InvalidInput names each bad field."""
    if not isinstance(document, dict):
        raise InvalidInput.of("snapshot", "must be a JSON object")
    try:
        return CaseSnapshot.model_validate(document)
    except ValidationError as error:
        raise invalid_input(error) from error


def evaluate_snapshot(
    *, ctx: Context, snapshot: Any, at: datetime | None = None
) -> EvaluationView:
    """The engine's answer for a snapshot document at `at` (default: now)."""
    check_aware(at)
    case = snapshot if isinstance(snapshot, CaseSnapshot) else parse_snapshot(snapshot)
    now = at or ctx.clock()
    check_span(case, now)
    return evaluation_view(case, ctx.policy(), now)


# Business clocks walk the calendar day by day: bound the walk so that no request
# (a case "opened" in the year 1, evaluated in 9999) can tie up a worker.
LONGEST_CASE = timedelta(days=3660)


def check_span(case: CaseSnapshot, now: datetime) -> None:
    if now - case.opened_at > LONGEST_CASE:
        raise InvalidInput.of("at", "is more than {value} years after the case opened "
                              "({opened_at}); escalada evaluates cases younger than that",
                              value=LONGEST_CASE.days // 366,
                              opened_at=case.opened_at.isoformat())


def check_aware(at: datetime | None, field: str = "at") -> None:
    """A time from outside carries its offset and lies between the years 1900 and 9000
    (InvalidInput naming the field otherwise)."""
    if at is None:
        return
    if at.tzinfo is None:
        raise InvalidInput.of(field, "must carry a UTC offset, e.g. 2026-11-26T10:08:00+00:00")
    if not in_years(at):
        raise InvalidInput.of(field, YEARS)
