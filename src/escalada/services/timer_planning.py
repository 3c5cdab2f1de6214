"""Planning a case's timers, in the transaction of the change that needs them: a new
generation replaces the pending ones, and the case's next SLA due time moves with them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from escalada.adapters.db.inserts import RowInsert
from escalada.adapters.db.tables import CaseRow, TimerRow
from escalada.domain.policy import Policy
from escalada.domain.sla import next_due
from escalada.domain.timers import (
    SLA_THRESHOLD,
    OpenStep,
    PlannedTimer,
    passed_thresholds,
    plan_timers,
)
from escalada.domain.words import Words
from escalada.services.policies import policy_of
from escalada.services.records import (
    first_plan,
    is_new,
    opening_moment,
    planned_at,
    planned_from,
    planning,
    snapshot_of,
)
from escalada.services.timers import DROPPED, FIRED, PENDING
from escalada.services.vendor_sync import vendor_waits
from escalada.services.war_room_playbook import timer_inputs

_TIMERS = cast(Table, TimerRow.__table__)
_CASES = cast(Table, CaseRow.__table__)
_TIMER_INSERT = RowInsert(_TIMERS)


def reschedule(session: Session, case: CaseRow, policy: Policy, now: datetime) -> None:
    """Plan the case's timers again: a new generation replaces the pending ones."""
    new = is_new(session, case)  # opened by this transaction: its first plan
    if not new:
        # The generation moves first, so that the case's row is written once, with the
        # change that called for the plan, when the query below flushes it.
        case.timer_generation = (case.timer_generation or 0) + 1
    generation = case.timer_generation
    # A case opened by this transaction and unchanged since: as its opening found them.
    first = first_plan(session, case, policy, now) if new else None
    if first is not None:
        snapshot, due = first
    else:
        with session.no_autoflush:  # the next SLA due time goes out in that same write
            snapshot = snapshot_of(session, case, now)
        due = next_due(snapshot, policy, now)
    if new:  # at generation 1, with no earlier timers, war room or vendor case to read
        planned_from(session, case, snapshot)  # its view's too (records.committed_view)
        _first_due(session, case, due)
        _insert(session, case, plan_timers(snapshot, _open_steps(case), policy, now,
                                           newest_step_up=_newest_step_up(case)), now)
        return
    case.sla_due_at = due
    fired, pending = _planned_before(session, case)
    if pending:
        session.execute(
            update(TimerRow)
            .where(TimerRow.case_number == case.number, TimerRow.state == PENDING,
                   TimerRow.generation.is_not(None))
            .values(state=DROPPED, **_replaced(generation)))
    carried = pending | _dropped_when_due(
        session, case, passed_thresholds(snapshot, policy, now) - fired - pending, now)
    items, ack = timer_inputs(session, case)
    plan = plan_timers(snapshot, _open_steps(case), policy, now,
                       fired=fired, carried=carried, war_room_items=items, executive_ack=ack,
                       newest_step_up=_newest_step_up(case),
                       vendor_waits=vendor_waits(session, case))
    _insert(session, case, plan, now)


def _first_due(session: Session, case: CaseRow, due: datetime | None) -> None:
    """A new case's first SLA due time, known once it is inserted (its snapshot counts it
    among its account's recent cases): one Core UPDATE, kept as the row's stored value so
    that the session does not flush the case again. No version to check: no one else sees
    the case before this transaction commits."""
    if due == case.sla_due_at:
        return
    session.connection().execute(
        update(_CASES).where(_CASES.c.number == case.number).values(sla_due_at=due))
    set_committed_value(case, "sla_due_at", due)


def _insert(session: Session, case: CaseRow, plan: list[PlannedTimer], now: datetime) -> None:
    generation = case.timer_generation
    if plan:  # one INSERT for the whole plan (an executemany)
        # On the session's connection, as the driver's statement (adapters.db.inserts):
        # the ORM's bulk insert would flush the session first and build each row through
        # the mapper, for rows that nothing in the transaction reads back as objects.
        _TIMER_INSERT.run(session.connection(), [
            {"case_number": case.number, "kind": timer.kind, "key": timer.key,
             "generation": generation, "due_at": timer.due_at, "available_at": timer.due_at,
             "state": PENDING, "attempts": 0, "payload": timer.payload, "created_at": now}
            for timer in plan])


def _planned_before(session: Session, case: CaseRow) -> tuple[set[str], set[str]]:
    """The keys earlier plans fired, and those still pending (carried into the new plan
    whatever their due time), in one query on ix_timers_case_state. Dropped timers, however
    many a long-lived case has, are not read here."""
    fired: set[str] = set()
    pending: set[str] = set()
    for key, state in session.execute(select(TimerRow.key, TimerRow.state).where(
            TimerRow.case_number == case.number, TimerRow.state.in_((PENDING, FIRED)),
            TimerRow.generation.is_not(None))):
        (fired if state == FIRED else pending).add(key)
    return fired, pending


def _dropped_when_due(
    session: Session, case: CaseRow, passed: set[str], now: datetime
) -> set[str]:
    """Of the thresholds the new plan finds past and neither fired nor pending, those that
    came due but were dropped before a worker fired them (a pause drops every SLA
    timer): they fire late rather than never. Asked only when there are such thresholds,
    by key (ix_timers_case_dropped)."""
    if not passed:
        return set()
    return set(session.scalars(select(TimerRow.key).distinct().where(
        TimerRow.case_number == case.number, TimerRow.state == DROPPED,
        TimerRow.kind == SLA_THRESHOLD, TimerRow.key.in_(sorted(passed)),
        TimerRow.due_at <= now)))


def _open_steps(case: CaseRow) -> list[OpenStep]:
    """The newest step up each track, while unacknowledged."""
    newest: dict[str, Any] = {}
    for step in case.escalations:
        if step.direction == "up":
            newest[step.track] = step
        else:
            newest.pop(step.track, None)  # stepping down ends the chase
    return [
        OpenStep(step.seq, step.track, step.to_level, step.response_due_at)
        for step in newest.values()
        if step.acknowledged_at is None and step.response_due_at is not None
    ]


def _newest_step_up(case: CaseRow) -> tuple[int, str, datetime] | None:
    """The latest step up either track: the customer is owed an acknowledgment of it."""
    ups = [step for step in case.escalations if step.direction == "up" and step.to_level]
    if not ups:
        return None
    step = ups[-1]
    return step.seq, step.to_level or "", step.requested_at


def reschedule_changed(session: Session, current: Policy, now: datetime) -> None:
    """Plan again, at `now` (the real one: never the time of an entry recorded, which may
    be in the past), the timers of every case this transaction changed (see
    records.record)."""
    changed: dict[int, CaseRow] = session.info.pop("changed_cases", {})
    planning(session)
    for case in changed.values():
        # A case this transaction opened is planned as at its opening, from what the
        # opening read (its account's recent cases, counted then).
        at = opening_moment(session, case) or now
        planned_at(session, case, at)
        reschedule(session, case, policy_of(session, case, current), at)


def _replaced(generation: int) -> dict[str, Any]:
    """The outcome of a timer a newer plan replaces, as its English and its words."""
    told = Words("replaced by generation {generation}", generation=generation)
    return {"outcome": str(told), "outcome_words": told.as_json()}
