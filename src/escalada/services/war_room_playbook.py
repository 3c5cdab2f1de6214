"""The war-room playbook run inside other changes: opening a room on an executive step,
planning it again (L4, new flags), and the timers of its checklists and acknowledgment."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from escalada.adapters.db.tables import (
    CaseRow,
    ChecklistItemRow,
    EscalationRow,
    TimerRow,
    UserRow,
    WarRoomAttendeeRow,
    WarRoomRow,
)
from escalada.domain.executive_match import Person
from escalada.domain.model import Track
from escalada.domain.policy import Policy
from escalada.domain.snapshot import CaseSnapshot
from escalada.domain.war_room import (
    OpenChecklistItem,
    PendingExecutiveAck,
    PlannedItem,
    RoomState,
    plan_war_room,
    required_items,
    revise,
    war_room_trigger,
)
from escalada.domain.words import Moment, Words
from escalada.services.authz import SYSTEM_ROLE, can_close_war_room
from escalada.services.context import Actor, Context
from escalada.services.policies import policy_of
from escalada.services.records import record, snapshot_of

SYSTEM = Actor("escalada", SYSTEM_ROLE)


# Opening, and planning again, in the transaction of the change that calls for it


def open_for_step(
    session: Session, case: CaseRow, step: EscalationRow, *, actor: Actor, now: datetime,
    policy: Policy,
) -> None:
    """After an executive step (escalations.take_step): open the case's war room when the
    step calls for one, or plan an open room again (a step to L4 tightens it)."""
    if step.track != Track.EXECUTIVE.value:
        return
    snapshot = snapshot_of(session, case, now)
    trigger = war_room_trigger(snapshot, step.criteria, policy, now)
    if trigger is None:
        return
    room = room_of(session, case)
    # The step has moved the case's version already: these entries do not move it again.
    if room is None:
        open_room(session, case, snapshot, trigger=trigger, actor=actor, now=now,
                  policy=policy, reason=None, changed=False,
                  after=Words("step {step} to {to}", step=step.seq, to=str(step.to_level)))
    else:
        _revise(session, case, room, snapshot, actor=actor, now=now, policy=policy,
                why=Words("step {step} to {to}", step=step.seq, to=str(step.to_level)))


def follow_flags(case: CaseRow, now: datetime, *, current: Policy) -> list[str]:
    """Checklist items the case's flags now call for (legal, PR) join its open war room
    (cases.set_flags records it with the flag); the keys added."""
    session = object_session(case)
    assert session is not None
    room = room_of(session, case)
    if room is None or room.closed_at is not None:
        return []
    known = {item.key for item in room.checklist}
    rules = policy_of(session, case, current).war_room
    added = [item for item in required_items(case.flags, rules, now) if item.key not in known]
    room.checklist.extend(_item_row(item) for item in added)
    return [item.key for item in added]


def close_on_resolution(case: CaseRow, now: datetime, actor: Actor) -> bool:
    """The case is resolved: its open war room closes (cases.resolve records it), when
    the actor may close it (authz.can_close_war_room)."""
    session = object_session(case)
    assert session is not None
    room = room_of(session, case)
    if room is None or room.closed_at is not None:
        return False
    lead = next((a.user_name for a in room.attendees if a.lead and a.user_name), None)
    can_close_war_room(actor, f"resolving {case.ref}, which closes its war room",
                       lead=lead, executive=room.executive)
    room.closed_at = now
    return True


def shown(moment: datetime) -> Moment:
    """A time in a timeline summary or an error, as the reader writes dates (the entry's
    data keeps it exact)."""
    return Moment(moment)


def room_of(session: Session, case: CaseRow) -> WarRoomRow | None:
    """The case's war room, if one was opened (one per case)."""
    return session.scalar(select(WarRoomRow).where(WarRoomRow.case_number == case.number))


def people(session: Session) -> list[Person]:
    users = session.scalars(select(UserRow).where(UserRow.disabled_at.is_(None)))
    return [Person(user.name, user.role, user.title) for user in users]


def _item_row(item: PlannedItem) -> ChecklistItemRow:
    return ChecklistItemRow(checklist=item.checklist, key=item.key, text=item.text,
                            due_at=item.due_at)


def open_room(
    session: Session, case: CaseRow, snapshot: CaseSnapshot, *, trigger: str, actor: Actor,
    now: datetime, policy: Policy, reason: str | None, changed: bool,
    after: Words | None = None,
) -> WarRoomRow:
    """Open the case's war room as the policy plans it, and say so on the timeline (`after`:
    the step that called for it, in the summary's words, read in the reader's language)."""
    plan = plan_war_room(snapshot, contact_title=case.contact_title, trigger=trigger,
                         people=people(session), policy=policy, now=now)
    room = WarRoomRow(
        case_number=case.number, opened_at=now, opened_by=actor.name, trigger=trigger,
        channel=plan.channel, customer_contact=case.contact_title,
        executive=plan.executive.name, executive_ack_due_at=plan.executive_ack_due_at,
        update_every_minutes=plan.update_every_minutes,
        attendees=[WarRoomAttendeeRow(role=seat.key, lead=seat.lead)
                   for seat in plan.attendees],
        checklist=[_item_row(item) for item in plan.items],
    )
    session.add(room)
    executive = plan.executive.name or Words("nobody matched")
    opened = (Words("war room opened ({trigger})", trigger=trigger)
              if trigger == plan.level.value else
              Words("war room opened ({trigger}, runs as {level})", trigger=trigger,
                    level=plan.level.value))
    summary = Words("{opened}: {channel}; executive {executive}, acknowledgment due "
                    "{due}; updates every {minutes} min; {items} checklist items",
                    opened=opened, channel=plan.channel, executive=executive,
                    due=shown(plan.executive_ack_due_at),
                    minutes=plan.update_every_minutes, items=len(plan.items))
    if after is not None:
        summary = Words("{summary} (after {step})", summary=summary, step=after)
    record(session, case, actor=actor, at=now, kind="war_room_opened", summary=summary,
           reason=reason, changed=changed,
           data={"trigger": trigger, "level": plan.level.value, "channel": plan.channel,
                 "executive": plan.executive.name, "executive_match": plan.executive.how,
                 "executive_why": plan.executive.why,
                 "executive_ack_due_at": plan.executive_ack_due_at.isoformat(),
                 "update_every_minutes": plan.update_every_minutes,
                 "items": [item.key for item in plan.items]})
    return room


def _revise(
    session: Session, case: CaseRow, room: WarRoomRow, snapshot: CaseSnapshot, *,
    actor: Actor, now: datetime, policy: Policy, why: Words,
) -> None:
    plan = plan_war_room(snapshot, contact_title=case.contact_title, trigger=room.trigger,
                         people=people(session), policy=policy, now=now)
    state = RoomState(frozenset(item.key for item in room.checklist), room.update_every_minutes,
                      room.executive, room.executive_ack_at is not None)
    revision = revise(state, plan)
    if not revision:
        return
    changes: list[Words] = []
    data: dict[str, Any] = {}
    if revision.items:
        room.checklist.extend(_item_row(item) for item in revision.items)
        data["items_added"] = [item.key for item in revision.items]
        changes.append(Words("added {items}", items=", ".join(data["items_added"])))
    if revision.update_every_minutes is not None:
        data["update_every_minutes"] = revision.update_every_minutes
        changes.append(Words("updates every {minutes} min (was {before})",
                             minutes=revision.update_every_minutes,
                             before=room.update_every_minutes))
        room.update_every_minutes = revision.update_every_minutes
    if revision.executive is not None:
        data["executive"] = revision.executive.name
        changes.append(Words("executive {name} (was {before}): {why}",
                             name=str(revision.executive.name),
                             before=room.executive or Words("none"),
                             why=revision.executive.why))
        room.executive = revision.executive.name
    record(session, case, actor=actor, at=now, kind="war_room_revised",
           summary=Words("war room after {why}: {changes}", why=why, changes=_joined(changes)),
           data=data, changed=False)


def _joined(parts: list[Words]) -> Words:
    """The parts one after another, separated by "; "."""
    joined = parts[0]
    for part in parts[1:]:
        joined = Words("{first}; {then}", first=joined, then=part)
    return joined


# Timers (services.timer_planning plans them, services.timer_firing fires them)


def timer_inputs(
    session: Session, case: CaseRow
) -> tuple[list[OpenChecklistItem], PendingExecutiveAck | None]:
    """The open room's unticked items and its pending executive acknowledgment."""
    room = room_of(session, case)
    if room is None or room.closed_at is not None:
        return [], None
    items = [OpenChecklistItem(item.id, room.id, item.key, item.text, item.due_at)
             for item in room.checklist if item.done_at is None]
    ack = None if room.executive_ack_at is not None else PendingExecutiveAck(
        room.id, room.executive, room.executive_ack_due_at)
    return items, ack


def _timer_data(timer: TimerRow, now: datetime) -> dict[str, Any]:
    return {"timer": timer.id, "kind": timer.kind, "key": timer.key,
            "due_at": timer.due_at.isoformat(),
            "late_seconds": round(max((now - timer.due_at).total_seconds(), 0.0), 3)}


def on_item_due(
    session: Session, _ctx: Context, case: CaseRow, timer: TimerRow, now: datetime
) -> Words:
    item = session.get(ChecklistItemRow, timer.payload["item"])
    if item is None or item.done_at is not None:
        return Words("ticked meanwhile")
    record(session, case, actor=SYSTEM, at=now, kind="war_room_item_overdue",
           summary=Words("war room: {item}: not done, due {due}",
                         item=Words.literal(item.text), due=shown(item.due_at)),
           data={**_timer_data(timer, now), "item": item.key}, changed=False)
    return Words("{item} overdue", item=item.key)


def on_ack_due(
    session: Session, _ctx: Context, case: CaseRow, timer: TimerRow, now: datetime
) -> Words:
    room = session.get(WarRoomRow, timer.payload["room"])
    if room is None or room.executive_ack_at is not None:
        return Words("acknowledged meanwhile")
    who = room.executive or Words("no executive matched")
    record(session, case, actor=SYSTEM, at=now, kind="executive_ack_overdue",
           summary=Words("executive acknowledgment ({who}) not given, due {due}", who=who,
                         due=shown(room.executive_ack_due_at)),
           data={**_timer_data(timer, now), "executive": room.executive}, changed=False)
    return Words("executive acknowledgment overdue")
