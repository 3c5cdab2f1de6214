"""What each kind of timer does when it fires: a line on the case's timeline, a
recommendation, and the step itself where the policy lets timers take it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalada.adapters.db.tables import CaseRow, TimelineRow, TimerRow
from escalada.domain.engine import evaluate
from escalada.domain.errors import EscaladaError, HandoffIncomplete
from escalada.domain.id_words import criterion_words, place_words
from escalada.domain.model import EXEC_LEVELS, ExecLevel, Track, level_rank
from escalada.domain.policy import Policy
from escalada.domain.timers import (
    ACKNOWLEDGMENT_DUE,
    COMMITMENT_DUE,
    PLANNED_KINDS,
    POST_MORTEM_ACTION_DUE,
    POST_MORTEM_DUE,
    REMINDER,
    SLA_THRESHOLD,
    STEP_RESPONSE_DUE,
    STEP_UNANSWERED,
    UPDATE_STILL_OVERDUE,
    VENDOR_RESPONSE_DUE,
    WAR_ROOM_ACK_DUE,
    WAR_ROOM_ITEM_DUE,
)
from escalada.domain.words import Moment, Words, one_after_another
from escalada.services.commitments import on_commitment_due
from escalada.services.context import Actor, Context
from escalada.services.policies import policy_of
from escalada.services.post_mortem import on_action_due, on_post_mortem_due
from escalada.services.records import record, snapshot_of
from escalada.services.vendor_sync import on_vendor_response_due
from escalada.services.war_room_playbook import on_ack_due, on_item_due

SYSTEM = Actor("escalada", "system")


def _late(timer: TimerRow, now: datetime) -> dict[str, Any]:
    return {"timer": timer.id, "kind": timer.kind, "key": timer.key,
            "due_at": timer.due_at.isoformat(),
            "late_seconds": round(max((now - timer.due_at).total_seconds(), 0.0), 3)}


def _moment(due: object) -> object:
    """A payload's due time as words show a time (an unreadable one as it is)."""
    try:
        return Moment(str(due))
    except ValueError:
        return due


def _percent(fraction: float) -> str:
    return f"{fraction * 100:g}%"


def _on_sla_threshold(
    session: Session, ctx: Context, case: CaseRow, timer: TimerRow, now: datetime
) -> Words:
    target, fraction = timer.payload["target"], float(timer.payload["fraction"])
    due = _moment(timer.payload["due_at"])
    label = _TARGETS.get(target) or Words.literal(target.replace("_", " "))
    summary: Words
    if fraction < 1:
        kind, summary = "sla_threshold", Words("{target} SLA {percent} consumed (due {due})",
                                               target=label, percent=_percent(fraction),
                                               due=due)
    elif target == "next_update":
        kind, summary = "update_overdue", Words(
            "customer update overdue (was due {due}): owner reminded; `escalada comms draft "
            "{case} --kind progress_update`", due=due, case=case.ref)
    else:
        kind, summary = "sla_breached", Words("{target} SLA breached (was due {due})",
                                              target=label, due=due)
    record(session, case, actor=SYSTEM, at=now, kind=kind, summary=summary,
           data={**_late(timer, now), "target": target, "fraction": fraction}, changed=False)
    return _reevaluate(session, ctx, case, now, Words("{target} {percent}", target=label,
                                                      percent=_percent(fraction)))


# The SLA targets as a summary names them ("first response SLA 50% consumed").
_TARGETS = {"first_response": Words("first response"), "next_update": Words("next update"),
            "resolution": Words("resolution")}


def _reevaluate(session: Session, ctx: Context, case: CaseRow, now: datetime,
                why: Words) -> Words:
    """Record what the engine now recommends; take the step where the policy lets timers."""
    policy = policy_of(session, case, ctx.policy())
    recommendations = evaluate(snapshot_of(session, case, now), policy, now).recommendations
    told, refused = _said_since_last_change(session, case)
    outcomes: list[Words] = []
    for rec in recommendations:
        auto = getattr(policy.timers.auto_escalate, rec.track.value)
        if (rec.track.value, rec.to) in told and (not auto or rec.to in refused):
            outcomes.append(Words("still recommending {level}", level=rec.to))
            continue
        record(session, case, actor=SYSTEM, at=now, kind="recommended",
               summary=Words("after {why}: recommend {start} -> {to} ({criteria})", why=why,
                             start=place_words(rec.from_), to=place_words(rec.to),
                             criteria=[criterion_words(policy, c) for c in rec.criteria]),
               data={"recommendation": rec.as_json(), "auto_escalate": auto}, changed=False)
        outcomes.append(Words("recommended {level}", level=rec.to))
        if auto:
            outcomes.append(_auto_step(session, ctx, case, policy, rec.to, now,
                                       Words("auto-escalation after {why}", why=why)))
    return one_after_another(outcomes) or Words("no recommendation")


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
    session: Session, ctx: Context, case: CaseRow, policy: Policy, target: str, now: datetime,
    reason: Words,
) -> Words:
    from escalada.services.escalations import take_step

    try:
        take_step(session, case, target=target, handoff={}, reason=reason,
                  override_reason=None, actor=SYSTEM, now=now, policy=policy,
                  settings=ctx.settings())
    except HandoffIncomplete as refusal:
        return Words("auto-escalation to {level} refused: handoff missing {missing}",
                     level=target, missing=", ".join(refusal.missing))
    except EscaladaError as refusal:  # e.g. someone took the step a moment earlier
        return Words("auto-escalation to {level} not taken: {refusal}", level=target,
                     refusal=refusal.words)
    return Words("escalated to {level}", level=target)


def _step_of(case: CaseRow, timer: TimerRow) -> Any:
    return next((s for s in case.escalations if s.seq == timer.payload["step"]), None)


def _on_step_response_due(
    session: Session, ctx: Context, case: CaseRow, timer: TimerRow, now: datetime
) -> Words:
    step = _step_of(case, timer)
    if step is None or step.acknowledged_at is not None:
        return Words("acknowledged meanwhile")
    record(session, case, actor=SYSTEM, at=now, kind="response_overdue",
           summary=Words("step {step} ({to}) not acknowledged; its response was due {due}: "
                         "reminder sent", step=step.seq, to=place_words(step.to_level),
                         due=_moment(timer.payload["response_due_at"])),
           data={**_late(timer, now), "step": step.seq, "to": step.to_level}, changed=False)
    return Words("reminded step {step}", step=step.seq)


def _on_step_unanswered(
    session: Session, ctx: Context, case: CaseRow, timer: TimerRow, now: datetime
) -> Words:
    step = _step_of(case, timer)
    if step is None or step.acknowledged_at is not None:
        return Words("acknowledged meanwhile")
    return _recommend_above(session, ctx, case, timer, now,
                            Words("step {step} ({to}) still unacknowledged", step=step.seq,
                                  to=place_words(step.to_level)),
                            "step_unacknowledged", {"step": step.seq})


def _on_update_still_overdue(
    session: Session, ctx: Context, case: CaseRow, timer: TimerRow, now: datetime
) -> Words:
    told = case.last_customer_update_at
    if told is not None and told > datetime.fromisoformat(timer.payload["started_at"]):
        return Words("updated meanwhile")
    return _recommend_above(session, ctx, case, timer, now,
                            Words("customer update still overdue (was due {due})",
                                  due=_moment(timer.payload["due_at"])),
                            "customer_update_overdue", {})


def _recommend_above(
    session: Session, ctx: Context, case: CaseRow, timer: TimerRow, now: datetime,
    why: Words, criterion: str, data: dict[str, Any],
) -> Words:
    """Recommend the executive level above the case's (take it, where timers may)."""
    above = _level_above(case.exec_level)
    if above is None:
        record(session, case, actor=SYSTEM, at=now, kind="response_overdue",
               summary=Words("{why}; no executive level is above {level}", why=why,
                             level=str(case.exec_level)),
               data={**_late(timer, now), **data}, changed=False)
        return Words("no level above")
    policy = policy_of(session, case, ctx.policy())
    terms = policy.level(above)
    auto = policy.timers.auto_escalate.executive
    record(session, case, actor=SYSTEM, at=now, kind="recommended",
           summary=Words("{why}: recommend {start} -> {to}", why=why,
                         start=place_words(case.exec_level), to=place_words(above.value)),
           data={**_late(timer, now), **data, "auto_escalate": auto,
                 "recommendation": {
                     "track": Track.EXECUTIVE.value, "from": case.exec_level,
                     "to": above.value, "criteria": [criterion],
                     "respond_within_minutes": terms.respond_within_minutes if terms else None}},
           changed=False)
    if auto:
        return _auto_step(session, ctx, case, policy, above.value, now, why)
    return Words("recommended {level}", level=above.value)


def _on_acknowledgment_due(
    session: Session, ctx: Context, case: CaseRow, timer: TimerRow, now: datetime
) -> Words:
    told = case.last_customer_update_at
    if told is not None and told >= datetime.fromisoformat(timer.payload["stepped_at"]):
        return Words("acknowledged meanwhile")
    record(session, case, actor=SYSTEM, at=now, kind="acknowledgment_overdue",
           summary=Words("the customer has not been told of step {step} (to {to}); the "
                         "acknowledgment was due {due}: `escalada comms draft {case} --kind "
                         "acknowledgment`", step=timer.payload["step"], to=timer.payload["to"],
                         due=_moment(timer.payload["due_at"]), case=case.ref),
           data={**_late(timer, now), "step": timer.payload["step"]}, changed=False)
    return Words("reminded: acknowledgment overdue")


def _level_above(level: str | None) -> ExecLevel | None:
    rank = level_rank(None if level is None else ExecLevel(level))
    return EXEC_LEVELS[rank] if rank < len(EXEC_LEVELS) else None


def _on_reminder(
    session: Session, ctx: Context, case: CaseRow, timer: TimerRow, now: datetime
) -> Words:
    note, by = timer.payload.get("note", ""), timer.payload.get("by", "")
    record(session, case, actor=SYSTEM, at=now, kind="reminder",
           summary=Words("reminder for {who}: {note}", who=by, note=note) if by
           else Words("reminder: {note}", note=note),
           data=_late(timer, now), changed=False)
    return Words("reminded")


# Each returns what it did (the timer's outcome, kept as its English and its words).
HANDLERS: dict[str, Callable[[Session, Context, CaseRow, TimerRow, datetime], Words]] = {
    SLA_THRESHOLD: _on_sla_threshold,
    STEP_RESPONSE_DUE: _on_step_response_due,
    STEP_UNANSWERED: _on_step_unanswered,
    REMINDER: _on_reminder,
    WAR_ROOM_ITEM_DUE: on_item_due,
    WAR_ROOM_ACK_DUE: on_ack_due,
    UPDATE_STILL_OVERDUE: _on_update_still_overdue,
    ACKNOWLEDGMENT_DUE: _on_acknowledgment_due,
    VENDOR_RESPONSE_DUE: on_vendor_response_due,
    COMMITMENT_DUE: on_commitment_due,
    POST_MORTEM_ACTION_DUE: on_action_due,
    POST_MORTEM_DUE: on_post_mortem_due,
}
assert set(PLANNED_KINDS) <= set(HANDLERS)
