"""Escalating on real SQLite and PostgreSQL: handoff gates, overrides, executive
criteria, acknowledgments, stepping down, and the timeline of a whole escalation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from case_support import open_case
from examples import ANA, T2_HANDOFF, T3_HANDOFF, VENDOR_HANDOFF
from examples import LENA as LEAD
from examples import MARIA as MANAGER

from escalada.domain.errors import HandoffIncomplete, InvalidInput, InvalidTransition, NotFound
from escalada.services import cases
from escalada.services.context import Actor, Context
from escalada.services.escalations import acknowledge, deescalate, escalate
from escalada.testing import FakeClock

TOM = Actor("tom", "engineer")


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 26, hour, minute, tzinfo=UTC)


def timeline(ctx: Context) -> list[Any]:
    return cases.case_timeline(ctx=ctx, case_id="CASE-1")


# The handoff gate


def test_a_step_to_t2_without_its_handoff_package_is_refused_listing_the_missing_items(
    ctx: Context,
) -> None:
    open_case(ctx, flags=["customer_requested_escalation"])

    with pytest.raises(
        HandoffIncomplete,
        match=r"^handoff package for T1 -> T2 is incomplete: missing steps_attempted, ",
    ) as refused:
        escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="T2",
                 handoff={"troubleshooting_summary": "volumes detach", "steps_attempted": " "})

    assert refused.value.step == "T1 -> T2"
    assert refused.value.missing == [
        "steps_attempted", "customer_impact", "diagnostic_data", "customer_expectation_set"]
    assert "missing steps_attempted, customer_impact" in str(refused.value)
    view = cases.show_case(ctx=ctx, case_id="CASE-1")
    assert view.snapshot.tier == "T1"
    assert view.escalations == []
    refusal = view.timeline[-1]
    assert refusal.kind == "escalation_refused"
    assert refusal.data == {"to": "T2", "missing_handoff": refused.value.missing}


def test_a_package_of_nulls_supplies_nothing_and_is_refused_on_the_timeline(
    ctx: Context,
) -> None:
    open_case(ctx, flags=["customer_requested_escalation"])

    with pytest.raises(
        HandoffIncomplete,
        match=r"^handoff package for T1 -> T2 is incomplete: missing troubleshooting_summary, ",
    ) as refused:
        escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="T2",
                 handoff=dict.fromkeys(T2_HANDOFF))

    assert refused.value.missing == list(T2_HANDOFF)
    view = cases.show_case(ctx=ctx, case_id="CASE-1")
    assert (view.snapshot.tier, view.escalations) == ("T1", [])
    assert view.timeline[-1].kind == "escalation_refused"


def test_a_refused_step_leaves_the_version_so_the_completed_retry_is_not_a_conflict(
    ctx: Context,
) -> None:
    version = open_case(ctx, flags=["customer_requested_escalation"]).version

    with pytest.raises(
        HandoffIncomplete,
        match=r"^handoff package for T1 -> T2 is incomplete: missing troubleshooting_summary, ",
    ):
        escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="T2", expected_version=version)
    view = escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="T2", handoff=T2_HANDOFF,
                    expected_version=version)

    assert (view.snapshot.tier, view.version) == ("T2", version + 1)
    assert [e.kind for e in view.timeline] == [
        "case_opened", "escalation_refused", "escalated"]


def test_a_complete_handoff_package_lets_the_case_step_up_to_t2(ctx: Context) -> None:
    open_case(ctx, flags=["customer_requested_escalation"])

    view = escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="T2", handoff=T2_HANDOFF)

    assert view.snapshot.tier == "T2"
    [step] = view.escalations
    assert (step.step, step.track, step.direction, step.from_, step.to) == (
        1, "technical", "up", "T1", "T2")
    assert step.criteria == ["customer_requested_escalation"]
    assert step.handoff == T2_HANDOFF
    assert (step.overridden_items, step.override_reason) == ([], None)
    assert (step.requested_by, step.requested_at) == ("ana", at(10))
    assert (step.respond_within_minutes, step.response_due_at) == (15, at(10, 15))
    assert view.timeline[-1].kind == "escalated"
    assert view.timeline[-1].data["criteria"] == ["customer_requested_escalation"]


def test_an_override_reason_records_the_overridden_items_and_the_reason(ctx: Context) -> None:
    open_case(ctx, flags=["customer_requested_escalation"])

    view = escalate(ctx=ctx, actor=LEAD, case_id="CASE-1", to="T2",
                    handoff={"troubleshooting_summary": "volumes detach"},
                    override_reason="outage in progress; package follows")

    assert view.snapshot.tier == "T2"
    [step] = view.escalations
    assert step.overridden_items == [
        "steps_attempted", "customer_impact", "diagnostic_data", "customer_expectation_set"]
    assert step.override_reason == "outage in progress; package follows"
    entry = view.timeline[-1]
    assert entry.data["override_reason"] == "outage in progress; package follows"
    assert entry.data["missing_handoff"] == step.overridden_items
    assert "handoff gate overridden" in entry.summary


def test_skipping_a_tier_is_an_invalid_transition(ctx: Context) -> None:
    open_case(ctx, flags=["potential_product_bug"])

    with pytest.raises(InvalidTransition, match="the next step is T2"):
        escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="T3", handoff=T3_HANDOFF)

    view = cases.show_case(ctx=ctx, case_id="CASE-1")
    assert (view.snapshot.tier, view.escalations, view.version) == ("T1", [], 1)


def test_a_target_that_is_neither_a_tier_nor_a_level_is_invalid_input_naming_to(
    ctx: Context,
) -> None:
    open_case(ctx)

    with pytest.raises(InvalidInput, match=r"^to: 'T9' is neither a tier") as refused:
        escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="T9", reason="why not")

    assert [field for field, _ in refused.value.problems] == ["to"]


# The executive track


def test_an_executive_l2_step_records_the_criteria_that_fired(ctx: Context) -> None:
    open_case(ctx, tier="enterprise", flags=["customer_requested_escalation"])

    view = escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="L2")

    assert view.snapshot.exec_level == "L2"
    assert view.snapshot.tier == "T1"
    [step] = view.escalations
    assert (step.track, step.from_, step.to) == ("executive", None, "L2")
    assert step.criteria == ["enterprise_customer_escalation"]
    assert (step.respond_within_minutes, step.response_due_at) == (60, at(11))
    assert step.handoff == {}
    assert view.timeline[-1].data["criteria"] == ["enterprise_customer_escalation"]


def test_escalating_with_no_criterion_firing_and_no_reason_is_invalid_input_naming_reason(
    ctx: Context,
) -> None:
    open_case(ctx, tier="standard")

    for target in ("L2", "T2"):
        with pytest.raises(
            InvalidInput,
            match=rf"^reason: no policy criterion fires for {target}; say why you escalate$",
        ) as refused:
            escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to=target, handoff=T2_HANDOFF)
        assert [field for field, _ in refused.value.problems] == ["reason"]

    view = cases.show_case(ctx=ctx, case_id="CASE-1")
    assert (view.escalations, view.version) == ([], 1)


def test_a_reason_lets_people_escalate_when_no_criterion_fires(ctx: Context) -> None:
    open_case(ctx, tier="standard")

    view = escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="L1",
                    reason="customer is unhappy with progress")

    [step] = view.escalations
    assert (step.to, step.criteria, step.reason) == (
        "L1", [], "customer is unhappy with progress")
    assert "(manual)" in view.timeline[-1].summary


def test_escalating_to_the_level_already_engaged_is_refused(ctx: Context) -> None:
    open_case(ctx, flags=["customer_requested_escalation"])
    escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="L2")

    with pytest.raises(InvalidTransition, match="already at L2"):
        escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="L1", reason="lower")


# Acknowledging


def test_acknowledging_a_step_records_who_and_when(ctx: Context, clock: FakeClock) -> None:
    open_case(ctx, flags=["customer_requested_escalation"])
    escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="T2", handoff=T2_HANDOFF)
    clock.advance(minutes=8)

    view = acknowledge(ctx=ctx, actor=TOM, case_id="CASE-1", step=1)

    [step] = view.escalations
    assert (step.acknowledged_by, step.acknowledged_at) == ("tom", at(10, 8))
    entry = view.timeline[-1]
    assert (entry.kind, entry.data) == (
        "acknowledged", {"step": 1, "by": "tom", "on_behalf_of": None, "late": False})


def test_acknowledging_a_step_twice_is_refused(ctx: Context, clock: FakeClock) -> None:
    open_case(ctx, flags=["customer_requested_escalation"])
    escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="T2", handoff=T2_HANDOFF)
    acknowledge(ctx=ctx, actor=TOM, case_id="CASE-1", step=1)
    clock.advance(minutes=1)

    with pytest.raises(InvalidTransition, match="acknowledged by tom already"):
        acknowledge(ctx=ctx, actor=Actor("kim", "engineer"), case_id="CASE-1", step=1)

    [step] = cases.show_case(ctx=ctx, case_id="CASE-1").escalations
    assert (step.acknowledged_by, step.acknowledged_at) == ("tom", at(10))


def test_acknowledging_an_unknown_step_is_not_found(ctx: Context) -> None:
    open_case(ctx, flags=["customer_requested_escalation"])
    escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="T2", handoff=T2_HANDOFF)

    with pytest.raises(NotFound, match="no step 7"):
        acknowledge(ctx=ctx, actor=ANA, case_id="CASE-1", step=7)


def test_an_acknowledgment_after_the_response_due_time_is_marked_late(
    ctx: Context, clock: FakeClock
) -> None:
    open_case(ctx, flags=["customer_requested_escalation"])
    escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="T2", handoff=T2_HANDOFF)
    clock.advance(minutes=20)

    view = acknowledge(ctx=ctx, actor=TOM, case_id="CASE-1", step=1)

    entry = view.timeline[-1]
    assert entry.data == {"step": 1, "by": "tom", "on_behalf_of": None, "late": True}
    assert "after its response due time" in entry.summary


def test_a_de_escalation_step_cannot_be_acknowledged(ctx: Context) -> None:
    open_case(ctx, flags=["customer_requested_escalation"])
    escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="T2", handoff=T2_HANDOFF)
    deescalate(ctx=ctx, actor=ANA, case_id="CASE-1", track="technical", reason="config issue")

    with pytest.raises(InvalidTransition, match="de-escalation"):
        acknowledge(ctx=ctx, actor=ANA, case_id="CASE-1", step=2)


# Stepping down


def test_deescalating_the_technical_track_steps_back_one_tier(ctx: Context) -> None:
    open_case(ctx, flags=["customer_requested_escalation"])
    escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="T2", handoff=T2_HANDOFF)

    view = deescalate(ctx=ctx, actor=ANA, case_id="CASE-1", track="technical",
                      reason="turned out to be a configuration issue")

    assert view.snapshot.tier == "T1"
    down = view.escalations[-1]
    assert (down.step, down.direction, down.from_, down.to) == (2, "down", "T2", "T1")
    assert (down.respond_within_minutes, down.response_due_at) == (None, None)
    assert view.timeline[-1].kind == "deescalated"


def test_deescalating_the_executive_track_to_none_leaves_no_executive_engaged(
    ctx: Context,
) -> None:
    open_case(ctx, flags=["customer_requested_escalation"])
    escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="L2")

    view = deescalate(ctx=ctx, actor=MANAGER, case_id="CASE-1", track="executive", to="none",
                      reason="customer satisfied with the plan")

    assert view.snapshot.exec_level is None
    down = view.escalations[-1]
    assert (down.track, down.direction, down.from_, down.to) == ("executive", "down", "L2", None)
    assert view.timeline[-1].summary == "step 2: L2 -> none"


def test_deescalating_the_executive_track_by_default_steps_down_one_level(
    ctx: Context,
) -> None:
    open_case(ctx, flags=["customer_requested_escalation"])
    escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="L2")

    view = deescalate(ctx=ctx, actor=MANAGER, case_id="CASE-1", track="executive",
                      reason="manager no longer needed")

    assert view.snapshot.exec_level == "L1"


def test_deescalating_below_t1_is_refused(ctx: Context) -> None:
    open_case(ctx)

    with pytest.raises(InvalidTransition, match="CASE-1 is at T1"):
        deescalate(ctx=ctx, actor=ANA, case_id="CASE-1", track="technical", reason="no")

    view = cases.show_case(ctx=ctx, case_id="CASE-1")
    assert (view.snapshot.tier, view.escalations, view.version) == ("T1", [], 1)


def test_the_refusal_to_step_below_t1_does_not_name_vendor_as_the_target(
    ctx: Context,
) -> None:
    open_case(ctx)

    with pytest.raises(InvalidTransition, match=r"^CASE-1 is at T1, the first tier$") as refused:
        deescalate(ctx=ctx, actor=ANA, case_id="CASE-1", track="technical", reason="no")

    assert "VENDOR" not in str(refused.value)


def test_deescalating_with_no_executive_engaged_is_refused(ctx: Context) -> None:
    open_case(ctx)

    with pytest.raises(InvalidTransition, match="no executive escalation"):
        deescalate(ctx=ctx, actor=ANA, case_id="CASE-1", track="executive", reason="no")


def test_deescalating_without_a_reason_is_invalid_input_naming_reason(ctx: Context) -> None:
    open_case(ctx, flags=["customer_requested_escalation"])
    escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="T2", handoff=T2_HANDOFF)

    with pytest.raises(InvalidInput, match=r"^reason: say why the case steps down$") as refused:
        deescalate(ctx=ctx, actor=ANA, case_id="CASE-1", track="technical", reason="  ")

    assert [field for field, _ in refused.value.problems] == ["reason"]


# A whole escalation


def test_the_full_walk_up_both_tracks_and_back_to_resolved_is_on_the_timeline_in_order(
    ctx: Context, clock: FakeClock
) -> None:
    open_case(ctx, flags=["customer_requested_escalation"])
    clock.advance(minutes=5)
    escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="T2", handoff=T2_HANDOFF)
    clock.advance(minutes=5)
    acknowledge(ctx=ctx, actor=TOM, case_id="CASE-1", step=1)
    clock.advance(minutes=5)
    cases.set_flags(ctx=ctx, actor=ANA, case_id="CASE-1", flags=["potential_product_bug"])
    escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="T3", handoff=T3_HANDOFF)
    clock.advance(minutes=5)
    cases.set_flags(ctx=ctx, actor=ANA, case_id="CASE-1", flags=["vendor_platform_issue"])
    escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="VENDOR", handoff=VENDOR_HANDOFF)
    clock.advance(minutes=5)
    escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="L2")
    clock.advance(minutes=5)
    acknowledge(ctx=ctx, actor=MANAGER, case_id="CASE-1", step=4)
    clock.advance(minutes=30)
    view = cases.resolve(ctx=ctx, actor=ANA, case_id="CASE-1", reason="vendor patched")

    assert (view.snapshot.tier, view.snapshot.exec_level, view.snapshot.status) == (
        "VENDOR", "L2", "resolved")
    assert [(s.step, s.from_, s.to, s.criteria) for s in view.escalations] == [
        (1, "T1", "T2", ["customer_requested_escalation"]),
        (2, "T2", "T3", ["potential_product_bug"]),
        (3, "T3", "VENDOR", ["vendor_platform_issue"]),
        (4, None, "L2", ["enterprise_customer_escalation"]),
    ]
    entries = timeline(ctx)
    assert [(e.kind, e.at) for e in entries] == [
        ("case_opened", at(10)),
        ("escalated", at(10, 5)),
        ("acknowledged", at(10, 10)),
        ("flag_set", at(10, 15)),
        ("escalated", at(10, 15)),
        ("flag_set", at(10, 20)),
        ("escalated", at(10, 20)),
        ("escalated", at(10, 25)),
        ("acknowledged", at(10, 30)),
        ("resolved", at(11)),
    ]
    assert [e.data["step"] for e in entries if e.kind == "escalated"] == [1, 2, 3, 4]
    assert view.version == len(entries)
