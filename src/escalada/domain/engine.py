"""The escalation engine: a pure function of a case snapshot, the policy and a time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from escalada.domain.criteria import Facts, Predicate, compile_criteria
from escalada.domain.model import Tier, Track, level_rank
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
        tracks = policy.derived(compile_tracks)
        for recommendation in (_technical(facts, tracks), _executive(facts, tracks)):
            if recommendation is not None:
                recommendations.append(recommendation)
    return Evaluation(case.id, now, clocks, tuple(recommendations))


@dataclass(frozen=True, slots=True)
class _Rung:
    """A technical step or an executive level, ready to test a case against."""

    to: str
    # (criterion id, its predicate or None for a plain flag), in policy order
    checks: tuple[tuple[str, Predicate | None], ...]
    respond_within_minutes: int
    handoff_required: tuple[str, ...] = ()
    from_: str | None = None  # the tier a technical step starts from

    def fired(self, facts: Facts) -> list[str]:
        flags = facts.case.flags
        # Most criteria are plain flags: a set lookup costs less than calling a predicate.
        return [
            criterion
            for criterion, predicate in self.checks
            if (criterion in flags if predicate is None else predicate(facts))
        ]


@dataclass(frozen=True, slots=True)
class Tracks:
    """The policy's two tracks with every lookup done once, not on every evaluation."""

    steps: Mapping[Tier, _Rung]  # by the tier they start from
    levels: tuple[tuple[int, _Rung], ...]  # (level_rank, level), highest first


def compile_tracks(policy: Policy) -> Tracks:
    """Both tracks with every lookup done once (kept with the policy: `Policy.derived`)."""
    predicates = compile_criteria(policy)

    def checks(criteria: tuple[str, ...]) -> tuple[tuple[str, Predicate | None], ...]:
        # An id the policy does not define is a flag of that name (criteria.compile_criteria).
        return tuple(
            (criterion, predicates.get(criterion))
            for criterion in criteria
        )

    steps = {
        step.from_tier: _Rung(step.to_tier.value, checks(step.criteria),
                              step.respond_within_minutes, step.handoff_required,
                              step.from_tier.value)
        for step in policy.technical.steps
    }
    levels = tuple(
        (level_rank(level.level),
         _Rung(level.level.value, checks(level.criteria), level.respond_within_minutes))
        for level in reversed(policy.executive.levels)
    )
    return Tracks(steps, levels)


def criteria_fired(case: CaseSnapshot, policy: Policy, now: datetime, target: str) -> list[str]:
    """The criteria that fire for a step from where the case is to `target` (tier or level)."""
    tracks = policy.derived(compile_tracks)
    step = tracks.steps.get(case.tier)
    rung = step if step is not None and step.to == target else next(
        (level for _, level in tracks.levels if level.to == target), None)
    if rung is None:
        return []
    return rung.fired(Facts(case, sla_clocks(case, policy, now)))


def _technical(facts: Facts, tracks: Tracks) -> Recommendation | None:
    step = tracks.steps.get(facts.case.tier)
    if step is None:
        return None
    reasons = step.fired(facts)
    if not reasons:
        return None
    return Recommendation(
        Track.TECHNICAL, step.from_, step.to, tuple(reasons),
        step.respond_within_minutes, step.handoff_required,
    )


def _executive(facts: Facts, tracks: Tracks) -> Recommendation | None:
    current = level_rank(facts.case.exec_level)
    for rank, level in tracks.levels:
        if rank <= current:
            return None
        reasons = level.fired(facts)
        if reasons:
            return Recommendation(
                Track.EXECUTIVE, facts.case.exec_level, level.to, tuple(reasons),
                level.respond_within_minutes,
            )
    return None
