"""Claiming and firing timers, in workers: a claimed timer is fired exactly once, its
effect and its `fired` state in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalada.adapters import metrics
from escalada.adapters.db.tables import CaseRow, TimerRow
from escalada.domain.model import CaseStatus
from escalada.services.context import Context
from escalada.services.timer_handlers import HANDLERS
from escalada.services.timers import DROPPED, FAILED, FIRED, MAX_ATTEMPTS, TIMERS


@dataclass(frozen=True)
class Claimed:
    id: int
    kind: str
    due_at: datetime


def claim(ctx: Context, *, owner: str, limit: int, lease: timedelta) -> list[Claimed]:
    """Take up to `limit` due timers for `owner` until the lease ends.

    PostgreSQL skips rows another worker holds (FOR UPDATE SKIP LOCKED); SQLite
    serialises writers. A timer's `available_at` moves to the lease's end, so a
    worker that dies leaves its timers to the next one once the lease is over.
    """
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        taken = [Claimed(timer.id, timer.kind, timer.due_at) for timer in TIMERS.take(
            uow.session, now=now, holder=owner, lease=lease, limit=limit)]
        if taken:
            uow.commit()
    return taken


def next_available_at(ctx: Context) -> datetime | None:
    """When the next pending timer may be claimed (a worker sleeps until then)."""
    with ctx.unit_of_work() as uow:
        return TIMERS.next_due_at(uow.session)


def fire(ctx: Context, timer_id: int, *, owner: str) -> str:
    """Fire one claimed timer: its effect and its `fired` state in one transaction.

    Returns the outcome: `fired`, `dropped` (stale generation or closed case) or
    `skipped` (no longer this worker's: another worker took it over after the lease).
    """
    now = ctx.clock()
    try:
        with ctx.unit_of_work() as uow:
            session = uow.session
            number = session.scalar(select(TimerRow.case_number).where(TimerRow.id == timer_id))
            if number is None:
                return "skipped"
            # The case first, then the timer: the order every change to a case takes.
            case = session.scalars(
                select(CaseRow).where(CaseRow.number == number).with_for_update()).one()
            timer = session.scalars(
                select(TimerRow).where(TimerRow.id == timer_id).with_for_update()).one()
            if timer.state == DROPPED:
                return DROPPED  # a change to the case replaced it after the claim
            if not TIMERS.still_held(timer, owner):
                return "skipped"
            outcome = _fire(session, ctx, case, timer, now)
            uow.commit()
    except Exception as error:
        _note_failure(ctx, timer_id, owner, error)
        raise
    metrics.timer_fired(timer.kind, outcome, (now - timer.due_at).total_seconds())
    return outcome


def _fire(session: Session, ctx: Context, case: CaseRow, timer: TimerRow, now: datetime) -> str:
    if timer.generation is not None and timer.generation != case.timer_generation:
        return _drop(timer, f"stale: generation {timer.generation}, "
                            f"the case is at {case.timer_generation}")
    if not CaseStatus(case.status).is_open:
        return _drop(timer, f"the case is {case.status}")
    TIMERS.finish(timer, FIRED)
    timer.fired_at = now
    session.flush()  # fired before the handler runs: a step it takes plans anew
    handler = HANDLERS[timer.kind]
    timer.outcome = handler(session, ctx, case, timer, now)
    return FIRED


def _drop(timer: TimerRow, why: str) -> str:
    TIMERS.finish(timer, DROPPED)
    timer.outcome = why
    return DROPPED


def _note_failure(ctx: Context, timer_id: int, owner: str, error: Exception) -> None:
    """A handler failed: the timer comes back after its lease, or fails for good."""
    with ctx.unit_of_work() as uow:
        timer = uow.session.get(TimerRow, timer_id)
        if timer is None or not TIMERS.still_held(timer, owner):
            return
        timer.outcome = f"attempt {timer.attempts} failed: {error}"[:2000]
        if timer.attempts >= MAX_ATTEMPTS:
            TIMERS.finish(timer, FAILED)
        # otherwise it is due again when the lease ends
        uow.commit()
