"""The escalation path, pure: the next step up and its terms, how far down a step may
go, and when a vendor case is opened by taking the step to VENDOR."""

from __future__ import annotations

import re

import pytest

from escalada.domain.errors import InvalidInput, InvalidTransition
from escalada.domain.escalation_path import (
    Place,
    StepTerms,
    opens_vendor_case_by_stepping,
    step_down,
    step_up,
    target,
    track,
)
from escalada.domain.model import ExecLevel, Track
from escalada.domain.policy import Policy


def at(tier: str = "T1", level: str | None = None) -> Place:
    return Place("CASE-7", tier, level)


def test_targets_and_tracks_are_read_as_people_write_them() -> None:
    assert target(" t2 ") == "T2"
    assert target("l3") == "L3"
    assert track(" Executive ") is Track.EXECUTIVE
    with pytest.raises(InvalidInput, match="to"):
        target("T9")
    with pytest.raises(InvalidInput, match="must be technical or executive"):
        track("sideways")


def test_the_place_on_each_track() -> None:
    place = at("T2")
    assert place.on(Track.TECHNICAL) == "T2"
    assert place.on(Track.EXECUTIVE) == "none"
    assert at("T2", "L2").level is ExecLevel.L2


def test_a_technical_step_is_the_next_tier_with_its_handoff(policy: Policy) -> None:
    terms = step_up(at("T1"), "T2", policy)
    assert terms.respond_within_minutes == 15
    assert "troubleshooting_summary" in terms.handoff_required
    assert step_up(at("T3"), "VENDOR", policy).respond_within_minutes == 60


def test_a_technical_step_skipping_a_tier_is_refused(policy: Policy) -> None:
    with pytest.raises(InvalidTransition, match=re.escape("CASE-7 is at T1; the next step is T2")):
        step_up(at("T1"), "T3", policy)
    with pytest.raises(InvalidTransition, match="no step is above it"):
        step_up(at("VENDOR"), "T3", policy)


def test_an_executive_step_may_skip_levels_but_not_go_down(policy: Policy) -> None:
    assert step_up(at(), "L3", policy) == StepTerms(120)
    assert step_up(at(level="L1"), "L2", policy) == StepTerms(60)
    with pytest.raises(InvalidTransition,
                       match="CASE-7 is already at L2; use deescalate to step down"):
        step_up(at(level="L2"), "L2", policy)


def test_stepping_down_the_technical_track() -> None:
    assert step_down(at("T3"), Track.TECHNICAL, None) == "T2"
    assert step_down(at("T3"), Track.TECHNICAL, "t1") == "T1"
    with pytest.raises(InvalidTransition, match="CASE-7 is at T1, the first tier"):
        step_down(at("T1"), Track.TECHNICAL, None)
    with pytest.raises(InvalidTransition, match="CASE-7 is at T2; cannot step down to T3"):
        step_down(at("T2"), Track.TECHNICAL, "T3")


def test_stepping_down_the_executive_track() -> None:
    assert step_down(at(level="L3"), Track.EXECUTIVE, None) == "L2"
    assert step_down(at(level="L1"), Track.EXECUTIVE, None) is None
    assert step_down(at(level="L4"), Track.EXECUTIVE, "none") is None
    assert step_down(at(level="L4"), Track.EXECUTIVE, "l1") == "L1"
    with pytest.raises(InvalidTransition, match="has no executive escalation to step down"):
        step_down(at(), Track.EXECUTIVE, None)
    with pytest.raises(InvalidTransition, match="CASE-7 is at L2; cannot step down to L3"):
        step_down(at(level="L2"), Track.EXECUTIVE, "L3")


def test_a_vendor_case_opens_from_t3_by_stepping_or_at_vendor() -> None:
    assert opens_vendor_case_by_stepping(at("T3")) is True
    assert opens_vendor_case_by_stepping(at("VENDOR")) is False
    with pytest.raises(InvalidTransition, match="a vendor case is opened from T3"):
        opens_vendor_case_by_stepping(at("T2"))
