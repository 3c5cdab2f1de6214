"""The next SLA due time a case is listed by on the board: the soonest of its running
targets, already past once breached, and none while no clock runs."""

from __future__ import annotations

from escalada.domain.sla import next_due


def test_a_new_case_is_due_by_its_first_response(make_case, policy):
    case = make_case()  # enterprise P1, 24x7: first response in 15 min, resolution in 4 h

    assert next_due(case, policy, make_case.after(minutes=1)) == make_case.after(minutes=15)


def test_after_the_first_response_the_next_update_or_the_resolution_whichever_is_sooner(
    make_case, policy,
):
    answered = make_case(first_response_at=make_case.after(minutes=5))
    late = make_case(first_response_at=make_case.after(minutes=200))

    assert next_due(answered, policy, make_case.after(minutes=6)) == make_case.after(
        minutes=125)
    assert next_due(late, policy, make_case.after(minutes=201)) == make_case.after(hours=4)


def test_a_breached_target_stays_due_in_the_past(make_case, policy):
    now = make_case.after(hours=1)

    assert next_due(make_case(), policy, now) == make_case.after(minutes=15)


def test_nothing_is_due_while_the_case_waits_on_the_customer(make_case, policy):
    waiting = make_case(paused=[{"from": make_case.after(minutes=2)}])

    assert next_due(waiting, policy, make_case.after(minutes=3)) is None


def test_a_pause_that_ended_pushes_the_due_time_back_by_its_length(make_case, policy):
    paused = make_case(paused=[{"from": make_case.after(minutes=2),
                                "to": make_case.after(minutes=12)}])

    assert next_due(paused, policy, make_case.after(minutes=13)) == make_case.after(minutes=25)


def test_an_ended_case_is_due_nothing(make_case, policy):
    resolved = make_case(status="resolved", resolved_at=make_case.after(minutes=5))

    assert next_due(resolved, policy, make_case.after(minutes=6)) is None
