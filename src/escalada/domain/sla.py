"""SLA clocks of a case: which targets are active, when due, how much consumed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from escalada.domain.business_calendar import CalendarSpec, business_calendar
from escalada.domain.model import Interval, level_rank
from escalada.domain.policy import DefaultBusinessHours, Policy
from escalada.domain.snapshot import AccountSnapshot, CaseSnapshot
from escalada.domain.working_time import (
    FOREVER,
    TWENTY_FOUR_SEVEN,
    Calendar,
    deadline,
    elapsed,
)

CalendarResolver = Callable[[str, AccountSnapshot, DefaultBusinessHours], Calendar]


@dataclass(frozen=True, slots=True)
class SlaClock:
    """One active SLA target of a case at a moment."""

    target: str
    started_at: datetime
    due_at: datetime
    target_minutes: float
    elapsed_minutes: float
    paused: bool

    @property
    def consumed(self) -> float:
        if self.target_minutes == 0:
            return 1.0 if self.elapsed_minutes == 0 else float("inf")
        return self.elapsed_minutes / self.target_minutes

    @property
    def breached(self) -> bool:
        return self.elapsed_minutes > self.target_minutes

    def as_json(self) -> dict[str, object]:
        return {
            "target": self.target,
            "due_at": self.due_at.isoformat(),
            "consumed": round(self.consumed, 4),
            "breached": self.breached,
            "paused": self.paused,
        }


@lru_cache(maxsize=256)
def _policy_hours(timezone: str, country: str | None, hours: DefaultBusinessHours) -> Calendar:
    return business_calendar(CalendarSpec.weekly(
        timezone=timezone, hours=(f"{hours.start}-{hours.end}",), days=hours.days,
        country=country))


def resolve_calendar(name: str, account: AccountSnapshot, hours: DefaultBusinessHours) -> Calendar:
    """The calendar a target runs on: `24x7`, or `business`: the account's own
    calendar, else the policy's business hours in the account's zone and country."""
    if name == "24x7":
        return TWENTY_FOUR_SEVEN
    if name == "business":
        if account.calendar is not None:
            return business_calendar(account.calendar)
        return _policy_hours(account.timezone, account.country, hours)
    raise ValueError(f"unknown calendar {name!r} (known: 24x7, business)")


def sla_clocks(
    case: CaseSnapshot,
    policy: Policy,
    now: datetime,
    calendars: CalendarResolver = resolve_calendar,
) -> tuple[SlaClock, ...]:
    """The active SLA targets of the case at `now`, on its account's calendar."""
    targets = policy.targets(case.account.support_plan, case.severity)
    if targets is None or not case.status.is_open:
        return ()
    calendar = calendars(targets.calendar, case.account, policy.sla.business_hours)
    pauses = _pauses_until(case, now)
    paused = _paused_at(case, now)
    per_day = calendar.minutes_per_day
    # Resolution and first response both run from opening: count that time once.
    since_opening = elapsed(case.opened_at, now, calendar, pauses)
    if case.first_response_at is None:
        first = _clock("first_response", case.opened_at, targets.first_response.minutes(per_day),
                       since_opening, calendar, pauses, paused)
    else:
        since = max(case.first_response_at, case.last_customer_update_at or case.first_response_at)
        cadence = _update_cadence(case, policy, targets.next_update.minutes(per_day), calendar)
        first = _clock("next_update", since, cadence,
                       elapsed(since, now, calendar, pauses), calendar, pauses, paused)
    resolution = _clock("resolution", case.opened_at, targets.resolution.minutes(per_day),
                        since_opening, calendar, pauses, paused)
    return first, resolution


def next_due(
    case: CaseSnapshot,
    policy: Policy,
    now: datetime,
    calendars: CalendarResolver = resolve_calendar,
) -> datetime | None:
    """When the case's next SLA target falls due (in the past once breached): the
    order a board works through cases in. None while no clock runs: the case has
    ended, its plan has no targets, or it waits on the customer (its clocks stand
    still, so nothing falls due until it resumes)."""
    if _paused_at(case, now):
        return None
    due = [clock.due_at for clock in sla_clocks(case, policy, now, calendars)
           if clock.due_at < FOREVER]
    return min(due, default=None)


def threshold_times(
    case: CaseSnapshot,
    policy: Policy,
    now: datetime,
    fractions: tuple[float, ...],
    calendars: CalendarResolver = resolve_calendar,
) -> list[tuple[SlaClock, float, datetime]]:
    """When each active target reaches each fraction of itself: (clock, fraction, at).

    Nothing while the case waits on the customer: its clocks stand still until it
    resumes, and the times are worked out again then.
    """
    if _paused_at(case, now):
        return []
    clocks = sla_clocks(case, policy, now, calendars)
    if not clocks:
        return []
    targets = policy.targets(case.account.support_plan, case.severity)
    assert targets is not None  # there are clocks
    calendar = calendars(targets.calendar, case.account, policy.sla.business_hours)
    pauses = _pauses_until(case, now)
    return [
        (clock, fraction, deadline(clock.started_at, clock.target_minutes * fraction,
                                   calendar, pauses))
        for clock in clocks
        for fraction in fractions
    ]


def _clock(
    name: str,
    start: datetime,
    minutes: float,
    elapsed_minutes: float,
    calendar: Calendar,
    pauses: tuple[Interval, ...],
    paused: bool,
) -> SlaClock:
    # Positional: a frozen dataclass built by keywords costs twice as much.
    return SlaClock(name, start, deadline(start, minutes, calendar, pauses), minutes,
                    elapsed_minutes, paused)


def _update_cadence(
    case: CaseSnapshot, policy: Policy, planned: float, calendar: Calendar
) -> float:
    """Minutes until the next customer update; tighter while a senior escalation is open."""
    cadence = policy.sla.escalated_update_cadence
    if cadence is None or level_rank(case.exec_level) < level_rank(cadence.from_level):
        return planned
    return min(planned, cadence.every.minutes(calendar.minutes_per_day))


def _paused_at(case: CaseSnapshot, now: datetime) -> bool:
    """Whether the case is waiting on the customer at `now`."""
    if not case.paused:
        return False
    return any(p.end is None or p.end > now for p in case.paused if p.start <= now)


def _pauses_until(case: CaseSnapshot, now: datetime) -> tuple[Interval, ...]:
    """The pauses known at `now`; one still running is treated as ending now."""
    if not case.paused:
        return ()
    return tuple(
        Interval(p.start, now if p.end is None or p.end > now else p.end)
        for p in case.paused
        if p.start < now
    )


@dataclass(frozen=True, slots=True)
class WindowShare:
    """How much of an SLA window (its start to its due time) is consumed at a moment,
    counted on the calendar the clock runs on, and how fast it grows then."""

    share: float  # 1 or more once due
    per_second: float  # 0 while the calendar's clock stands (a night, a weekend)


def window_share(start: datetime, due: datetime, now: datetime,
                 calendar: Calendar) -> WindowShare:
    """The share of [start, due] consumed at `now` on `calendar` (pure): on business
    hours a night or a weekend consumes nothing, so a case opened on Friday evening is
    not amber on Monday morning because the weekend passed."""
    total = elapsed(start, due, calendar)
    if now >= due:
        return WindowShare(max(1.0, elapsed(start, now, calendar) / total) if total > 0
                           else 1.0, 0.0)
    if total <= 0:
        return WindowShare(0.0, 0.0)
    begin, _end = next(iter(calendar.intervals(now)), (FOREVER, FOREVER))
    running = begin <= now
    return WindowShare(elapsed(start, now, calendar) / total,
                       1 / (total * 60) if running else 0.0)
