"""Claiming and firing timers, in workers: a claimed timer is fired exactly once, its
effect and its `fired` state in one transaction.

Workers fire their claims in batches (`fire_batch`): one transaction for up to
FIRED_TOGETHER timers. Should a handler fail, the batch is fired again with that timer's
failed attempt noted instead, so that it writes nothing while the others commit; should
the commit fail, again with each timer in a savepoint, then one transaction per timer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from escalada.adapters import metrics
from escalada.adapters.db.tables import CaseRow, TimerRow
from escalada.domain.errors import StoreUnavailable
from escalada.domain.model import CaseStatus
from escalada.domain.timers import OUTLIVE_CASE, REMINDER
from escalada.domain.words import Words
from escalada.services.context import Context
from escalada.services.records import read_chain_heads
from escalada.services.timer_handlers import HANDLERS
from escalada.services.timers import DROPPED, FAILED, FIRED, MAX_ATTEMPTS, TIMERS

log = structlog.get_logger("escalada.timers")
# Timers fired in one transaction at most: a worker fires a larger claim in several.
FIRED_TOGETHER = 50
# The timers whose handlers read neither a case's pauses nor its escalation steps.
_NEITHER_PAUSES_NOR_STEPS = frozenset({REMINDER})
# A timer's outcome when its handler raised (noted on the timer: it is tried again
# after its lease, or fails for good after MAX_ATTEMPTS).
ATTEMPT_FAILED = "attempt failed"


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
    with ctx.reading() as uow:
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


def fire_batch(ctx: Context, timer_ids: Sequence[int], *, owner: str) -> dict[int, str]:
    """Fire claimed timers in one transaction; each timer's outcome: `fired`, `dropped`,
    `skipped` (see `fire`) or ATTEMPT_FAILED.

    When a timer's handler raises, the batch is fired again with that timer's failed
    attempt noted instead (it comes back after its lease, or fails for good): the others
    still commit, and the failing one writes nothing. When the transaction as a whole
    fails (a race lost at commit, a case whose timers cannot be planned again), each
    timer is fired in a transaction of its own instead.
    """
    outcomes: dict[int, str] = {}
    failed: dict[int, Exception] = {}
    wait = isolate = False
    while timer_ids:
        now = ctx.clock()
        try:
            done, fired, timer_ids = _fire_together(ctx, timer_ids, owner, now, wait=wait,
                                                    isolate=isolate, failed=failed)
        except StoreUnavailable:
            raise
        except _HandlerFailed as failure:  # the batch again, that timer's attempt noted
            log.error("timer_failed", timer=failure.timer_id, worker=owner,
                      exc_info=failure.error)
            failed[failure.timer_id] = failure.error
            continue
        except Exception as error:
            if not isolate:  # failed at commit: again, each timer in a savepoint
                isolate = True
                continue
            log.warning("timer_batch_failed", timers=len(timer_ids), worker=owner,
                        error=f"{type(error).__name__}: {error}")
            return outcomes | {timer_id: _fire_alone(ctx, timer_id, owner)
                               for timer_id in timer_ids}
        outcomes |= done
        isolate = False
        wait = not done  # every case was another's: wait for them next time
        for kind, outcome, due_at in fired:
            metrics.timer_fired(kind, outcome, (now - due_at).total_seconds())
    return outcomes


def _fire_together(
    ctx: Context, timer_ids: Sequence[int], owner: str, now: datetime, *, wait: bool,
    isolate: bool, failed: dict[int, Exception],
) -> tuple[dict[int, str], list[tuple[str, str, datetime]], list[int]]:
    """Fire the timers in one transaction; their outcomes, what fired (for the metrics),
    and the timers left for the next transaction: those of a case another transaction
    has locked (another worker's batch, a person's change: skipped, unless told to
    `wait`, so that two workers fire their other cases meanwhile; on SQLite no other
    transaction writes meanwhile), and those of a case an earlier timer of the batch
    changed (a step it took), which fire once the case's timers are planned again at
    this commit, as they would one transaction each (or are dropped, if the new plan
    replaced them).

    A handler that raises ends the transaction (_HandlerFailed), to be fired again with
    that timer's attempt noted as `failed` (savepoints cost two thirds of a batch's time,
    and handlers seldom fail); told to `isolate`, each timer is fired in a savepoint (a
    transaction that failed at commit, where no timer is to blame)."""
    outcomes: dict[int, str] = {}
    settled: list[tuple[str, str, datetime]] = []
    later: list[int] = []
    with ctx.unit_of_work() as uow:
        session = uow.session
        case_of: dict[int, int] = {}
        kinds: set[str] = set()
        for timer_id, number, kind in session.execute(
                select(TimerRow.id, TimerRow.case_number, TimerRow.kind)
                .where(TimerRow.id.in_(timer_ids))):
            case_of[timer_id] = number
            kinds.add(kind)
        # The cases first, then the timers: the order every change to a case takes, and
        # each in number order, so that two batches never wait for each other in a circle.
        locked = (select(CaseRow).where(CaseRow.number.in_(set(case_of.values())))
                  .order_by(CaseRow.number).with_for_update(skip_locked=not wait))
        if kinds <= _NEITHER_PAUSES_NOR_STEPS:
            # Their handlers read neither: not loaded with the cases (two statements a
            # batch), but still loaded should one be read after all.
            locked = locked.options(lazyload(CaseRow.pauses), lazyload(CaseRow.escalations))
        cases = {case.number: case for case in session.scalars(locked)}
        timers = {timer.id: timer for timer in session.scalars(
            select(TimerRow).where(TimerRow.id.in_(timer_ids),
                                   TimerRow.case_number.in_(cases))
            .order_by(TimerRow.id).with_for_update())}
        read_chain_heads(session, cases)
        for timer_id in timer_ids:
            timer = timers.get(timer_id)
            if timer_id in case_of and case_of[timer_id] not in cases:
                later.append(timer_id)  # its case is another transaction's: next time
                continue
            if timer is None or not TIMERS.still_held(timer, owner):
                outcomes[timer_id] = DROPPED if timer and timer.state == DROPPED else "skipped"
                continue
            if timer.case_number in session.info.get("changed_cases", {}):
                later.append(timer_id)
                continue
            if timer_id in failed:
                _failed_attempt(timer, failed[timer_id])
                outcomes[timer_id] = ATTEMPT_FAILED
                continue
            if not isolate:
                try:
                    outcome = _fire(session, ctx, cases[timer.case_number], timer, now)
                except StoreUnavailable:
                    raise
                except Exception as error:
                    raise _HandlerFailed(timer_id, error) from error
                outcomes[timer_id] = outcome
                settled.append((timer.kind, outcome, timer.due_at))
                continue
            try:
                with uow.savepoint():
                    outcome = _fire(session, ctx, cases[timer.case_number], timer, now)
            except StoreUnavailable:
                raise
            except Exception as error:  # one bad timer must not stop the others
                log.exception("timer_failed", timer=timer_id, kind=timer.kind, worker=owner)
                _failed_attempt(timer, error)
                outcomes[timer_id] = ATTEMPT_FAILED
                continue
            outcomes[timer_id] = outcome
            settled.append((timer.kind, outcome, timer.due_at))
        uow.commit()
    return outcomes, settled, later


class _HandlerFailed(Exception):
    def __init__(self, timer_id: int, error: Exception) -> None:
        super().__init__(f"timer {timer_id}: {error}")
        self.timer_id, self.error = timer_id, error


def _fire_alone(ctx: Context, timer_id: int, owner: str) -> str:
    try:
        return fire(ctx, timer_id, owner=owner)
    except StoreUnavailable:
        raise
    except Exception:
        log.exception("timer_failed", timer=timer_id, worker=owner)
        return ATTEMPT_FAILED


def _fire(session: Session, ctx: Context, case: CaseRow, timer: TimerRow, now: datetime) -> str:
    if timer.generation is not None and timer.generation != case.timer_generation:
        return _drop(timer, Words("stale: generation {generation}, the case is at {current}",
                                  generation=timer.generation, current=case.timer_generation))
    if not CaseStatus(case.status).is_open and timer.kind not in OUTLIVE_CASE:
        return _drop(timer, Words("the case is {status}", status=Words.literal(case.status)))
    # Fired before the handler runs: planning the case's timers again, at commit, reads
    # it so (autoflush), and the timer's one UPDATE carries its outcome too.
    TIMERS.finish(timer, FIRED)
    timer.fired_at = now
    handler = HANDLERS[timer.kind]
    _outcome(timer, handler(session, ctx, case, timer, now))
    return FIRED


def _drop(timer: TimerRow, why: Words) -> str:
    TIMERS.finish(timer, DROPPED)
    _outcome(timer, why)
    return DROPPED


def _outcome(timer: TimerRow, told: Words) -> None:
    """What the timer did: its English, and its words for readers of other languages."""
    timer.outcome, timer.outcome_words = str(told), told.as_json()


def _note_failure(ctx: Context, timer_id: int, owner: str, error: Exception) -> None:
    """A handler failed: the timer comes back after its lease, or fails for good."""
    with ctx.unit_of_work() as uow:
        timer = uow.session.get(TimerRow, timer_id)
        if timer is None or not TIMERS.still_held(timer, owner):
            return
        _failed_attempt(timer, error)
        uow.commit()


def _failed_attempt(timer: TimerRow, error: Exception) -> None:
    failed = Words("attempt {attempt} failed: {error}", attempt=timer.attempts,
                   error=Words.literal(str(error)))
    # Cut to what is kept; a cut outcome no longer matches its words, and reads as kept.
    timer.outcome, timer.outcome_words = str(failed)[:2000], failed.as_json()
    if timer.attempts >= MAX_ATTEMPTS:
        TIMERS.finish(timer, FAILED)
    # otherwise it is due again when the lease ends
