"""SLA clocks: which targets run, from when, on which calendar, for how long."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

DAY = 24 * 60
BUSINESS_DAY = 9 * 60


@pytest.fixture
def clocks(evaluation_at):
    """The case's SLA clocks at a moment, by target name."""

    def run(case, at=None):
        return {clock.target: clock for clock in evaluation_at(case, at).sla}

    return run


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


# Which targets are active


def test_first_response_runs_until_the_first_response_is_given(make_case, clocks):
    assert list(clocks(make_case())) == ["first_response", "resolution"]


def test_next_update_replaces_first_response_once_it_is_given(make_case, clocks):
    case = make_case(first_response_at=make_case.after(minutes=5))

    assert list(clocks(case, make_case.after(minutes=6))) == ["next_update", "resolution"]


def test_next_update_runs_from_the_first_response(make_case, clocks):
    case = make_case(first_response_at=make_case.after(minutes=5))

    next_update = clocks(case, make_case.after(minutes=6))["next_update"]

    assert next_update.started_at == make_case.after(minutes=5)
    assert next_update.due_at == make_case.after(minutes=5 + 120)


def test_next_update_runs_from_the_last_customer_update_when_it_is_later(make_case, clocks):
    case = make_case(first_response_at=make_case.after(minutes=5),
                     last_customer_update_at=make_case.after(minutes=90))

    next_update = clocks(case, make_case.after(minutes=100))["next_update"]

    assert next_update.started_at == make_case.after(minutes=90)
    assert next_update.due_at == make_case.after(minutes=90 + 120)
    assert next_update.elapsed_minutes == pytest.approx(10)


def test_next_update_ignores_a_customer_update_older_than_the_first_response(make_case, clocks):
    case = make_case(first_response_at=make_case.after(minutes=5),
                     last_customer_update_at=make_case.after(minutes=2))

    assert clocks(case)["next_update"].started_at == make_case.after(minutes=5)


def test_resolution_runs_from_opening_whatever_the_updates(make_case, clocks):
    case = make_case(first_response_at=make_case.after(minutes=5),
                     last_customer_update_at=make_case.after(minutes=90))

    resolution = clocks(case, make_case.after(minutes=100))["resolution"]

    assert resolution.started_at == make_case.opened_at
    assert resolution.due_at == make_case.after(hours=4)
    assert resolution.elapsed_minutes == pytest.approx(100)


@pytest.mark.parametrize("status", ["resolved", "closed"])
def test_resolved_and_closed_cases_have_no_clocks(make_case, clocks, status):
    assert clocks(make_case(status=status)) == {}


def test_a_clock_is_breached_only_past_its_target(make_case, clocks):
    on_time = clocks(make_case(), make_case.after(minutes=15))["first_response"]
    late = clocks(make_case(), make_case.after(minutes=15.01))["first_response"]

    assert (on_time.consumed, on_time.breached) == (1.0, False)
    assert late.breached is True


def test_a_clock_as_json_reports_target_due_consumed_breached_and_paused(make_case, clocks):
    document = clocks(make_case(), make_case.after(minutes=3))["first_response"].as_json()

    assert document == {"target": "first_response", "due_at": "2026-11-26T10:15:00+00:00",
                        "consumed": 0.2, "breached": False, "paused": False}


# Pauses while the case waits on the customer


def test_a_past_pause_is_not_consumed_and_moves_the_due_time(make_case, clocks):
    case = make_case(paused=[{"from": make_case.after(minutes=5), "to": make_case.after(35)}])

    first_response = clocks(case, make_case.after(minutes=40))["first_response"]

    assert first_response.elapsed_minutes == pytest.approx(10)
    assert first_response.due_at == make_case.after(minutes=45)
    assert first_response.paused is False


def test_overlapping_pauses_are_not_subtracted_twice(make_case, clocks):
    case = make_case(paused=[
        {"from": make_case.after(minutes=5), "to": make_case.after(minutes=20)},
        {"from": make_case.after(minutes=10), "to": make_case.after(minutes=30)},
    ])

    assert clocks(case, make_case.after(40))["resolution"].elapsed_minutes == pytest.approx(15)


def test_an_open_pause_stops_the_clock_and_reports_paused(make_case, clocks):
    case = make_case(paused=[{"from": make_case.after(minutes=5), "to": None}])

    first_response = clocks(case, make_case.after(hours=3))["first_response"]

    assert first_response.elapsed_minutes == pytest.approx(5)
    assert first_response.paused is True
    assert first_response.breached is False


def test_a_pause_that_has_not_started_is_not_counted(make_case, clocks):
    case = make_case(paused=[{"from": make_case.after(minutes=30), "to": make_case.after(60)}])

    first_response = clocks(case, make_case.after(minutes=10))["first_response"]

    assert first_response.due_at == make_case.after(minutes=15)
    assert first_response.paused is False


# The plan and severity matrix (DESIGN.md 1.1)


@pytest.mark.parametrize(("severity", "first", "update", "resolve"), [
    ("P1", 15, 120, 240),
    ("P2", 60, 240, 720),
    ("P3", 240, 480, 3 * DAY),
    ("P4", 720, DAY, 7 * DAY),
])
def test_enterprise_plan_targets_run_round_the_clock(make_case, clocks, severity,
                                                     first, update, resolve):
    opening = clocks(make_case(severity=severity))
    answered = clocks(make_case(severity=severity, first_response_at=make_case.opened_at))

    assert opening["first_response"].target_minutes == first
    assert answered["next_update"].target_minutes == update
    assert opening["resolution"].target_minutes == resolve
    assert opening["first_response"].due_at == make_case.after(minutes=first)
    assert opening["resolution"].due_at == make_case.after(minutes=resolve)


@pytest.mark.parametrize(("severity", "first", "update", "resolve"), [
    ("P1", 60, 120, 480),
    ("P2", 240, 240, DAY),
])
def test_business_plan_p1_and_p2_run_round_the_clock(make_case, clocks, severity,
                                                     first, update, resolve):
    account = {"support_plan": "business", "timezone": "Europe/Moscow"}
    # Saturday: a business-hours clock would not run at all.
    saturday = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    opening = clocks(make_case(account=account, severity=severity, opened_at=saturday),
                     saturday + timedelta(minutes=30))
    answered = clocks(make_case(account=account, severity=severity, opened_at=saturday,
                                first_response_at=saturday), saturday)

    assert opening["first_response"].elapsed_minutes == pytest.approx(30)
    assert opening["first_response"].due_at == saturday + timedelta(minutes=first)
    assert answered["next_update"].target_minutes == update
    assert opening["resolution"].due_at == saturday + timedelta(minutes=resolve)


@pytest.mark.parametrize(("plan", "severity", "first", "update", "resolve"), [
    ("business", "P3", 720, 480, 5 * BUSINESS_DAY),
    ("business", "P4", DAY, DAY, 10 * BUSINESS_DAY),
    ("developer", "P2", 720, 480, 3 * BUSINESS_DAY),
    ("developer", "P3", DAY, DAY, 5 * BUSINESS_DAY),
    ("developer", "P4", DAY, DAY, 10 * BUSINESS_DAY),
])
def test_business_hours_targets_count_business_minutes(make_case, clocks, plan, severity,
                                                        first, update, resolve):
    account = {"support_plan": plan}
    opening = clocks(make_case(account=account, severity=severity))
    answered = clocks(make_case(account=account, severity=severity,
                                first_response_at=make_case.opened_at))

    assert opening["first_response"].target_minutes == first
    assert answered["next_update"].target_minutes == update
    assert opening["resolution"].target_minutes == resolve


def test_business_p3_runs_on_business_hours_in_the_account_s_timezone(make_case, clocks):
    # Friday 16:00 in Moscow (13:00 UTC): two business hours left before the weekend.
    friday = utc("2026-11-27T16:00:00+03:00")
    case = make_case(account={"support_plan": "business", "timezone": "Europe/Moscow"},
                     severity="P3", opened_at=friday)

    monday = clocks(case, utc("2026-11-30T10:00:00+03:00"))

    # 12 h first response: Fri 16-18 (2 h), Mon 9-18 (9 h), Tue 9-10 (1 h).
    assert monday["first_response"].due_at == utc("2026-12-01T10:00:00+03:00")
    assert monday["first_response"].elapsed_minutes == pytest.approx(180)
    # 5 business days: Fri 2 h, Mon-Thu 36 h, Fri 7 h -> Friday 16:00 next week.
    assert monday["resolution"].due_at == utc("2026-12-04T16:00:00+03:00")


def test_business_p3_in_utc_runs_on_utc_business_hours(make_case, clocks):
    friday = utc("2026-11-27T13:00:00+00:00")
    case = make_case(account={"support_plan": "business", "timezone": "UTC"},
                     severity="P3", opened_at=friday)

    # Fri 13-18 (5 h) then Mon 9-16 (7 h).
    assert clocks(case)["first_response"].due_at == utc("2026-11-30T16:00:00+00:00")


def test_developer_p1_has_no_sla_targets(make_case, clocks):
    case = make_case(account={"support_plan": "developer"}, severity="P1")

    assert clocks(case, make_case.after(hours=100)) == {}


def test_developer_p1_still_gets_flag_recommendations(make_case, recommend):
    case = make_case(account={"support_plan": "developer"}, flags=["churn_threat"])

    assert recommend(case)["executive"]["to"] == "L4"


def test_developer_plan_clock_does_not_run_at_night(make_case, clocks):
    evening = utc("2026-11-26T17:00:00+00:00")
    case = make_case(account={"support_plan": "developer"}, severity="P2", opened_at=evening)

    next_morning = clocks(case, utc("2026-11-27T10:00:00+00:00"))

    assert next_morning["first_response"].elapsed_minutes == pytest.approx(120)


# The escalated update cadence: at most 2 hours while L2 or above is engaged


@pytest.mark.parametrize(("exec_level", "minutes"), [
    (None, 480), ("L1", 480), ("L2", 120), ("L3", 120), ("L4", 120),
])
def test_next_update_is_at_most_two_hours_from_l2_up(make_case, clocks, exec_level, minutes):
    case = make_case(severity="P3", exec_level=exec_level,
                     first_response_at=make_case.opened_at)

    next_update = clocks(case)["next_update"]

    assert next_update.target_minutes == minutes
    assert next_update.due_at == make_case.after(minutes=minutes)


def test_escalated_cadence_never_lengthens_a_shorter_target(make_case, clocks):
    case = make_case(severity="P1", exec_level="L3", first_response_at=make_case.opened_at)

    assert clocks(case)["next_update"].target_minutes == 120


def test_escalated_cadence_applies_on_a_business_hours_plan(make_case, clocks):
    case = make_case(account={"support_plan": "business"}, severity="P3", exec_level="L2",
                     first_response_at=make_case.opened_at)

    assert clocks(case)["next_update"].target_minutes == 120


def test_escalated_cadence_leaves_first_response_and_resolution_alone(make_case, clocks):
    case = make_case(severity="P3", exec_level="L4")

    opening = clocks(case)

    assert opening["first_response"].target_minutes == 240
    assert opening["resolution"].target_minutes == 3 * DAY


def test_a_zone_aware_opening_across_dst_is_due_after_real_hours(make_case, clocks):
    opened = datetime(2026, 3, 8, 1, 30, tzinfo=ZoneInfo("America/New_York"))
    case = make_case(opened_at=opened)

    resolution = clocks(case, opened.astimezone(UTC) + timedelta(minutes=1))["resolution"]

    assert resolution.due_at.astimezone(UTC) == opened.astimezone(UTC) + timedelta(hours=4)
