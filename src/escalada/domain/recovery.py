"""The relationship recovery plan opened when an L2+ escalation resolves (pure).

The template is the founding document's "Relationship Recovery Plan" (immediate,
short-term, medium-term and long-term work), its "Post-Mortem" with the agenda,
"Customer Follow-Up (within 1 week)" and "Internal Learning". `plan_recovery` turns
it into dated tasks for one case; people then edit, add, assign and close them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from escalada.domain.model import ExecLevel, Language, level_rank
from escalada.domain.policy.recovery import (
    CUSTOMER_FOLLOW_UP,
    ESCALATION_EXECUTIVE,
    OPEN_STATUSES,
    PHASES,
    POST_MORTEM,
    STATUSES,
    Phase,
    RecoveryPolicy,
    TaskStatus,
    TaskTerms,
)
from escalada.domain.working_time import Calendar, deadline

__all__ = [
    "CUSTOMER_FOLLOW_UP", "ESCALATION_EXECUTIVE", "OPEN_STATUSES", "PHASES", "POST_MORTEM",
    "STATUSES", "Phase", "PlannedTask", "TaskStatus", "due_at", "end_of_day", "needs_plan",
    "owner_role", "peak_level", "plan_recovery", "task_text",
]


@dataclass(frozen=True)
class PlannedTask:
    phase: Phase
    key: str
    text: str
    due_at: datetime | None
    owner_role: str
    owner: str | None


def peak_level(levels: Iterable[str | None]) -> ExecLevel | None:
    """The highest executive level among those a case reached."""
    reached = [ExecLevel(level) for level in levels if level]
    return max(reached, key=level_rank, default=None)


def needs_plan(peak: ExecLevel | None, policy: RecoveryPolicy) -> bool:
    """A case that reached the policy's level (L2 by default) gets a plan on resolving."""
    return level_rank(peak) >= level_rank(policy.min_level)


def owner_role(terms: TaskTerms, executive_role: str | None) -> str:
    """The role a task falls to; the escalation's executive is the peak level's role."""
    if terms.owner_role == ESCALATION_EXECUTIVE and executive_role is not None:
        return executive_role
    return terms.owner_role


def task_text(stored: str, terms: TaskTerms | None, language: str | None) -> str:
    """A task's words for a reader of `language`: the template's own in that language
    while the task still says what the template says (in any of its languages, as the
    plan was opened in the account's); a task people added or reworded, one whose key
    the policy does not have, or a language the template is not written in: as stored."""
    if terms is None or language is None:
        return stored
    written = {Language.EN.value: terms.text.en, Language.RU.value: terms.text.ru}
    if stored not in written.values():
        return stored
    return written.get(language) or stored


def due_at(terms: TaskTerms, start: datetime, business: Calendar) -> datetime | None:
    """When a task falls due, counted from `start` (days of the business calendar when
    the task says so)."""
    if terms.due_days is None:
        return None
    if terms.calendar == "business":
        return deadline(start, terms.due_days * business.minutes_per_day, business)
    return start + timedelta(days=terms.due_days)


def end_of_day(day: date, timezone: str) -> datetime:
    """A due date given as a day: the last minute of that day in the account's zone."""
    return datetime.combine(day, time(23, 59), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def plan_recovery(
    policy: RecoveryPolicy,
    *,
    start: datetime,
    language: Language | str,
    business: Calendar,
    executive_role: str | None = None,
    people: Mapping[str, str] | None = None,
) -> list[PlannedTask]:
    """The plan's tasks in phase order, dated from `start` (the resolution), worded in
    the account's language. `people` maps a role to the person who holds it on this
    case (who acknowledged its step), who then owns that role's tasks."""
    known = people or {}
    planned = []
    for phase, key, terms in policy.templates():
        role = owner_role(terms, executive_role)
        planned.append(PlannedTask(
            phase=phase, key=key, text=terms.text.in_language(language),
            due_at=due_at(terms, start, business), owner_role=role, owner=known.get(role)))
    return planned
