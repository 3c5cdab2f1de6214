"""Workers fire their claims in batches, on SQLite and PostgreSQL: one transaction for
a batch. A batch fires every timer once; a timer whose handler fails writes nothing and
has its attempt noted while the others commit; a batch whose commit fails is fired again
with each timer in a savepoint, then timer by timer; a worker that dies mid-batch commits
none of it, and the next worker takes the whole batch once the lease is over."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from channel_support import wait_until
from examples import ADMIN, ANA
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from timer_support import (
    bulk_reminders,
    context_with,
    plain_engine,
    reminder_counts,
    reminder_entries,
    timers,
)

from escalada.adapters.db.tables import CaseRow, TimerRow
from escalada.adapters.policy_file import current_policy
from escalada.entrypoints.worker import Worker
from escalada.services import audit, cases, timer_handlers
from escalada.services.accounts import add_account
from escalada.services.context import Context
from escalada.services.timer_firing import ATTEMPT_FAILED, FIRED_TOGETHER, claim, fire_batch
from escalada.testing import FakeClock

LEASE = timedelta(seconds=60)
REMINDERS = 120  # more than one transaction's worth (FIRED_TOGETHER)


@pytest.fixture
def reader(database_url: str) -> Any:
    engine = plain_engine(database_url)
    yield engine
    engine.dispose()


def due_reminders(ctx: Context, clock: FakeClock, count: int, cases_: int = 6) -> list[int]:
    """`count` reminders due a minute ago, spread over `cases_` developer-plan P1 cases
    (no SLA there, so no other timers); the case numbers."""
    add_account(ctx=ctx, actor=ADMIN, id="acme", name="Acme Corp",
                tier="standard", support_plan="developer")
    numbers = [int(cases.open_case(ctx=ctx, actor=ANA, account="acme", severity="P1",
                                   title=f"Batch job {n} stalls").snapshot.id[5:])
               for n in range(cases_)]
    now = clock()
    bulk_reminders(ctx.engine, numbers, count, due=now - timedelta(minutes=1), created=now)
    return numbers


def chains_intact(ctx: Context) -> bool:
    return audit.verify(ctx=ctx).intact


def test_a_worker_fires_a_batch_of_timers_each_once_in_transactions_of_a_batch(
    ctx: Context, clock: FakeClock, reader: Engine,
) -> None:
    due_reminders(ctx, clock, REMINDERS)
    worker = Worker(ctx, "worker-1", batch=REMINDERS, lease=LEASE)
    commits: list[int] = []
    real_fire_batch = fire_batch

    def counting(ctx_: Context, ids: Any, *, owner: str) -> dict[int, str]:
        commits.append(len(ids))
        return real_fire_batch(ctx_, ids, owner=owner)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("escalada.entrypoints.worker.fire_batch", counting)
        assert worker.run_once() == REMINDERS

    assert commits == [FIRED_TOGETHER, FIRED_TOGETHER, REMINDERS - 2 * FIRED_TOGETHER]
    assert worker.fired == REMINDERS
    assert reminder_counts(reader) == {"fired": REMINDERS}
    entries = reminder_entries(reader)
    assert sorted(entries) == sorted({timer.id for timer in timers(ctx, case=None)
                                      if timer.kind == "reminder"})
    assert chains_intact(ctx)  # six cases' chains, each extended by 20 entries in a batch


def test_a_timer_whose_handler_fails_is_rolled_back_alone_and_the_batch_commits(
    ctx: Context, clock: FakeClock, reader: Engine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    due_reminders(ctx, clock, 20, cases_=2)
    claimed = [timer.id for timer in claim(ctx, owner="worker-1", limit=20, lease=LEASE)]
    broken = claimed[7]
    reminded = timer_handlers.HANDLERS["reminder"]

    def fails_after_writing(
        session: Session, ctx_: Context, case: CaseRow, timer: TimerRow, now: Any
    ) -> str:
        outcome = reminded(session, ctx_, case, timer, now)  # its entry is on the chain
        if timer.id == broken:
            raise RuntimeError("mail relay down")
        return outcome

    monkeypatch.setitem(timer_handlers.HANDLERS, "reminder", fails_after_writing)

    outcomes = fire_batch(ctx, claimed, owner="worker-1")

    assert outcomes == {timer: ATTEMPT_FAILED if timer == broken else "fired"
                        for timer in claimed}
    assert reminder_counts(reader) == {"fired": 19, "pending": 1}
    assert broken not in reminder_entries(reader)
    [failed] = [timer for timer in timers(ctx, case=None) if timer.id == broken]
    assert (failed.state, failed.attempts, failed.outcome) == (
        "pending", 1, "attempt 1 failed: mail relay down")
    # The entries after the rolled-back one chain onto the entry before it.
    assert chains_intact(ctx)

    # After its lease, it fires on its own.
    monkeypatch.setitem(timer_handlers.HANDLERS, "reminder", reminded)
    clock.advance(seconds=61)
    worker = Worker(ctx, "worker-2", lease=LEASE)
    worker.drain()
    assert worker.fired == 1
    assert reminder_counts(reader) == {"fired": 20}
    assert chains_intact(ctx)


def test_a_batch_whose_transaction_fails_is_fired_timer_by_timer(
    ctx: Context, clock: FakeClock, reader: Engine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    due_reminders(ctx, clock, 10, cases_=2)
    reminded = timer_handlers.HANDLERS["reminder"]

    def changes_the_case(
        session: Session, ctx_: Context, case: CaseRow, timer: TimerRow, now: Any
    ) -> str:
        # As a step taken by a timer does: the case's timers are planned at commit.
        session.info.setdefault("changed_cases", {})[case.number] = case
        return reminded(session, ctx_, case, timer, now)

    planned = ctx.plan_timers
    # Fails the batch's commit, then its commit with each timer in a savepoint.
    failures = iter([RuntimeError("deadlock detected")] * 2)

    def plans_once_in_vain(session: Session, policy: Any, now: Any) -> None:
        if (failure := next(failures, None)) is not None:
            raise failure
        planned(session, policy, now)

    monkeypatch.setitem(timer_handlers.HANDLERS, "reminder", changes_the_case)
    ctx.plan_timers = plans_once_in_vain
    claimed = [timer.id for timer in claim(ctx, owner="worker-1", limit=10, lease=LEASE)]

    assert fire_batch(ctx, claimed, owner="worker-1") == dict.fromkeys(claimed, "fired")
    assert reminder_counts(reader) == {"fired": 10}
    assert len(reminder_entries(reader)) == 10
    assert chains_intact(ctx)


class Killed(BaseException):
    """The process dies: nothing after it runs, no handler catches it."""


def test_a_worker_killed_mid_batch_commits_none_of_it_and_its_batch_is_taken_after_the_lease(
    ctx: Context, clock: FakeClock, reader: Engine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    due_reminders(ctx, clock, 30, cases_=3)
    reminded = timer_handlers.HANDLERS["reminder"]
    fired_before_death: list[int] = []

    def dies_on_the_tenth(
        session: Session, ctx_: Context, case: CaseRow, timer: TimerRow, now: Any
    ) -> str:
        if len(fired_before_death) == 9:
            raise Killed
        fired_before_death.append(timer.id)
        return reminded(session, ctx_, case, timer, now)

    monkeypatch.setitem(timer_handlers.HANDLERS, "reminder", dies_on_the_tenth)
    with pytest.raises(Killed):
        Worker(ctx, "doomed", batch=30, lease=LEASE).run_once()
    monkeypatch.setitem(timer_handlers.HANDLERS, "reminder", reminded)

    assert reminder_counts(reader) == {"pending": 30}  # nine fired, none committed
    assert reminder_entries(reader) == []
    before_lease_ends = Worker(ctx, "early", lease=LEASE)
    clock.advance(seconds=59)
    assert before_lease_ends.run_once() == 0

    clock.advance(seconds=2)
    successor = Worker(ctx, "successor", lease=LEASE)
    successor.drain()

    assert successor.fired == 30
    assert reminder_counts(reader) == {"fired": 30}
    assert sorted(reminder_entries(reader)) == sorted(
        timer.id for timer in timers(ctx, case=None) if timer.kind == "reminder")
    assert {(timer.attempts, timer.lease_owner) for timer in timers(ctx, case=None)
            if timer.kind == "reminder"} == {(2, "successor")}
    assert chains_intact(ctx)


def test_a_timer_that_changes_its_case_leaves_the_cases_other_timers_to_the_next_transaction(
    ctx: Context, clock: FakeClock, reader: Engine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # As one transaction per timer would: the case's timers are planned again when the
    # change commits, and its other timers fire after that (or are dropped by the plan).
    due_reminders(ctx, clock, 3, cases_=1)
    reminded = timer_handlers.HANDLERS["reminder"]
    generations: list[int] = []

    def changes_the_case(
        session: Session, ctx_: Context, case: CaseRow, timer: TimerRow, now: Any
    ) -> str:
        generations.append(case.timer_generation)
        session.info.setdefault("changed_cases", {})[case.number] = case
        return reminded(session, ctx_, case, timer, now)

    monkeypatch.setitem(timer_handlers.HANDLERS, "reminder", changes_the_case)
    claimed = [timer.id for timer in claim(ctx, owner="worker-1", limit=3, lease=LEASE)]

    assert fire_batch(ctx, claimed, owner="worker-1") == dict.fromkeys(claimed, "fired")
    first = generations[0]
    assert generations == [first, first + 1, first + 2]  # planned again after each
    assert reminder_counts(reader) == {"fired": 3}
    assert chains_intact(ctx)


def test_a_batch_fires_its_other_cases_while_another_transaction_holds_one_of_them(
    postgres_url: str, clock: FakeClock,
) -> None:
    ctx = context_with(postgres_url, clock, current_policy)
    reader = plain_engine(postgres_url)
    try:
        held, free = due_reminders(ctx, clock, 10, cases_=2)
        claimed = [timer.id for timer in claim(ctx, owner="worker-1", limit=10, lease=LEASE)]
        outcomes: dict[int, str] = {}
        with reader.connect() as other:  # another worker's batch, or a person's change
            other.execute(select(CaseRow.number).where(CaseRow.number == held)
                          .with_for_update())
            firing = threading.Thread(
                target=lambda: outcomes.update(fire_batch(ctx, claimed, owner="worker-1")))
            firing.start()
            wait_until(lambda: fired_on(reader, free) == 5, timeout=20,
                       what="the free case's timers")
            assert fired_on(reader, held) == 0
            other.rollback()
        firing.join(timeout=20)
        assert outcomes == dict.fromkeys(claimed, "fired")
        assert reminder_counts(reader) == {"fired": 10}
        assert chains_intact(ctx)
    finally:
        reader.dispose()
        ctx.engine.dispose()


def fired_on(engine: Engine, number: int) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(TimerRow).where(
            TimerRow.case_number == number, TimerRow.kind == "reminder",
            TimerRow.state == "fired")) or 0
