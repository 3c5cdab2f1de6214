"""Durable timers: planned in the transaction of the change that needs them, claimed
by workers with a lease, fired exactly once, each firing on the case's timeline."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from escalada.adapters import metrics
from escalada.adapters.db.leased_queue import LeasedQueue
from escalada.adapters.db.tables import CaseRow, TimelineRow, TimerRow
from escalada.domain.engine import evaluate
from escalada.domain.errors import EscaladaError, HandoffIncomplete, InvalidInput
from escalada.domain.model import EXEC_LEVELS, ExecLevel, Track, level_rank
from escalada.domain.policy import Policy
from escalada.domain.timers import (
    ACKNOWLEDGMENT_DUE,
    PLANNED_KINDS,
    REMINDER,
    SLA_THRESHOLD,
    STEP_RESPONSE_DUE,
    STEP_UNANSWERED,
    UPDATE_STILL_OVERDUE,
    VENDOR_RESPONSE_DUE,
    WAR_ROOM_ACK_DUE,
    WAR_ROOM_ITEM_DUE,
    OpenStep,
    plan_timers,
)
from escalada.services.authz import can_work_cases
from escalada.services.context import Actor, Context
from escalada.services.evaluation import check_aware
from escalada.services.policies import policy_of
from escalada.services.records import load_case, load_open_case, record, snapshot_of
from escalada.services.vendor_sync import on_vendor_response_due, vendor_waits
from escalada.services.views import TimersStatusView, TimerView
from escalada.services.war_room_playbook import on_ack_due, on_item_due, timer_inputs

PENDING, FIRED, DROPPED, FAILED = "pending", "fired", "dropped", "failed"
STATES = (PENDING, FIRED, DROPPED, FAILED)
# A timer whose handler keeps failing stops being retried after this many attempts.
MAX_ATTEMPTS = 5
# The auditor's tolerance: a pending timer due longer ago than this is overdue.
OVERDUE_AFTER = timedelta(minutes=1)
SYSTEM = Actor("escalada", "system")
# The timers waiting to fire; a fired (or failed) timer still names the worker.
TIMERS = LeasedQueue(TimerRow, TimerRow.id, TimerRow.available_at, state=TimerRow.state,
                     waiting=PENDING, holder=TimerRow.lease_owner, attempts=TimerRow.attempts,
                     holder_stays=True)


# Planning, in the transaction of the change


def reschedule(session: Session, case: CaseRow, policy: Policy, now: datetime) -> None:
    """Plan the case's timers again: a new generation replaces the pending ones."""
    stale = select(TimerRow).where(
        TimerRow.case_number == case.number, TimerRow.state == PENDING,
        TimerRow.generation.is_not(None))
    carried = {timer.key for timer in session.scalars(stale)}
    # Thresholds that came due but were dropped before a worker fired them (a pause
    # drops every SLA timer): they fire late rather than never.
    carried |= set(session.scalars(select(TimerRow.key).where(
        TimerRow.case_number == case.number, TimerRow.state == DROPPED,
        TimerRow.kind == SLA_THRESHOLD, TimerRow.due_at <= now)))
    fired = set(session.scalars(select(TimerRow.key).where(
        TimerRow.case_number == case.number, TimerRow.state == FIRED,
        TimerRow.generation.is_not(None))))
    case.timer_generation = (case.timer_generation or 0) + 1
    generation = case.timer_generation
    if carried:
        session.execute(
            update(TimerRow)
            .where(TimerRow.case_number == case.number, TimerRow.state == PENDING,
                   TimerRow.generation.is_not(None))
            .values(state=DROPPED, outcome=f"replaced by generation {generation}"))
    items, ack = timer_inputs(session, case)
    plan = plan_timers(snapshot_of(session, case, now), _open_steps(case), policy, now,
                       fired=fired, carried=carried, war_room_items=items, executive_ack=ack,
                       newest_step_up=_newest_step_up(case),
                       vendor_waits=vendor_waits(session, case))
    session.add_all(
        TimerRow(case_number=case.number, kind=timer.kind, key=timer.key,
                 generation=generation, due_at=timer.due_at, available_at=timer.due_at,
                 state=PENDING, attempts=0, payload=timer.payload, created_at=now)
        for timer in plan
    )


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


def reschedule_changed(session: Session, current: Policy) -> None:
    """Plan again the timers of every case this transaction changed (see records.record)."""
    changed: dict[int, CaseRow] = session.info.pop("changed_cases", {})
    for case in changed.values():
        reschedule(session, case, policy_of(session, case, current), case.updated_at)


# Claiming and firing, in workers


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
    if case.status in ("resolved", "closed"):
        return _drop(timer, f"the case is {case.status}")
    TIMERS.finish(timer, FIRED)
    timer.fired_at = now
    session.flush()  # fired before the handler runs: a step it takes plans anew
    handler = _HANDLERS[timer.kind]
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


def _late(timer: TimerRow, now: datetime) -> dict[str, Any]:
    return {"timer": timer.id, "kind": timer.kind, "key": timer.key,
            "due_at": timer.due_at.isoformat(),
            "late_seconds": round(max((now - timer.due_at).total_seconds(), 0.0), 3)}


def _percent(fraction: float) -> str:
    return f"{fraction * 100:g}%"


def _on_sla_threshold(
    session: Session, ctx: Context, case: CaseRow, timer: TimerRow, now: datetime
) -> str:
    target, fraction = timer.payload["target"], float(timer.payload["fraction"])
    due = timer.payload["due_at"]
    label = target.replace("_", " ")
    if fraction < 1:
        kind, summary = "sla_threshold", f"{label} SLA {_percent(fraction)} consumed (due {due})"
    elif target == "next_update":
        kind, summary = "update_overdue", (
            f"customer update overdue (was due {due}): owner reminded; `escalada comms draft "
            f"{case.ref} --kind progress_update`")
    else:
        kind, summary = "sla_breached", f"{label} SLA breached (was due {due})"
    record(session, case, actor=SYSTEM, at=now, kind=kind, summary=summary,
           data={**_late(timer, now), "target": target, "fraction": fraction}, changed=False)
    return _reevaluate(session, ctx, case, now, f"{label} {_percent(fraction)}")


def _reevaluate(session: Session, ctx: Context, case: CaseRow, now: datetime, why: str) -> str:
    """Record what the engine now recommends; take the step where the policy lets timers."""
    policy = policy_of(session, case, ctx.policy())
    recommendations = evaluate(snapshot_of(session, case, now), policy, now).recommendations
    told, refused = _said_since_last_change(session, case)
    outcomes = []
    for rec in recommendations:
        auto = getattr(policy.timers.auto_escalate, rec.track.value)
        if (rec.track.value, rec.to) in told and (not auto or rec.to in refused):
            outcomes.append(f"still recommending {rec.to}")
            continue
        record(session, case, actor=SYSTEM, at=now, kind="recommended",
               summary=f"after {why}: recommend {rec.from_ or 'none'} -> {rec.to} "
                       f"({', '.join(rec.criteria)})",
               data={"recommendation": rec.as_json(), "auto_escalate": auto}, changed=False)
        outcomes.append(f"recommended {rec.to}")
        if auto:
            outcomes.append(_auto_step(session, case, policy, rec.to, now,
                                       f"auto-escalation after {why}"))
    return "; ".join(outcomes) or "no recommendation"


def _said_since_last_change(
    session: Session, case: CaseRow
) -> tuple[set[tuple[str, str]], set[str]]:
    """Since the case last changed: the (track, level) pairs already recommended, and
    the levels an automatic step was refused to. Said once is enough."""
    entries = session.execute(select(TimelineRow.kind, TimelineRow.data).where(
        TimelineRow.case_number == case.number, TimelineRow.at >= case.updated_at,
        TimelineRow.kind.in_(["recommended", "escalation_refused"]),
        TimelineRow.actor == SYSTEM.name))
    told, refused = set(), set()
    for kind, data in entries:
        if kind == "recommended" and "recommendation" in data:
            told.add((data["recommendation"]["track"], data["recommendation"]["to"]))
        elif kind == "escalation_refused":
            refused.add(data.get("to"))
    return told, refused


def _auto_step(
    session: Session, case: CaseRow, policy: Policy, target: str, now: datetime, reason: str
) -> str:
    from escalada.services.escalations import take_step

    try:
        take_step(session, case, target=target, handoff={}, reason=reason,
                  override_reason=None, actor=SYSTEM, now=now, policy=policy)
    except HandoffIncomplete as refusal:
        return f"auto-escalation to {target} refused: handoff missing {', '.join(refusal.missing)}"
    except EscaladaError as refusal:  # e.g. someone took the step a moment earlier
        return f"auto-escalation to {target} not taken: {refusal}"
    return f"escalated to {target}"


def _step_of(case: CaseRow, timer: TimerRow) -> Any:
    return next((s for s in case.escalations if s.seq == timer.payload["step"]), None)


def _on_step_response_due(
    session: Session, ctx: Context, case: CaseRow, timer: TimerRow, now: datetime
) -> str:
    step = _step_of(case, timer)
    if step is None or step.acknowledged_at is not None:
        return "acknowledged meanwhile"
    record(session, case, actor=SYSTEM, at=now, kind="response_overdue",
           summary=f"step {step.seq} ({step.to_level}) not acknowledged; its response was due "
                   f"{timer.payload['response_due_at']}: reminder sent",
           data={**_late(timer, now), "step": step.seq, "to": step.to_level}, changed=False)
    return f"reminded step {step.seq}"


def _on_step_unanswered(
    session: Session, ctx: Context, case: CaseRow, timer: TimerRow, now: datetime
) -> str:
    step = _step_of(case, timer)
    if step is None or step.acknowledged_at is not None:
        return "acknowledged meanwhile"
    return _recommend_above(session, ctx, case, timer, now,
                            f"step {step.seq} ({step.to_level}) still unacknowledged",
                            "step_unacknowledged", {"step": step.seq})


def _on_update_still_overdue(
    session: Session, ctx: Context, case: CaseRow, timer: TimerRow, now: datetime
) -> str:
    told = case.last_customer_update_at
    if told is not None and told > datetime.fromisoformat(timer.payload["started_at"]):
        return "updated meanwhile"
    return _recommend_above(session, ctx, case, timer, now,
                            f"customer update still overdue (was due {timer.payload['due_at']})",
                            "customer_update_overdue", {})


def _recommend_above(
    session: Session, ctx: Context, case: CaseRow, timer: TimerRow, now: datetime,
    why: str, criterion: str, data: dict[str, Any],
) -> str:
    """Recommend the executive level above the case's (take it, where timers may)."""
    above = _level_above(case.exec_level)
    if above is None:
        record(session, case, actor=SYSTEM, at=now, kind="response_overdue",
               summary=f"{why}; no executive level is above {case.exec_level}",
               data={**_late(timer, now), **data}, changed=False)
        return "no level above"
    policy = policy_of(session, case, ctx.policy())
    terms = policy.level(above)
    auto = policy.timers.auto_escalate.executive
    record(session, case, actor=SYSTEM, at=now, kind="recommended",
           summary=f"{why}: recommend {case.exec_level or 'none'} -> {above.value}",
           data={**_late(timer, now), **data, "auto_escalate": auto,
                 "recommendation": {
                     "track": Track.EXECUTIVE.value, "from": case.exec_level,
                     "to": above.value, "criteria": [criterion],
                     "respond_within_minutes": terms.respond_within_minutes if terms else None}},
           changed=False)
    if auto:
        return _auto_step(session, case, policy, above.value, now, why)
    return f"recommended {above.value}"


def _on_acknowledgment_due(
    session: Session, ctx: Context, case: CaseRow, timer: TimerRow, now: datetime
) -> str:
    told = case.last_customer_update_at
    if told is not None and told >= datetime.fromisoformat(timer.payload["stepped_at"]):
        return "acknowledged meanwhile"
    record(session, case, actor=SYSTEM, at=now, kind="acknowledgment_overdue",
           summary=f"the customer has not been told of step {timer.payload['step']} "
                   f"(to {timer.payload['to']}); the acknowledgment was due "
                   f"{timer.payload['due_at']}: `escalada comms draft {case.ref} "
                   "--kind acknowledgment`",
           data={**_late(timer, now), "step": timer.payload["step"]}, changed=False)
    return "reminded: acknowledgment overdue"


def _level_above(level: str | None) -> ExecLevel | None:
    rank = level_rank(None if level is None else ExecLevel(level))
    return EXEC_LEVELS[rank] if rank < len(EXEC_LEVELS) else None


def _on_reminder(
    session: Session, ctx: Context, case: CaseRow, timer: TimerRow, now: datetime
) -> str:
    note, by = timer.payload.get("note", ""), timer.payload.get("by", "")
    record(session, case, actor=SYSTEM, at=now, kind="reminder",
           summary=f"reminder for {by}: {note}" if by else f"reminder: {note}",
           data=_late(timer, now), changed=False)
    return "reminded"


_HANDLERS: dict[str, Callable[[Session, Context, CaseRow, TimerRow, datetime], str]] = {
    SLA_THRESHOLD: _on_sla_threshold,
    STEP_RESPONSE_DUE: _on_step_response_due,
    STEP_UNANSWERED: _on_step_unanswered,
    REMINDER: _on_reminder,
    WAR_ROOM_ITEM_DUE: on_item_due,
    WAR_ROOM_ACK_DUE: on_ack_due,
    UPDATE_STILL_OVERDUE: _on_update_still_overdue,
    ACKNOWLEDGMENT_DUE: _on_acknowledgment_due,
    VENDOR_RESPONSE_DUE: on_vendor_response_due,
}
assert set(PLANNED_KINDS) <= set(_HANDLERS)


# People: reminders, and what the timers are doing


def set_reminder(
    *, ctx: Context, actor: Actor, case_id: str, at: datetime, note: str,
    expected_version: int | None = None,
) -> TimerView:
    """Remind whoever sets it, on the case's timeline, at `at`."""
    can_work_cases(actor, "setting a reminder")
    check_aware(at)
    if not note.strip():
        raise InvalidInput.of("note", "say what to be reminded of")
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        case = load_open_case(uow.session, case_id, expected_version=expected_version)
        timer = TimerRow(case_number=case.number, kind=REMINDER, key=f"reminder:{now.isoformat()}",
                         generation=None, due_at=at, available_at=at, state=PENDING,
                         attempts=0, payload={"note": note.strip(), "by": actor.name},
                         created_at=now)
        uow.session.add(timer)
        record(uow.session, case, actor=actor, at=now, kind="reminder_set",
               summary=f"reminder set for {at.isoformat()}: {note.strip()}", changed=False)
        uow.commit()
        return timer_view(timer, case.ref)


def timer_view(timer: TimerRow, case_ref: str) -> TimerView:
    return TimerView(
        id=timer.id, case=case_ref, kind=timer.kind, key=timer.key,
        generation=timer.generation, due_at=timer.due_at, state=timer.state,
        attempts=timer.attempts, lease_owner=timer.lease_owner,
        available_at=timer.available_at, fired_at=timer.fired_at, outcome=timer.outcome,
    )


def list_timers(
    *, ctx: Context, case_id: str | None = None, state: str | None = None, limit: int = 100
) -> list[TimerView]:
    """Timers by due time: a case's, or all; optionally in one state."""
    if state is not None and state not in STATES:
        raise InvalidInput.of("state", f"must be one of {', '.join(STATES)}")
    if not 1 <= limit <= 10_000:
        raise InvalidInput.of("limit", "must be between 1 and 10000")
    with ctx.unit_of_work() as uow:
        query = select(TimerRow).order_by(TimerRow.due_at, TimerRow.id).limit(limit)
        if case_id is not None:
            query = query.where(TimerRow.case_number == load_case(uow.session, case_id).number)
        if state is not None:
            query = query.where(TimerRow.state == state)
        return [timer_view(t, f"CASE-{t.case_number}") for t in uow.session.scalars(query)]


# Replaced timers are kept this long (to see what a plan replaced), then purged.
KEEP_DROPPED = timedelta(days=7)


def purge_dropped(*, ctx: Context, older_than: timedelta = KEEP_DROPPED) -> int:
    """Delete timers a newer plan replaced (or that were dropped) longer ago than
    `older_than`: every change re-plans a case, so they pile up. Fired and failed
    timers stay: they are history."""
    cutoff = ctx.clock() - older_than
    with ctx.unit_of_work() as uow:
        result = uow.session.execute(
            delete(TimerRow).where(TimerRow.state == DROPPED, TimerRow.created_at < cutoff),
            execution_options={"synchronize_session": False})
        uow.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def timers_status(*, ctx: Context) -> TimersStatusView:
    """The auditor's view: counts by state, and the pending timers overdue by more
    than a minute (a worker is missing, stuck or too slow)."""
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        session = uow.session
        by_state: dict[str, int] = {
            state: count for state, count in session.execute(
                select(TimerRow.state, func.count()).group_by(TimerRow.state))}
        overdue_query = select(func.count(), func.min(TimerRow.due_at)).where(
            TimerRow.state == PENDING, TimerRow.due_at < now - OVERDUE_AFTER)
        overdue, oldest = session.execute(overdue_query).one()
        due_now = session.scalar(select(func.count()).where(
            TimerRow.state == PENDING, TimerRow.due_at <= now))
        next_due = session.scalar(select(func.min(TimerRow.due_at)).where(
            TimerRow.state == PENDING, TimerRow.due_at > now))
    metrics.timers_overdue(overdue or 0)
    return TimersStatusView(
        at=now, counts={state: by_state.get(state, 0) for state in STATES},
        due_now=due_now or 0, overdue=overdue or 0, oldest_overdue_due_at=oldest,
        next_due_at=next_due, overdue_after_seconds=int(OVERDUE_AFTER.total_seconds()),
    )

