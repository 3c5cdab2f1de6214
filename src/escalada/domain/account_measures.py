"""What escalada measures of an account's health from its own records (pure): CSAT,
escalations, P1/P2 share, resolution and first response against SLA, the volume trend,
executive interactions and the reopen rate, each over its policy window ending at `now`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from escalada.domain.account_health import Reading
from escalada.domain.model import Interval, Severity
from escalada.domain.policy import Policy
from escalada.domain.policy.health import HealthPolicy
from escalada.domain.sla import resolve_calendar
from escalada.domain.snapshot import AccountSnapshot
from escalada.domain.words import Words
from escalada.domain.working_time import elapsed

_SEVERE = frozenset({"P1", "P2"})


@dataclass(frozen=True, slots=True)
class CaseRecord:
    """What the health measures read of one case."""

    opened_at: datetime
    severity: str
    resolved_at: datetime | None = None
    csat: float | None = None
    escalated_at: datetime | None = None  # its first step up, if any
    responded_in_time: bool | None = None  # None: no first response (or no target)
    resolved_in_time: bool | None = None  # None: not resolved (or no target)
    first_resolved_at: datetime | None = None  # its first resolution (reopened or not)
    reopened_at: datetime | None = None  # its first reopening after that resolution


def in_time(
    policy: Policy, account: AccountSnapshot, severity: str, opened_at: datetime,
    first_response_at: datetime | None, resolved_at: datetime | None,
    pauses: tuple[Interval, ...] = (),
) -> tuple[bool | None, bool | None]:
    """Whether the first response and the resolution came within their SLA targets,
    counted on the target's calendar outside the case's pauses (None: not yet, or the
    plan has no target for the severity)."""
    targets = policy.targets(account.support_plan, Severity(severity))
    if targets is None:
        return None, None
    calendar = resolve_calendar(targets.calendar, account, policy.sla.business_hours)
    per_day = calendar.minutes_per_day

    def within(end: datetime | None, minutes: float) -> bool | None:
        if end is None:
            return None
        return elapsed(opened_at, end, calendar, pauses) <= minutes

    return (within(first_response_at, targets.first_response.minutes(per_day)),
            within(resolved_at, targets.resolution.minutes(per_day)))


def measure(
    cases: Sequence[CaseRecord], executive_interactions: Sequence[datetime],
    policy: HealthPolicy, now: datetime,
) -> dict[str, Reading]:
    """The computed sub-metrics the policy names that have data at `now`."""
    readings: dict[str, Reading] = {}
    for key, metric in policy.metrics().items():
        if metric.source != "computed":
            continue
        since = now - timedelta(days=metric.window_days)
        found = _MEASURES[key](cases, executive_interactions, since, now)
        if found is not None:
            value, detail = found
            readings[key] = Reading(value, Words.counted(
                "computed: {detail} ({count} day)", "computed: {detail} ({count} days)",
                metric.window_days, detail=detail), now)
    return readings


Found = tuple[Decimal, Words] | None


def _within(at: datetime | None, since: datetime, now: datetime) -> bool:
    return at is not None and since < at <= now


def _csat(cases: Sequence[CaseRecord], _: Sequence[datetime], since: datetime,
          now: datetime) -> Found:
    rated = [c.csat for c in cases
             if c.csat is not None and _within(c.resolved_at or c.opened_at, since, now)]
    if not rated:
        return None
    average = sum((Decimal(str(r)) for r in rated), Decimal(0)) / len(rated)
    return average.quantize(Decimal("0.01")), Words.counted(
        "{count} case rated", "{count} cases rated", len(rated))


def _escalations(cases: Sequence[CaseRecord], _: Sequence[datetime], since: datetime,
                 now: datetime) -> Found:
    count = sum(1 for c in cases if _within(c.escalated_at, since, now))
    return Decimal(count), Words.counted("{count} case escalated", "{count} cases escalated",
                                         count)


def _p1_p2_share(cases: Sequence[CaseRecord], _: Sequence[datetime], since: datetime,
                 now: datetime) -> Found:
    opened = [c for c in cases if _within(c.opened_at, since, now)]
    if not opened:
        return None
    severe = sum(1 for c in opened if c.severity in _SEVERE)
    return _share(severe, len(opened)), Words.counted(
        "{severe} of {count} case P1/P2", "{severe} of {count} cases P1/P2", len(opened),
        severe=severe)


def _resolution(cases: Sequence[CaseRecord], _: Sequence[datetime], since: datetime,
                now: datetime) -> Found:
    known = [c.resolved_in_time for c in cases
             if c.resolved_in_time is not None and _within(c.resolved_at, since, now)]
    if not known:
        return None
    return _share(sum(known), len(known)), Words(
        "{solved} of {count} resolved in time", solved=sum(known), count=len(known))


def _response(cases: Sequence[CaseRecord], _: Sequence[datetime], since: datetime,
              now: datetime) -> Found:
    known = [c.responded_in_time for c in cases
             if c.responded_in_time is not None and _within(c.opened_at, since, now)]
    if not known:
        return None
    return _share(sum(known), len(known)), Words(
        "{answered} of {count} answered in time", answered=sum(known), count=len(known))


def _volume_trend(cases: Sequence[CaseRecord], _: Sequence[datetime], since: datetime,
                  now: datetime) -> Found:
    before = since - (now - since)
    current = sum(1 for c in cases if _within(c.opened_at, since, now))
    previous = sum(1 for c in cases if _within(c.opened_at, before, since))
    change = Decimal(current - previous) / max(previous, 1)
    return change.quantize(Decimal("0.0001")), Words.counted(
        "{count} case against {previous} before", "{count} cases against {previous} before",
        current, previous=previous)


def _executive(_: Sequence[CaseRecord], interactions: Sequence[datetime], since: datetime,
               now: datetime) -> Found:
    count = sum(1 for at in interactions if _within(at, since, now))
    return Decimal(count), Words.counted(
        "{count} war room or executive letter", "{count} war rooms or executive letters", count)


def _reopen_rate(cases: Sequence[CaseRecord], _: Sequence[datetime], since: datetime,
                 now: datetime) -> Found:
    resolved = [c for c in cases if _within(c.first_resolved_at, since, now)]
    if not resolved:
        return None
    reopened = sum(1 for c in resolved if c.reopened_at is not None and c.reopened_at <= now)
    return (_share(reopened, len(resolved)), Words.counted(
        "{reopened} of {count} resolved case reopened",
        "{reopened} of {count} resolved cases reopened", len(resolved), reopened=reopened))


def _share(part: int, whole: int) -> Decimal:
    return (Decimal(part) / whole).quantize(Decimal("0.0001"))


_MEASURES: dict[str, Callable[[Sequence[CaseRecord], Sequence[datetime], datetime, datetime],
                              Found]] = {
    "csat": _csat,
    "escalations": _escalations,
    "p1_p2_share": _p1_p2_share,
    "resolution_within_sla": _resolution,
    "response_within_sla": _response,
    "volume_trend": _volume_trend,
    "executive_interactions": _executive,
    "reopen_rate": _reopen_rate,
}
