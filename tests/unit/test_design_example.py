"""The example snapshot of DESIGN.md 1.2, evaluated as the document says."""

from __future__ import annotations

from datetime import datetime

import pytest
from examples import DESIGN_SNAPSHOT

from escalada.domain.engine import evaluate
from escalada.domain.snapshot import CaseSnapshot


def at(clock: str) -> datetime:
    return datetime.fromisoformat(f"2026-11-26T{clock}:00+00:00")


@pytest.fixture
def example() -> CaseSnapshot:
    return CaseSnapshot.model_validate(DESIGN_SNAPSHOT)


def test_example_at_ten_past_eight_recommends_t2_and_l2_and_nothing_else(example, policy):
    document = evaluate(example, policy, at("10:08")).as_json()

    assert document["case"] == "CASE-1042"
    assert document["recommendations"] == [
        {"track": "technical", "from": "T1", "to": "T2",
         "criteria": ["customer_requested_escalation", "sla_at_risk"],
         "respond_within_minutes": 15,
         "handoff_required": ["troubleshooting_summary", "steps_attempted", "customer_impact",
                              "diagnostic_data", "customer_expectation_set"]},
        {"track": "executive", "from": None, "to": "L2",
         "criteria": ["enterprise_customer_escalation"], "respond_within_minutes": 60},
    ]


def test_example_first_response_is_due_at_ten_fifteen(example, policy):
    first_response = evaluate(example, policy, at("10:08")).sla[0]

    assert first_response.target == "first_response"
    assert first_response.due_at == at("10:15")
    assert first_response.elapsed_minutes == pytest.approx(8)
    assert first_response.as_json()["consumed"] == pytest.approx(0.5333)
    assert first_response.breached is False


def test_example_future_pause_is_not_counted_yet(example, policy):
    clocks = {clock.target: clock for clock in evaluate(example, policy, at("10:08")).sla}

    assert set(clocks) == {"first_response", "resolution"}
    assert clocks["resolution"].due_at == at("14:00")
    assert not any(clock.paused for clock in clocks.values())


def test_example_inside_the_pause_excludes_the_paused_minutes_and_reports_paused(
    example, policy
):
    clocks = {clock.target: clock for clock in evaluate(example, policy, at("11:20")).sla}

    # 80 minutes since opening, of which 11:00-11:20 were paused.
    assert clocks["first_response"].elapsed_minutes == pytest.approx(60)
    assert clocks["resolution"].elapsed_minutes == pytest.approx(60)
    assert all(clock.paused for clock in clocks.values())
    assert all(clock.as_json()["paused"] is True for clock in clocks.values())
    assert clocks["first_response"].breached is True
    assert clocks["resolution"].due_at == at("14:20")


def test_example_inside_the_pause_still_recommends_t2_and_l2(example, policy):
    recommendations = evaluate(example, policy, at("11:20")).as_json()["recommendations"]

    assert [(r["to"], r["criteria"]) for r in recommendations] == [
        ("T2", ["customer_requested_escalation", "sla_at_risk"]),
        ("L2", ["enterprise_customer_escalation"]),
    ]


def test_example_after_the_pause_counts_only_the_half_hour_it_lasted(example, policy):
    clocks = {clock.target: clock for clock in evaluate(example, policy, at("12:00")).sla}

    assert clocks["resolution"].elapsed_minutes == pytest.approx(90)
    assert clocks["resolution"].due_at == at("14:30")
    assert not clocks["resolution"].paused


def test_example_snapshot_round_trips_through_its_json(example):
    assert CaseSnapshot.model_validate(example.as_json()) == example
