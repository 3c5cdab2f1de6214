"""Durable timers on real SQLite and PostgreSQL: what each change to a case plans,
what firing writes on the timeline, stale and closed cases, reminders, automatic
escalation, retries, the auditor's status, frozen policies and stored calendars."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from examples import ADMIN, ANA, T2_HANDOFF
from sqlalchemy import update
from timer_support import (
    PolicyInForce,
    at,
    context_with,
    drain,
    entries_of_timer,
    kinds_since,
    open_case,
    pending,
    policy_document,
    timeline,
    timers,
    with_timers,
)

from escalada.adapters.db.tables import CaseRow
from escalada.adapters.policy_file import current_policy
from escalada.domain.errors import InvalidInput, InvalidTransition
from escalada.domain.policy import AutoEscalation, Policy
from escalada.entrypoints.worker import Worker
from escalada.services import cases, policies, sla, timer_handlers
from escalada.services.accounts import add_account
from escalada.services.calendars import add_calendar, calendar_spec, use_calendar
from escalada.services.case_board import list_page
from escalada.services.context import Actor, Context
from escalada.services.escalations import acknowledge, escalate
from escalada.services.records import record
from escalada.services.repositories import load_case
from escalada.services.timer_firing import claim, fire
from escalada.services.timer_views import set_reminder, timers_status
from escalada.services.timers import MAX_ATTEMPTS
from escalada.testing import FakeClock

LEASE = timedelta(seconds=60)
FIRST_RESPONSE_15M = [
    ("first_response 0.5", at(10, 7, 30)), ("first_response 0.75", at(10, 11, 15)),
    ("first_response 0.9", at(10, 13, 30)), ("first_response 1", at(10, 15)),
]
RESOLUTION_4H = [
    ("resolution 0.5", at(12)), ("resolution 0.75", at(13)),
    ("resolution 0.9", at(13, 36)), ("resolution 1", at(14)),
]


@pytest.fixture
def contexts(database_url: str, clock: FakeClock) -> Iterator[Callable[[Policy], Context]]:
    """Contexts on the test database whose policy in force is the one given."""
    made: list[Context] = []

    def make(policy: Policy) -> Context:
        context = context_with(database_url, clock, PolicyInForce(policy))
        made.append(context)
        return context

    yield make
    for context in made:
        context.engine.dispose()


def recommended(ctx: Context) -> list[tuple[str, str]]:
    return [(e.data["recommendation"]["track"], e.data["recommendation"]["to"])
            for e in timeline(ctx) if e.kind == "recommended"]


# What each change plans


def test_opening_a_p1_enterprise_case_plans_thresholds_at_50_75_90_100_percent_of_both_targets(
    ctx: Context,
) -> None:
    open_case(ctx)

    planned = timers(ctx)
    assert pending(ctx) == sorted(FIRST_RESPONSE_15M + RESOLUTION_4H, key=lambda p: p[1])
    assert {(t.kind, t.generation, t.attempts, t.lease_owner) for t in planned} == {
        ("sla_threshold", 1, 0, None)}
    assert all(t.available_at == t.due_at for t in planned)
    assert [t.key for t in planned][:2] == [
        "sla:first_response:2026-11-26T10:00:00+00:00:15:0.5",
        "sla:first_response:2026-11-26T10:00:00+00:00:15:0.75"]
    assert planned[-1].key == "sla:resolution:2026-11-26T10:00:00+00:00:240:1"


def test_a_pause_drops_the_sla_timers_and_resume_plans_them_again_without_the_pause(
    ctx: Context, clock: FakeClock,
) -> None:
    open_case(ctx)
    first_plan = timers(ctx)
    clock.advance(minutes=5)

    cases.pause(ctx=ctx, actor=ANA, case_id="CASE-1")

    assert pending(ctx) == []
    assert {(t.state, t.outcome) for t in timers(ctx)} == {
        ("dropped", "replaced by generation 2")}

    clock.advance(minutes=30)  # waited on the customer from 10:05 to 10:35
    cases.resume(ctx=ctx, actor=ANA, case_id="CASE-1")

    assert pending(ctx) == [
        ("first_response 0.5", at(10, 37, 30)), ("first_response 0.75", at(10, 41, 15)),
        ("first_response 0.9", at(10, 43, 30)), ("first_response 1", at(10, 45)),
        ("resolution 0.5", at(12, 30)), ("resolution 0.75", at(13, 30)),
        ("resolution 0.9", at(14, 6)), ("resolution 1", at(14, 30)),
    ]
    replanned = timers(ctx, state="pending")
    assert {t.generation for t in replanned} == {3}
    # The same thresholds of the same targets: the same keys, later due times.
    assert [t.key for t in replanned] == [t.key for t in first_plan]


def test_an_entry_recorded_as_at_an_earlier_moment_plans_the_case_at_the_real_now(
    ctx: Context, clock: FakeClock,
) -> None:
    # A health score kept as at a month ago (the demo did it) put a backdated entry on a
    # paused case, and its timers were planned as at that moment: the case was not paused
    # then, so the board showed an SLA due time in the past.
    open_case(ctx)
    clock.advance(minutes=5)
    cases.pause(ctx=ctx, actor=ANA, case_id="CASE-1")
    clock.advance(days=2)

    with ctx.unit_of_work() as uow:
        case = load_case(uow.session, "CASE-1")
        record(uow.session, case, actor=ADMIN, at=clock() - timedelta(days=30),
               kind="account_health_changed", summary="account health good -> at_risk")
        uow.commit()

    board = list_page(ctx=ctx).items
    assert [(c.id, c.sla_due_at, c.updated_at) for c in board] == [
        ("CASE-1", None, at(10, 5))]  # paused: no clock runs; the last change stays
    assert pending(ctx) == []


def test_the_first_response_replaces_first_response_thresholds_with_next_update_ones(
    ctx: Context, clock: FakeClock,
) -> None:
    open_case(ctx)
    clock.advance(minutes=5)

    cases.respond(ctx=ctx, actor=ANA, case_id="CASE-1")

    assert pending(ctx) == [
        ("next_update 0.5", at(11, 5)), ("next_update 0.75", at(11, 35)),
        ("next_update 0.9", at(11, 53)), ("resolution 0.5", at(12)),
        ("next_update 1", at(12, 5)),
        # Still no update a quarter of an hour later: the level above is recommended.
        ("update_still_overdue:2026-11-26T10:05:00+00:00:120", at(12, 20)),
        ("resolution 0.75", at(13)), ("resolution 0.9", at(13, 36)), ("resolution 1", at(14)),
    ]
    assert timers(ctx, state="pending")[0].key == (
        "sla:next_update:2026-11-26T10:05:00+00:00:120:0.5")
    dropped = [t for t in timers(ctx) if t.state == "dropped"]
    assert sorted(t.key.split(":")[1] for t in dropped) == ["first_response"] * 4 + [
        "resolution"] * 4

    clock.advance(minutes=55)  # a customer update at 11:00 restarts the next-update clock
    cases.respond(ctx=ctx, actor=ANA, case_id="CASE-1")

    assert [p for p in pending(ctx) if p[0].startswith("next_update")] == [
        ("next_update 0.5", at(12)), ("next_update 0.75", at(12, 30)),
        ("next_update 0.9", at(12, 48)), ("next_update 1", at(13)),
    ]


def test_an_escalation_plans_response_due_and_unanswered_timers_and_acknowledging_drops_them(
    ctx: Context, clock: FakeClock,
) -> None:
    open_case(ctx, severity="P4", flags=["customer_requested_escalation"])
    clock.advance(minutes=2)

    escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="T2", handoff=T2_HANDOFF)

    step_timers = [t for t in timers(ctx, state="pending") if t.kind != "sla_threshold"]
    assert [(t.kind, t.key, t.due_at, t.generation) for t in step_timers] == [
        ("step_response_due", "step_response_due:1", at(10, 17), 2),
        ("step_unanswered", "step_unanswered:1", at(10, 32), 2),
        ("acknowledgment_due", "acknowledgment_due:1", at(11, 2), 2),  # to the customer
    ]

    clock.advance(minutes=3)
    acknowledge(ctx=ctx, actor=Actor("tara", "engineer"), case_id="CASE-1", step=1)

    # T2 took the step; the customer is still owed the acknowledgment.
    assert [p for p in pending(ctx) if not p[0].startswith(("first_response", "resolution"))
            ] == [("acknowledgment_due:1", at(11, 2))]
    assert {(t.state, t.outcome) for t in timers(ctx) if t.kind.startswith("step_")} == {
        ("dropped", "replaced by generation 3")}


def test_an_unacknowledged_step_is_chased_then_the_level_above_is_recommended(
    ctx: Context, clock: FakeClock,
) -> None:
    open_case(ctx, severity="P4", flags=["customer_requested_escalation"])
    escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="T2", handoff=T2_HANDOFF)
    [due, unanswered] = [t for t in timers(ctx) if t.kind.startswith("step_")]

    clock.advance(minutes=16)
    assert drain(ctx) == 1
    [overdue] = entries_of_timer(ctx, due.id)
    assert (overdue.kind, overdue.actor) == ("response_overdue", "escalada")
    assert overdue.data["step"] == 1
    assert overdue.data["late_seconds"] == 60

    clock.advance(minutes=15)  # 10:31: a quarter of an hour past the response due time
    assert drain(ctx) == 1
    [chase] = entries_of_timer(ctx, unanswered.id)
    assert (chase.kind, chase.actor) == ("recommended", "escalada")
    assert chase.data["recommendation"]["to"] == "L1"
    assert chase.data["recommendation"]["criteria"] == ["step_unacknowledged"]
    assert chase.data["auto_escalate"] is False
    assert cases.show_case(ctx=ctx, case_id="CASE-1").snapshot.exec_level is None


# Firing


def test_firing_due_thresholds_writes_one_entry_each_and_recommends_a_level_once_per_change(
    ctx: Context, clock: FakeClock,
) -> None:
    open_case(ctx)
    clock.advance(minutes=14)  # 50%, 75% and 90% of the first response are due

    assert drain(ctx) == 3

    fired = timers(ctx, state="fired")
    assert [t.key.split(":")[1] + " " + t.key.rsplit(":", 1)[1] for t in fired] == [
        "first_response 0.5", "first_response 0.75", "first_response 0.9"]
    for timer in fired:
        [entry] = entries_of_timer(ctx, timer.id)
        assert (entry.kind, entry.actor, entry.at) == ("sla_threshold", "escalada", at(10, 14))
        assert entry.data["key"] == timer.key
    assert Counter(recommended(ctx)) == {("technical", "T2"): 1, ("executive", "L1"): 1}
    assert "still recommending" in (fired[-1].outcome or "")

    clock.advance(minutes=2)  # 10:16: the breach
    assert drain(ctx) == 1
    assert kinds_since(ctx, -1) == ["sla_breached"]
    assert Counter(recommended(ctx)) == {("technical", "T2"): 1, ("executive", "L1"): 1}

    clock.advance(minutes=1)
    cases.update_case(ctx=ctx, actor=ANA, case_id="CASE-1", csat=4)
    clock.advance(minutes=103)  # 12:00: half the resolution time, after the case changed
    assert drain(ctx) == 1

    assert Counter(recommended(ctx)) == {("technical", "T2"): 2, ("executive", "L1"): 2}
    assert drain(ctx) == 0


def test_a_change_carries_thresholds_due_but_not_fired_so_they_fire_late_not_never(
    ctx: Context, clock: FakeClock,
) -> None:
    open_case(ctx)
    clock.advance(minutes=20)  # the whole first response ran out while no worker ran

    cases.update_case(ctx=ctx, actor=ANA, case_id="CASE-1", csat=4)
    assert [p for p in pending(ctx) if p[0].startswith("first")] == FIRST_RESPONSE_15M

    assert drain(ctx) == 4
    assert [e.data["fraction"] for e in timeline(ctx)
            if e.data.get("target") == "first_response"] == [0.5, 0.75, 0.9, 1.0]


def test_thresholds_due_before_a_pause_but_not_fired_yet_still_fire_after_resume(
    ctx: Context, clock: FakeClock,
) -> None:
    open_case(ctx)
    clock.advance(minutes=20)  # the whole first response ran out while no worker ran
    cases.pause(ctx=ctx, actor=ANA, case_id="CASE-1")
    clock.advance(minutes=30)
    cases.resume(ctx=ctx, actor=ANA, case_id="CASE-1")

    drain(ctx)

    assert [e.data["fraction"] for e in timeline(ctx)
            if e.data.get("target") == "first_response"] == [0.5, 0.75, 0.9, 1.0]


def test_a_claimed_timer_whose_case_changed_meanwhile_is_dropped_not_fired(
    ctx: Context, clock: FakeClock,
) -> None:
    open_case(ctx, flags=["customer_requested_escalation"])
    clock.advance(minutes=8)
    [claimed] = claim(ctx, owner="worker-1", limit=10, lease=LEASE)

    escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="T2", handoff=T2_HANDOFF)
    outcome = fire(ctx, claimed.id, owner="worker-1")

    assert outcome == "dropped"
    [stale] = [t for t in timers(ctx) if t.id == claimed.id]
    assert (stale.state, stale.generation, stale.fired_at) == ("dropped", 1, None)
    assert entries_of_timer(ctx, claimed.id) == []
    # Due and not fired in the old plan: the new plan carries it, to fire once.
    [again] = [t for t in timers(ctx, state="pending") if t.key == stale.key]
    assert (again.generation, again.due_at) == (2, at(10, 7, 30))
    drain(ctx)
    assert [e.data["timer"] for e in timeline(ctx) if e.data.get("key") == stale.key] == [
        again.id]


def test_a_timer_of_an_older_generation_still_pending_is_dropped_at_fire_time(
    ctx: Context, clock: FakeClock,
) -> None:
    open_case(ctx)
    clock.advance(minutes=8)
    [claimed] = claim(ctx, owner="worker-1", limit=10, lease=LEASE)
    with ctx.engine.begin() as connection:  # a plan committed without dropping this one
        connection.execute(update(CaseRow).where(CaseRow.number == 1).values(timer_generation=2))

    assert fire(ctx, claimed.id, owner="worker-1") == "dropped"

    [timer] = [t for t in timers(ctx) if t.id == claimed.id]
    assert (timer.state, timer.outcome) == ("dropped", "stale: generation 1, the case is at 2")
    assert entries_of_timer(ctx, claimed.id) == []


def test_resolving_a_case_drops_its_planned_timers_and_its_reminders_when_due(
    ctx: Context, clock: FakeClock,
) -> None:
    open_case(ctx)
    reminder = set_reminder(ctx=ctx, actor=ANA, case_id="CASE-1", at=at(11),
                            note="check the fix held")
    clock.advance(minutes=5)

    cases.resolve(ctx=ctx, actor=ANA, case_id="CASE-1")

    assert [label for label, _ in pending(ctx)] == [reminder.key]
    planned = [t for t in timers(ctx) if t.kind == "sla_threshold"]
    assert len(planned) == 8
    assert {t.state for t in planned} == {"dropped"}

    clock.advance(hours=1)
    assert drain(ctx) == 0
    [after] = [t for t in timers(ctx) if t.id == reminder.id]
    assert (after.state, after.outcome) == ("dropped", "the case is resolved")
    assert entries_of_timer(ctx, reminder.id) == []


def test_a_reminder_fires_once_with_its_note_and_survives_case_changes(
    ctx: Context, clock: FakeClock,
) -> None:
    open_case(ctx)
    reminder = set_reminder(ctx=ctx, actor=ANA, case_id="CASE-1", at=at(10, 30),
                            note="  call the customer back ")
    assert (reminder.kind, reminder.generation, reminder.due_at, reminder.state) == (
        "reminder", None, at(10, 30), "pending")
    assert timeline(ctx)[-1].kind == "reminder_set"

    clock.advance(minutes=5)
    cases.respond(ctx=ctx, actor=ANA, case_id="CASE-1")
    cases.update_case(ctx=ctx, actor=ANA, case_id="CASE-1", csat=4)
    assert [t.id for t in timers(ctx, state="pending") if t.kind == "reminder"] == [reminder.id]

    clock.advance(minutes=26)  # 10:31
    assert drain(ctx) == 1
    [entry] = entries_of_timer(ctx, reminder.id)
    assert (entry.kind, entry.actor, entry.summary) == (
        "reminder", "escalada", "reminder for ana: call the customer back")
    assert entry.data["late_seconds"] == 60

    clock.advance(minutes=10)
    assert drain(ctx) == 0
    [fired] = [t for t in timers(ctx) if t.id == reminder.id]
    assert (fired.state, fired.fired_at, fired.attempts) == ("fired", at(10, 31), 1)
    assert len(entries_of_timer(ctx, reminder.id)) == 1


def test_a_reminder_needs_an_offset_a_note_and_an_open_case(ctx: Context) -> None:
    open_case(ctx)

    with pytest.raises(InvalidInput, match=r"^at: must carry a UTC offset") as naive:
        set_reminder(ctx=ctx, actor=ANA, case_id="CASE-1", at=datetime(2026, 11, 26, 11),
                     note="x")
    with pytest.raises(InvalidInput, match=r"^note: say what to be reminded of$") as blank:
        set_reminder(ctx=ctx, actor=ANA, case_id="CASE-1", at=at(11), note="  ")
    cases.resolve(ctx=ctx, actor=ANA, case_id="CASE-1")
    with pytest.raises(InvalidTransition, match=r"^CASE-1 is resolved$"):
        set_reminder(ctx=ctx, actor=ANA, case_id="CASE-1", at=at(11), note="x")

    assert [f for f, _ in naive.value.problems] == ["at"]
    assert [f for f, _ in blank.value.problems] == ["note"]
    assert [t for t in timers(ctx) if t.kind == "reminder"] == []


def test_a_worker_whose_lease_ran_out_does_not_fire_what_another_took_over(
    ctx: Context, clock: FakeClock,
) -> None:
    open_case(ctx)
    reminder = set_reminder(ctx=ctx, actor=ANA, case_id="CASE-1", at=at(10, 1), note="ping")
    clock.advance(minutes=1)
    assert [c.id for c in claim(ctx, owner="slow", limit=10, lease=LEASE)] == [reminder.id]
    assert claim(ctx, owner="fast", limit=10, lease=LEASE) == []

    clock.advance(seconds=61)
    assert [c.id for c in claim(ctx, owner="fast", limit=10, lease=LEASE)] == [reminder.id]

    assert fire(ctx, reminder.id, owner="slow") == "skipped"
    assert fire(ctx, reminder.id, owner="fast") == "fired"
    assert fire(ctx, reminder.id, owner="fast") == "skipped"
    [timer] = [t for t in timers(ctx) if t.id == reminder.id]
    assert (timer.state, timer.lease_owner, timer.attempts) == ("fired", "fast", 2)
    assert len(entries_of_timer(ctx, reminder.id)) == 1


# Automatic escalation


def test_auto_executive_escalation_takes_the_executive_step_when_a_breach_fires(
    contexts: Callable[[Policy], Context], clock: FakeClock,
) -> None:
    policy = with_timers(current_policy(), sla_thresholds=(1.0,),
                         auto_escalate=AutoEscalation(technical=False, executive=True))
    ctx = contexts(policy)
    open_case(ctx)
    clock.advance(minutes=15)

    assert drain(ctx) == 1

    view = cases.show_case(ctx=ctx, case_id="CASE-1")
    assert (view.snapshot.exec_level, view.snapshot.tier) == ("L1", "T1")
    [step] = view.escalations
    assert (step.track, step.to, step.requested_by, step.requested_at) == (
        "executive", "L1", "escalada", at(10, 15))
    assert step.reason == "auto-escalation after first response 100%"
    # The worker first kept the account's first health score (on its open case's timeline).
    assert kinds_since(ctx, 1) == ["account_health_changed", "sla_breached", "recommended",
                                   "recommended", "escalated"]
    escalated = timeline(ctx)[-1]
    assert escalated.actor == "escalada"
    assert {e.data["recommendation"]["to"]: e.data["auto_escalate"]
            for e in timeline(ctx) if e.kind == "recommended"} == {"T2": False, "L1": True}
    [breach] = timers(ctx, state="fired")
    assert breach.outcome is not None and "escalated to L1" in breach.outcome
    # The step plans its own timers: L1 responds within 30 minutes.
    assert [p for p in pending(ctx) if p[0].startswith("step_")] == [
        ("step_response_due:1", at(10, 45)), ("step_unanswered:1", at(11))]


def test_auto_technical_escalation_without_handoff_is_refused_and_the_refusal_recorded(
    contexts: Callable[[Policy], Context], clock: FakeClock,
) -> None:
    policy = with_timers(current_policy(), sla_thresholds=(1.0,),
                         auto_escalate=AutoEscalation(technical=True, executive=False))
    ctx = contexts(policy)
    version = open_case(ctx).version
    clock.advance(minutes=15)

    assert drain(ctx) == 1

    view = cases.show_case(ctx=ctx, case_id="CASE-1")
    assert (view.snapshot.tier, view.escalations, view.version) == ("T1", [], version)
    [refusal] = [e for e in timeline(ctx) if e.kind == "escalation_refused"]
    assert refusal.actor == "escalada"
    assert refusal.data == {"to": "T2", "missing_handoff": [
        "troubleshooting_summary", "steps_attempted", "customer_impact", "diagnostic_data",
        "customer_expectation_set"]}
    [breach] = timers(ctx, state="fired")
    assert breach.outcome is not None
    assert "auto-escalation to T2 refused: handoff missing troubleshooting_summary" in (
        breach.outcome)


def test_a_refused_auto_escalation_is_recommended_and_refused_once_per_change(
    contexts: Callable[[Policy], Context], clock: FakeClock,
) -> None:
    ctx = contexts(with_timers(current_policy(),
                               auto_escalate=AutoEscalation(technical=True, executive=False)))
    open_case(ctx)
    for minute in (8, 12, 14, 16):  # 50%, 75%, 90% and 100% of the first response
        clock.now = at(10, minute)
        assert drain(ctx) == 1

    assert Counter(recommended(ctx))[("technical", "T2")] == 1
    assert [e.kind for e in timeline(ctx)].count("escalation_refused") == 1


# Failures


def test_a_failing_handler_is_retried_after_its_lease_and_fails_for_good_after_max_attempts(
    ctx: Context, clock: FakeClock, monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*_: Any) -> str:
        raise RuntimeError("mail relay down")

    monkeypatch.setitem(timer_handlers.HANDLERS, "reminder", broken)
    open_case(ctx)
    reminder = set_reminder(ctx=ctx, actor=ANA, case_id="CASE-1", at=at(10, 1), note="ping")
    clock.advance(minutes=1)
    worker = Worker(ctx, "worker-1", lease=LEASE)

    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert worker.run_once() == 1
        [timer] = [t for t in timers(ctx) if t.id == reminder.id]
        assert timer.attempts == attempt
        assert timer.outcome == f"attempt {attempt} failed: mail relay down"
        assert timer.state == ("failed" if attempt == MAX_ATTEMPTS else "pending")
        assert worker.run_once() == 0  # not again before the lease is over
        clock.advance(seconds=61)

    assert worker.run_once() == 0
    assert worker.fired == 0
    assert entries_of_timer(ctx, reminder.id) == []
    assert timers_status(ctx=ctx).counts["failed"] == 1


def test_a_handler_that_failed_once_fires_on_its_next_attempt(
    ctx: Context, clock: FakeClock, monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = timer_handlers.HANDLERS["reminder"]
    calls: list[int] = []

    def flaky(*args: Any) -> str:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("deadlock detected")
        return real(*args)

    monkeypatch.setitem(timer_handlers.HANDLERS, "reminder", flaky)
    open_case(ctx)
    reminder = set_reminder(ctx=ctx, actor=ANA, case_id="CASE-1", at=at(10, 1), note="ping")
    clock.advance(minutes=1)

    assert drain(ctx) == 0
    assert entries_of_timer(ctx, reminder.id) == []  # the failed attempt wrote nothing
    clock.advance(seconds=61)
    assert drain(ctx) == 1

    [timer] = [t for t in timers(ctx) if t.id == reminder.id]
    assert (timer.state, timer.attempts, timer.outcome) == ("fired", 2, "reminded")
    assert len(entries_of_timer(ctx, reminder.id)) == 1


# The auditor's view


def test_timers_status_counts_states_and_flags_timers_due_more_than_a_minute_ago(
    ctx: Context, clock: FakeClock,
) -> None:
    open_case(ctx)

    status = timers_status(ctx=ctx)
    assert status.counts == {"pending": 8, "fired": 0, "dropped": 0, "failed": 0}
    assert (status.due_now, status.overdue, status.oldest_overdue_due_at, status.next_due_at) == (
        0, 0, None, at(10, 7, 30))
    assert status.overdue_after_seconds == 60

    clock.now = at(10, 8, 30)  # the 50% threshold is due a minute ago: not overdue yet
    status = timers_status(ctx=ctx)
    assert (status.due_now, status.overdue, status.next_due_at) == (1, 0, at(10, 11, 15))

    clock.advance(seconds=1)
    status = timers_status(ctx=ctx)
    assert (status.due_now, status.overdue, status.oldest_overdue_due_at) == (
        1, 1, at(10, 7, 30))

    clock.now = at(10, 12)
    status = timers_status(ctx=ctx)
    assert (status.due_now, status.overdue, status.oldest_overdue_due_at) == (
        2, 1, at(10, 7, 30))

    assert drain(ctx) == 2
    status = timers_status(ctx=ctx)
    assert status.counts == {"pending": 6, "fired": 2, "dropped": 0, "failed": 0}
    assert (status.due_now, status.overdue, status.next_due_at) == (0, 0, at(10, 13, 30))

    cases.respond(ctx=ctx, actor=ANA, case_id="CASE-1")
    status = timers_status(ctx=ctx)
    # 90% and 100% of the first response go; the resolution thresholds are planned anew,
    # and the next update's with its "still overdue" chase.
    assert status.counts == {"pending": 9, "fired": 2, "dropped": 6, "failed": 0}
    assert status.next_due_at == at(11, 12)  # half the next-update time after 10:12


# Policies frozen on cases, and calendars


def test_the_policy_frozen_on_a_case_stays_until_recompute_moves_it_to_the_current_one(
    database_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch,
) -> None:
    def thirty_minutes(document: dict[str, Any]) -> None:
        document["version"] = "2026-12-01"
        document["sla"]["plans"]["enterprise"]["P1"]["first_response"] = {
            "amount": "30", "unit": "m"}

    in_force = PolicyInForce(current_policy())
    ctx = context_with(database_url, clock, in_force)
    try:
        open_case(ctx)
        in_force.policy = policy_document(current_policy(), thirty_minutes)
        monkeypatch.setattr(policies, "_BY_ID", {})  # the frozen policy comes from the database
        clock.advance(minutes=1)

        view = cases.update_case(ctx=ctx, actor=ANA, case_id="CASE-1", csat=4)

        assert view.policy_version == "2026-11-26"
        assert view.evaluation.sla[0].due_at == at(10, 15)
        assert pending(ctx) == sorted(FIRST_RESPONSE_15M + RESOLUTION_4H, key=lambda p: p[1])

        clock.advance(minutes=1)
        result = sla.recompute(ctx=ctx, actor=ADMIN)

        assert (result.cases, result.moved, result.conflicts) == (1, ["CASE-1"], [])
        entry = timeline(ctx)[-1]
        assert (entry.kind, entry.actor) == ("sla_recomputed", "admin")
        assert entry.data == {
            "policy_before": "2026-11-26", "policy_after": "2026-12-01",
            "due_times": {"first_response": {"before": "2026-11-26T10:15:00+00:00",
                                             "after": "2026-11-26T10:30:00+00:00"}}}
        view = cases.show_case(ctx=ctx, case_id="CASE-1")
        assert view.policy_version == "2026-12-01"
        assert pending(ctx) == [
            ("first_response 0.5", at(10, 15)), ("first_response 0.75", at(10, 22, 30)),
            ("first_response 0.9", at(10, 27)), ("first_response 1", at(10, 30)),
            *RESOLUTION_4H,
        ]
        assert timers(ctx, state="pending")[0].key == (
            "sla:first_response:2026-11-26T10:00:00+00:00:30:0.5")
    finally:
        ctx.engine.dispose()


def test_an_account_put_on_a_stored_calendar_gets_business_hour_clocks_after_recompute(
    ctx: Context, clock: FakeClock,
) -> None:
    # The policy's business hours, 09:00-18:00 on weekdays: 12 hours to respond.
    before = [
        ("first_response 0.5", at(16)), ("first_response 0.75", at(10, day=27)),
        ("first_response 0.9", at(11, 48, day=27)), ("first_response 1", at(13, day=27)),
    ]
    add_account(ctx=ctx, actor=ADMIN, id="acme", name="Acme Corp",
                tier="standard", support_plan="business")
    open_case(ctx, severity="P3")  # Thursday 10:00 UTC
    assert [p for p in pending(ctx) if p[0].startswith("first")] == before

    add_calendar(ctx=ctx, actor=ADMIN, spec=calendar_spec(name="early", timezone="UTC",
                                             hours=["07:00-11:00"], days="mon-fri"))
    assert use_calendar(ctx=ctx, actor=ADMIN, account_id="acme", name="early").calendar is not None
    # Timers move when the clocks are recomputed, not before.
    assert [p for p in pending(ctx) if p[0].startswith("first")] == before
    clock.advance(minutes=1)

    result = sla.recompute(ctx=ctx, actor=ADMIN)

    assert result.moved == ["CASE-1"]
    entry = timeline(ctx)[-1]
    assert entry.kind == "sla_recomputed"
    assert entry.data["due_times"]["first_response"] == {
        "before": "2026-11-27T13:00:00+00:00", "after": "2026-12-01T10:00:00+00:00"}
    # Four hours a weekday: Thursday 1h, Friday 4h, Monday 4h, Tuesday 3h.
    assert [p for p in pending(ctx) if p[0].startswith("first")] == [
        ("first_response 0.5", at(8, day=30)), ("first_response 0.75", at(11, day=30)),
        ("first_response 0.9", at(8, 48, day=1, month=12)),
        ("first_response 1", at(10, day=1, month=12)),
    ]
    clock.now = at(8, day=30)
    assert drain(ctx) == 1
    assert [e.data["fraction"] for e in timeline(ctx) if e.kind == "sla_threshold"] == [0.5]


def test_replaced_timers_are_purged_after_a_week_and_fired_ones_kept(
    ctx: Context, clock: FakeClock
) -> None:
    from escalada.services.timer_views import purge_dropped

    open_case(ctx)
    clock.advance(minutes=8)
    drain(ctx)  # the 50% threshold fires
    cases.pause(ctx=ctx, actor=ANA, case_id="CASE-1")  # drops the rest
    dropped = len(timers(ctx, state="dropped"))

    assert purge_dropped(ctx=ctx) == 0  # not a week old yet
    clock.advance(days=7, minutes=1)
    assert purge_dropped(ctx=ctx) == dropped > 0
    assert timers(ctx, state="dropped") == []
    assert len(timers(ctx, state="fired")) == 1
