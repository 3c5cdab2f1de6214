"""How many statements a write sends, on SQLite and PostgreSQL, so the counts cannot creep
back: opening a case, escalating it, and a worker claiming and firing one of its timers.

A count that goes up fails here with the statements listed; one that goes down is a
reason to lower its bound."""

from __future__ import annotations

from datetime import timedelta

import pytest
from examples import ANA, T2_HANDOFF
from timer_support import open_case

from escalada.domain.errors import NotFound
from escalada.domain.sla import next_due
from escalada.services import cases
from escalada.services.context import Context
from escalada.services.escalations import escalate
from escalada.services.records import snapshot_of
from escalada.services.timer_firing import claim, fire, fire_batch
from escalada.services.timer_views import set_reminder
from escalada.testing import FakeClock, Statements, count_statements

# The most statements each write may take, by database. SQLite counts its BEGIN IMMEDIATE;
# PostgreSQL's driver begins implicitly.
# Opening reads the account with its recent cases counted, writes the case with its next
# SLA due time, its first entry and its timers, looks once in the knowledge base for past
# escalations like it (suggested on it) and once for an open vendor event.
OPEN = {"sqlite": 7, "postgresql": 6}
# Where a help desk's API is configured (ESCALADA_ZENDESK_URL, ESCALADA_JIRA_URL),
# escalating also looks once for the case's tickets to write its tier and level back to
# (services.helpdesk_sync): one statement more.
ESCALATE = {"sqlite": 16, "postgresql": 16}
CLAIM_AND_FIRE = {"sqlite": 17, "postgresql": 16}
CLAIM_AND_FIRE_TWO = {"sqlite": 22, "postgresql": 19}  # in one batch


def _bounded(ctx: Context, counted: Statements, bounds: dict[str, int]) -> None:
    bound = bounds[ctx.engine.dialect.name]
    assert counted.count <= bound, f"{counted.count} statements, at most {bound}:\n{counted}"


def _second_case(ctx: Context) -> Statements:
    """Open CASE-2 of an account that has a case already: the account and the policy are
    stored, as on a working day."""
    open_case(ctx)
    with count_statements(ctx.engine) as counted:
        view = cases.open_case(ctx=ctx, actor=ANA, account="acme", severity="P1",
                               title="Checkout times out")
    assert view.snapshot.id == "CASE-2"
    return counted


def test_opening_a_case(ctx: Context) -> None:
    counted = _second_case(ctx)
    _bounded(ctx, counted, OPEN)


def test_opening_a_case_counts_the_accounts_recent_cases_once(
        ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    # A real clock moves between the opening's reading of it and the planning of the
    # case's timers at commit: the view is built as at the planning, from the same count.
    open_case(ctx)
    monkeypatch.setattr(FakeClock, "__call__", lambda clock: clock.advance(microseconds=1))
    with count_statements(ctx.engine) as counted:
        view = cases.open_case(ctx=ctx, actor=ANA, account="acme", severity="P1",
                               title="Checkout times out")
    assert sum("count(*)" in sql for sql in counted.sql) == 1, counted
    assert view.snapshot.id == "CASE-2"
    _bounded(ctx, counted, OPEN)


def test_escalating_a_case(ctx: Context) -> None:
    _second_case(ctx)
    with count_statements(ctx.engine) as counted:
        view = escalate(ctx=ctx, actor=ANA, case_id="CASE-2", to="T2", handoff=T2_HANDOFF,
                          reason="checkout is down")
    assert view.snapshot.tier == "T2"
    _bounded(ctx, counted, ESCALATE)


def test_claiming_and_firing_a_timer(ctx: Context, clock: FakeClock) -> None:
    _second_case(ctx)
    clock.advance(minutes=8)  # CASE-1's and CASE-2's first thresholds (half of 15 minutes)
    with count_statements(ctx.engine) as counted:
        claimed = claim(ctx, owner="worker-1", limit=1, lease=timedelta(seconds=60))
        assert len(claimed) == 1
        assert fire(ctx, claimed[0].id, owner="worker-1") == "fired"
    _bounded(ctx, counted, CLAIM_AND_FIRE)


def test_claiming_and_firing_a_batch(ctx: Context, clock: FakeClock) -> None:
    # Two cases' first thresholds, claimed together and fired in one transaction: the
    # batch's cases, timers and chain heads are read once; each timer adds its own writes
    # and its handler's reads (no savepoint unless a handler fails).
    _second_case(ctx)
    clock.advance(minutes=8)
    with count_statements(ctx.engine) as counted:
        claimed = claim(ctx, owner="worker-1", limit=50, lease=timedelta(seconds=60))
        assert len(claimed) == 2
        outcomes = fire_batch(ctx, [timer.id for timer in claimed], owner="worker-1")
        assert set(outcomes.values()) == {"fired"}
    _bounded(ctx, counted, CLAIM_AND_FIRE_TWO)


def test_the_view_a_write_returns_is_what_a_read_shows_after_it(ctx: Context) -> None:
    # The view is built inside the write's transaction (a new case's timeline from what
    # the transaction wrote): it must be the committed case, as a later read sees it.
    opened = open_case(ctx)
    assert opened == cases.show_case(ctx=ctx, case_id="CASE-1")
    escalated = escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="T2", handoff=T2_HANDOFF,
                         reason="checkout is down")
    assert escalated == cases.show_case(ctx=ctx, case_id="CASE-1")
    assert escalated.version == opened.version + 1


def test_a_batch_of_reminders_reads_neither_pauses_nor_steps(ctx: Context,
                                                             clock: FakeClock) -> None:
    # A reminder's handler writes its line on the timeline and reads nothing else of the
    # case: its batch loads the cases without their pauses and escalation steps.
    _second_case(ctx)
    for case_id in ("CASE-1", "CASE-2"):
        set_reminder(ctx=ctx, actor=ANA, case_id=case_id,
                     at=clock() + timedelta(minutes=1), note="call the customer back")
    clock.advance(minutes=2)
    with count_statements(ctx.engine) as counted:
        claimed = claim(ctx, owner="worker-1", limit=50, lease=timedelta(seconds=60))
        assert {timer.kind for timer in claimed} == {"reminder"}
        outcomes = fire_batch(ctx, [timer.id for timer in claimed], owner="worker-1")
        assert list(outcomes.values()) == ["fired", "fired"]
    assert not [sql for sql in counted.sql if " pauses" in sql or " escalations" in sql], \
        counted


def test_a_new_case_is_written_once_with_the_sla_due_time_its_plan_finds(
        ctx: Context, clock: FakeClock) -> None:
    # The due time is worked out before the insert, from the account's recent cases
    # counted with the account; the plan at commit finds the same, so no UPDATE follows.
    counted = _second_case(ctx)
    assert not [sql for sql in counted.sql if sql.lstrip().upper().startswith("UPDATE")], \
        counted
    with ctx.reading() as uow:
        case = uow.cases.get("CASE-2")
        snapshot = snapshot_of(uow.session, case, clock())
        assert case.sla_due_at is not None
        assert case.sla_due_at == next_due(snapshot, ctx.policy(), clock())


def test_opening_a_case_for_no_account_writes_nothing(ctx: Context) -> None:
    open_case(ctx)
    with count_statements(ctx.engine) as counted, \
            pytest.raises(NotFound, match="no account 'nobody'"):
        cases.open_case(ctx=ctx, actor=ANA, account="nobody", severity="P1",
                        title="Checkout times out")
    assert not [sql for sql in counted.sql if "INSERT" in sql.upper()], counted
    with pytest.raises(NotFound, match="no case CASE-2"):
        cases.show_case(ctx=ctx, case_id="CASE-2")
