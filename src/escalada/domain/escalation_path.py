"""Where a case may step on its two tracks (pure): the next step up and its terms,
how far down a step may go, and when a vendor case may be opened. A case's place
is its tier and executive level as stored (text)."""

from __future__ import annotations

from dataclasses import dataclass

from escalada.domain.errors import InvalidInput, InvalidTransition
from escalada.domain.model import (
    EXEC_LEVELS,
    TIERS,
    ExecLevel,
    Tier,
    Track,
    level_rank,
    tier_rank,
    track_of,
)
from escalada.domain.policy import Policy
from escalada.domain.words import Words


@dataclass(frozen=True, slots=True)
class Place:
    """Where a case stands: its reference (for messages), tier and executive level."""

    ref: str
    tier: str
    exec_level: str | None

    def on(self, track: Track) -> str:
        """Its place on a track ('none' below the first executive level)."""
        return self.tier if track is Track.TECHNICAL else (self.exec_level or "none")

    @property
    def level(self) -> ExecLevel | None:
        return None if self.exec_level is None else ExecLevel(self.exec_level)


@dataclass(frozen=True, slots=True)
class StepTerms:
    """What a step up requires: a response within minutes and (technical) a handoff."""

    respond_within_minutes: int
    handoff_required: tuple[str, ...] = ()


def target(to: str) -> str:
    """A tier or executive level as people write it (`t2`, `L3`)."""
    wanted = to.strip().upper()
    try:
        track_of(wanted)
    except ValueError as error:
        raise InvalidInput.of("to", str(error)) from error
    return wanted


def track(name: str) -> Track:
    try:
        return Track(name.strip().lower())
    except ValueError as error:
        raise InvalidInput.of("track", "must be technical or executive") from error


def step_up(place: Place, to: str, policy: Policy) -> StepTerms:
    """The terms of the step to `to`, if the policy allows it from where the case is:
    the next tier up, or any executive level above the case's."""
    if track_of(to) is Track.TECHNICAL:
        step = policy.step_from(Tier(place.tier))
        if step is None or step.to_tier.value != to:
            nxt = (Words("the next step is {tier}", tier=step.to_tier.value) if step
                   else Words("no step is above it"))
            raise InvalidTransition.of("{case} is at {tier}; {nxt}", case=place.ref,
                                       tier=place.tier, nxt=nxt)
        return StepTerms(step.respond_within_minutes, step.handoff_required)
    level = ExecLevel(to)
    if level_rank(level) <= level_rank(place.level):
        raise InvalidTransition.of("{case} is already at {exec_level}; use deescalate to step down",
                                   case=place.ref, exec_level=place.exec_level)
    terms = policy.level(level)
    if terms is None:
        raise InvalidTransition.of("the policy has no executive level {to}", to=to)
    return StepTerms(terms.respond_within_minutes)


def step_down(place: Place, on: Track, to: str | None) -> str | None:
    """Where a step down the track goes (by default one step; `none` leaves the
    executive track), checked to be below where the case is."""
    if on is Track.TECHNICAL:
        current = tier_rank(Tier(place.tier))
        if current == 0 and to is None:
            raise InvalidTransition.of("{case} is at {tier}, the first tier", case=place.ref,
                                       tier=place.tier)
        wanted = TIERS[current - 1].value if to is None else to.strip().upper()
        if wanted not in {t.value for t in TIERS} or tier_rank(Tier(wanted)) >= current:
            raise InvalidTransition.of("{case} is at {tier}; cannot step down to {wanted}",
                                       case=place.ref, tier=place.tier, wanted=wanted)
        return wanted
    current = level_rank(place.level)
    if current == 0:
        raise InvalidTransition.of("{case} has no executive escalation to step down from",
                                   case=place.ref)
    if to is None:
        return None if current == 1 else EXEC_LEVELS[current - 2].value
    wanted_level = None if to.strip().lower() == "none" else to.strip().upper()
    if wanted_level is not None and (
        wanted_level not in {lv.value for lv in EXEC_LEVELS}
        or level_rank(ExecLevel(wanted_level)) >= current
    ):
        raise InvalidTransition.of("{case} is at {exec_level}; cannot step down to {wanted_level}",
                                   case=place.ref, exec_level=place.exec_level,
                                   wanted_level=wanted_level)
    return wanted_level


def opens_vendor_case_by_stepping(place: Place) -> bool:
    """A vendor case is opened from T3 (taking the step to VENDOR: True) or at VENDOR
    (the step was taken already: False); from anywhere else, not at all."""
    if place.tier == Tier.T3.value:
        return True
    if place.tier != Tier.VENDOR.value:
        raise InvalidTransition.of("{case} is at {tier}: a vendor case is opened from T3 (taking "
                                   "the step to VENDOR) or at VENDOR", case=place.ref,
                                   tier=place.tier)
    return False
