"""Escalating a case up a track, acknowledging a step, and stepping back down."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, object_session

from escalada.adapters.db.tables import CaseRow, EscalationRow, UserRow
from escalada.domain import escalation_path
from escalada.domain.engine import criteria_fired
from escalada.domain.errors import HandoffIncomplete, InvalidInput, InvalidTransition, NotFound
from escalada.domain.handoff import pass_handoff_gate
from escalada.domain.id_words import HANDOFF_WORDS, criterion_words, named, place_words
from escalada.domain.model import (
    ExecLevel,
    Tier,
    Track,
    track_of,
)
from escalada.domain.policy import Policy
from escalada.domain.words import Words, english, words_json
from escalada.services.authz import (
    can_acknowledge_level,
    can_override_handoff,
    can_step_down_from,
    can_work_cases,
)
from escalada.services.context import Actor, Context
from escalada.services.helpdesk_sync import queue_write_back
from escalada.services.policies import policy_of
from escalada.services.records import Event, change_case, committed_view, record, snapshot_of
from escalada.services.repositories import load_open_case
from escalada.services.views import CaseView
from escalada.services.war_room_playbook import open_for_step
from escalada.settings import Settings


def escalate(
    *,
    ctx: Context,
    actor: Actor,
    case_id: str,
    to: str,
    handoff: dict[str, Any] | None = None,
    reason: str | None = None,
    override_reason: str | None = None,
    expected_version: int | None = None,
) -> CaseView:
    """Take one step up a track. A technical step needs its handoff package, unless
    overridden with a reason; a refusal is itself recorded on the timeline."""
    can_work_cases(actor, "escalating a case")
    target = escalation_path.target(to)
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        case = load_open_case(uow.session, case_id, expected_version=expected_version)
        policy = policy_of(uow.session, case, ctx.policy())
        try:
            take_step(uow.session, case, target=target, handoff=handoff, reason=reason,
                      override_reason=override_reason, actor=actor, now=now, policy=policy,
                      settings=ctx.settings())
        except HandoffIncomplete:
            uow.commit()  # the refusal on the timeline is all this transaction writes
            raise
        return committed_view(uow, case, policy, now)


def take_step(
    session: Session, case: CaseRow, *, target: str, handoff: Mapping[str, Any] | None,
    reason: str | Words | None, override_reason: str | None, actor: Actor, now: datetime,
    policy: Policy, settings: Settings,
) -> EscalationRow:
    """Take the step to `target` on a loaded case, in the caller's transaction.

    A step with its handoff package incomplete and no override is refused: the
    refusal is recorded (the case does not change) and HandoffIncomplete raised.
    """
    track, place = track_of(target), _place(case)
    terms = escalation_path.step_up(place, target, policy)
    criteria = criteria_fired(snapshot_of(session, case, now), policy, now, target)
    if not criteria and not str(reason or "").strip():
        raise InvalidInput.of("reason", "no policy criterion fires for {target}; say why you "
                              "escalate", target=target)
    try:
        gate = pass_handoff_gate(f"{place.on(track)} -> {target}", terms.handoff_required,
                                 handoff, override_reason=override_reason)
    except HandoffIncomplete as refusal:
        record(session, case, actor=actor, at=now, kind="escalation_refused",
               summary=Words("refused {step}: handoff missing {missing}", step=refusal.step,
                             missing=[named(HANDOFF_WORDS, item) for item in refusal.missing]),
               reason=reason, data={"to": target, "missing_handoff": refusal.missing},
               changed=False)
        raise
    missing = gate.overridden
    if missing:
        can_override_handoff(actor)
    step = _add_step(
        case, track=track, direction="up", to=target, criteria=criteria, reason=reason,
        handoff=gate.package, override_reason=gate.override_reason,
        overridden=missing, actor=actor, now=now,
        respond_within=terms.respond_within_minutes,
    )
    _move(case, track, target)
    queue_write_back(session, case, now=now, settings=settings,
                     max_attempts=policy.communications.delivery.max_attempts)
    summary = Words("step {step}: {start} -> {to} ({criteria})", step=step.seq,
                    start=place_words(step.from_level), to=place_words(target),
                    criteria=[criterion_words(policy, c) for c in criteria] or Words("manual"))
    if missing:
        summary = Words("{step}; handoff gate overridden ({why}), missing {missing}",
                        step=summary, why=str(gate.override_reason),
                        missing=[named(HANDOFF_WORDS, item) for item in missing])
    record(session, case, actor=actor, at=now, kind="escalated", summary=summary,
           reason=reason,
           data={"step": step.seq, "criteria": criteria, "missing_handoff": missing,
                 "override_reason": step.override_reason,
                 "response_due_at": _iso(step.response_due_at)})
    open_for_step(session, case, step, actor=actor, now=now, policy=policy)
    return step


def _add_step(
    case: CaseRow, *, track: Track, direction: str, to: str | None, criteria: list[str],
    reason: str | Words | None, handoff: dict[str, Any], override_reason: str | None,
    overridden: list[str], actor: Actor, now: datetime, respond_within: int | None,
) -> EscalationRow:
    step = EscalationRow(
        case_number=case.number, seq=len(case.escalations) + 1, track=track.value,
        direction=direction,
        from_level=case.tier if track is Track.TECHNICAL else case.exec_level, to_level=to,
        criteria=criteria, reason=english(reason), reason_words=words_json(reason),
        handoff=handoff, override_reason=override_reason, overridden_items=overridden,
        requested_by=actor.name, requested_at=now, respond_within_minutes=respond_within,
        response_due_at=None if respond_within is None else now + timedelta(
            minutes=respond_within),
    )
    case.escalations.append(step)
    return step


def _move(case: CaseRow, track: Track, target: str | None) -> None:
    if track is Track.TECHNICAL:
        case.tier = target or Tier.T1.value
    else:
        case.exec_level = target


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def acknowledge(
    *, ctx: Context, actor: Actor, case_id: str, step: int, on_behalf_of: str | None = None,
    note: str | Words | None = None, expected_version: int | None = None,
) -> CaseView:
    """The authenticated actor takes a step. Acknowledging for someone else (e.g. the
    executive on the phone) names them too; they must be an enabled user, and the
    authority needed is the actor's own."""

    def change(case: CaseRow, now: datetime) -> Event:
        session = object_session(case)
        assert session is not None
        row = next((s for s in case.escalations if s.seq == step), None)
        if row is None:
            raise NotFound.of("{case} has no step {step}", case=case.ref, step=step)
        if row.direction != "up":
            raise InvalidTransition.of("step {step} is a de-escalation; nothing to acknowledge",
                                       step=step)
        if row.acknowledged_at is not None:
            raise InvalidTransition.of("step {step} was acknowledged by {acknowledged_by} already",
                                       step=step, acknowledged_by=row.acknowledged_by)
        behalf = _on_behalf_of(session, on_behalf_of, actor)
        if row.track == Track.EXECUTIVE.value and row.to_level is not None:
            can_acknowledge_level(actor, policy_of(session, case, ctx.policy()),
                                  ExecLevel(row.to_level))
        row.acknowledged_by, row.acknowledged_at = actor.name, now
        row.acknowledged_on_behalf_of = behalf
        late = row.response_due_at is not None and now > row.response_due_at
        summary = (Words("step {step} ({to}) acknowledged by {who} on behalf of {other}",
                         step=step, to=place_words(row.to_level), who=actor.name, other=behalf)
                   if behalf else Words("step {step} ({to}) acknowledged by {who}", step=step,
                                        to=place_words(row.to_level), who=actor.name))
        if late:
            summary = Words("{acknowledged} after its response due time", acknowledged=summary)
        return Event("acknowledged", summary,
                     note, {"step": step, "by": actor.name, "on_behalf_of": behalf,
                            "late": late})

    return change_case(ctx, actor=actor, case_id=case_id, expected_version=expected_version,
                       change=change)


def _on_behalf_of(session: Session, name: str | None, actor: Actor) -> str | None:
    """The enabled user named, or None when nobody (or the actor) is named."""
    wanted = (name or "").strip()
    if not wanted or wanted == actor.name:
        return None
    user = session.get(UserRow, wanted)
    if user is None:
        raise InvalidInput.of("on_behalf_of", "no user {wanted!r}: name an escalada user",
                              wanted=wanted)
    if user.disabled_at is not None:
        raise InvalidInput.of("on_behalf_of", "{wanted} is disabled", wanted=wanted)
    return wanted


def deescalate(
    *, ctx: Context, actor: Actor, case_id: str, track: str, reason: str,
    to: str | None = None, expected_version: int | None = None,
) -> CaseView:
    """Step down a track (by default one step; `none` leaves the executive track).
    Leaving an executive level needs the authority of the level left (the role that
    acknowledges it); a technical step down, an engineer's."""
    chosen = escalation_path.track(track)
    if not reason.strip():
        raise InvalidInput.of("reason", "say why the case steps down")

    def change(case: CaseRow, now: datetime) -> Event:
        target = escalation_path.step_down(_place(case), chosen, to)
        if chosen is Track.EXECUTIVE:
            session = object_session(case)
            assert session is not None
            left = _place(case).level
            assert left is not None  # step_down refuses a case with no executive level
            can_step_down_from(actor, policy_of(session, case, ctx.policy()), left, case.ref)
        step = _add_step(
            case, track=chosen, direction="down", to=target, criteria=[], reason=reason,
            handoff={}, override_reason=None, overridden=[], actor=actor, now=now,
            respond_within=None,
        )
        _move(case, chosen, target)
        session = object_session(case)
        assert session is not None
        delivery = policy_of(session, case, ctx.policy()).communications.delivery
        queue_write_back(session, case, now=now, settings=ctx.settings(),
                         max_attempts=delivery.max_attempts)
        return Event("deescalated",
                     Words("step {step}: {start} -> {to}", step=step.seq,
                           start=place_words(step.from_level), to=place_words(target)),
                     reason, {"step": step.seq})

    return change_case(ctx, actor=actor, case_id=case_id, expected_version=expected_version,
                       change=change)


def _place(case: CaseRow) -> escalation_path.Place:
    return escalation_path.Place(case.ref, case.tier, case.exec_level)
