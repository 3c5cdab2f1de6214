"""The escalation engine: a pure function of a case snapshot, the policy and a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from escalada.domain.criteria import Facts, fired
from escalada.domain.model import Track, level_rank
from escalada.domain.policy import Policy
from escalada.domain.sla import CalendarResolver, SlaClock, resolve_calendar, sla_clocks
from escalada.domain.snapshot import CaseSnapshot


@dataclass(frozen=True, slots=True)
class Recommendation:
    """One step up a track, with the criteria that fired and what it requires."""

    track: Track
    from_: str | None
    to: str
    criteria: tuple[str, ...]
    respond_within_minutes: int
    handoff_required: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        document: dict[str, object] = {
            "track": self.track.value,
            "from": self.from_,
            "to": self.to,
            "criteria": list(self.criteria),
            "respond_within_minutes": self.respond_within_minutes,
        }
        if self.track is Track.TECHNICAL:
            document["handoff_required"] = list(self.handoff_required)
        return document


@dataclass(frozen=True, slots=True)
class Evaluation:
    case: str
    at: datetime
    sla: tuple[SlaClock, ...]
    recommendations: tuple[Recommendation, ...]

    def as_json(self) -> dict[str, object]:
        """The document of DESIGN.md 1.2."""
        return {
            "case": self.case,
            "at": self.at.isoformat(),
            "sla": [clock.as_json() for clock in self.sla],
            "recommendations": [r.as_json() for r in self.recommendations],
        }


def evaluate(
    case: CaseSnapshot,
    policy: Policy,
    now: datetime,
    calendars: CalendarResolver = resolve_calendar,
) -> Evaluation:
    """SLA state and the escalations the policy recommends for the case at `now`."""
    clocks = sla_clocks(case, policy, now, calendars)
    recommendations: list[Recommendation] = []
    if case.status.is_open:
        facts = Facts(case, clocks)
        for recommendation in (_technical(facts, policy), _executive(facts, policy)):
            if recommendation is not None:
                recommendations.append(recommendation)
    return Evaluation(case.id, now, clocks, tuple(recommendations))


def _technical(facts: Facts, policy: Policy) -> Recommendation | None:
    step = policy.step_from(facts.case.tier)
    if step is None:
        return None
    reasons = fired(step.criteria, policy.predicates, facts)
    if not reasons:
        return None
    return Recommendation(
        Track.TECHNICAL, step.from_tier.value, step.to_tier.value, tuple(reasons),
        step.respond_within_minutes, step.handoff_required,
    )


def _executive(facts: Facts, policy: Policy) -> Recommendation | None:
    current = level_rank(facts.case.exec_level)
    for level in reversed(policy.executive.levels):
        if level_rank(level.level) <= current:
            return None
        reasons = fired(level.criteria, policy.predicates, facts)
        if reasons:
            return Recommendation(
                Track.EXECUTIVE, facts.case.exec_level, level.level.value, tuple(reasons),
                level.respond_within_minutes,
            )
    return None


