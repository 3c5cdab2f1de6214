"""War rooms for people: open one by hand, show it, tick its checklists, seat its
attendees and give the executive acknowledgment (the playbook: war_room_playbook)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from escalada.adapters.db.tables import AccountRow, CaseRow, UserRow, WarRoomRow
from escalada.domain.errors import AlreadyExists, InvalidInput, InvalidTransition, NotFound
from escalada.domain.policy import Policy
from escalada.domain.snapshot import AwareDatetime
from escalada.domain.war_room import IMMEDIATE, MANUAL, overdue
from escalada.domain.words import Words
from escalada.services.authz import (
    can_acknowledge_for,
    can_assign_attendees,
    can_open_war_room,
    can_work_cases,
)
from escalada.services.context import Actor, Context
from escalada.services.policies import policy_of
from escalada.services.records import Event, record, snapshot_of
from escalada.services.repositories import load_case, load_open_case
from escalada.services.views import View
from escalada.services.war_room_playbook import open_room, room_of, shown

RoomChange = Callable[[Session, CaseRow, WarRoomRow, Policy, datetime], Event]


def _change_room(
    ctx: Context, *, actor: Actor, case_id: str, expected_version: int | None,
    change: RoomChange,
) -> WarRoomView:
    """Load an open case's war room, apply one change, record it and commit: the case
    changes, so that its timers are planned again (a ticked item's timer goes)."""
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        session = uow.session
        case = load_open_case(session, case_id, expected_version=expected_version)
        room = _required_room(session, case)
        policy = policy_of(session, case, ctx.policy())
        event = change(session, case, room, policy, now)
        record(session, case, actor=actor, at=now, kind=event.kind, summary=event.summary,
               reason=event.reason, data=event.data)
        uow.commit()
        return war_room_view(session, case, room, policy, now)


def _required_room(session: Session, case: CaseRow) -> WarRoomRow:
    room = room_of(session, case)
    if room is None:
        raise NotFound.of("{case} has no war room (one opens at L3, L4 or a C-level escalation; "
                          "`escalada war-room open` opens one by hand)", case=case.ref)
    return room


def open_war_room(
    *, ctx: Context, actor: Actor, case_id: str, reason: str | None = None,
    expected_version: int | None = None,
) -> WarRoomView:
    """Open the case's war room by hand (a team lead and above), when none is open."""
    can_open_war_room(actor)
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        session = uow.session
        case = load_open_case(session, case_id, expected_version=expected_version)
        existing = room_of(session, case)
        if existing is not None:
            raise AlreadyExists.of("{case} has a war room already, opened by {opened_by} at "
                                   "{opened_at}", case=case.ref, opened_by=existing.opened_by,
                                   opened_at=shown(existing.opened_at))
        policy = policy_of(session, case, ctx.policy())
        room = open_room(session, case, snapshot_of(session, case, now), trigger=MANUAL,
                         actor=actor, now=now, policy=policy, reason=reason, changed=True)
        uow.commit()
        return war_room_view(session, case, room, policy, now)


def show_war_room(*, ctx: Context, case_id: str) -> WarRoomView:
    """The room: attendees, channel, checklists with what is overdue now, the executive."""
    now = ctx.clock()
    with ctx.reading() as uow:
        session = uow.session
        case = load_case(session, case_id)
        room = _required_room(session, case)
        return war_room_view(session, case, room, policy_of(session, case, ctx.policy()), now)


def tick(
    *, ctx: Context, actor: Actor, case_id: str, item: str, note: str | None = None,
    expected_version: int | None = None,
) -> WarRoomView:
    """A checklist item is done: who and when are recorded; an item is ticked once."""
    can_work_cases(actor, "ticking a war-room checklist item")
    key = item.strip()

    def change(_s: Session, case: CaseRow, room: WarRoomRow, _p: Policy, now: datetime) -> Event:
        row = next((entry for entry in room.checklist if entry.key == key), None)
        if row is None:
            keys = ", ".join(entry.key for entry in room.checklist)
            raise NotFound.of("{case}'s war room has no checklist item {key!r} (it has {keys})",
                              case=case.ref, key=key, keys=keys)
        if row.done_at is not None:
            raise InvalidTransition.of("{key} was ticked by {done_by} at {done_at} already",
                                       key=key, done_by=row.done_by, done_at=shown(row.done_at))
        row.done_by, row.done_at, row.note = actor.name, now, note
        late = now > row.due_at
        # The item's text is the policy's words: translated where the catalogs know them.
        done = Words("war room: {item}: done by {who}", item=Words.literal(row.text),
                     who=actor.name)
        return Event("war_room_item_done",
                     Words("{done} after its due time", done=done) if late else done,
                     note, {"item": key, "by": actor.name, "late": late,
                            "due_at": row.due_at.isoformat()})

    return _change_room(ctx, actor=actor, case_id=case_id, expected_version=expected_version,
                        change=change)


def assign(
    *, ctx: Context, actor: Actor, case_id: str, role: str, user: str,
    expected_version: int | None = None,
) -> WarRoomView:
    """Seat a person in one of the room's attendee roles (a team lead and above)."""
    can_assign_attendees(actor)
    wanted, name = role.strip(), user.strip()

    def change(
        session: Session, case: CaseRow, room: WarRoomRow, policy: Policy, _now: datetime,
    ) -> Event:
        seat = next((s for s in room.attendees if s.role == wanted), None)
        if seat is None:
            roles = ", ".join(s.role for s in room.attendees)
            raise InvalidInput.of("role", "{wanted!r} is not a seat of the room ({roles})",
                                  wanted=wanted, roles=roles)
        person = session.get(UserRow, name)
        if person is None or person.disabled_at is not None:
            raise InvalidInput.of("user", "{name!r} is not an enabled user", name=name)
        if seat.user_name == name:
            raise InvalidTransition.of("{name} is the {wanted} already", name=name, wanted=wanted)
        before, seat.user_name = seat.user_name, name
        label = _labels(policy).get(wanted, wanted)
        seated = (Words("war room: {seat} is {name} (was {before})",
                        seat=Words.literal(label), name=name, before=before) if before
                  else Words("war room: {seat} is {name}", seat=Words.literal(label), name=name))
        return Event("war_room_assigned", seated,
                     None, {"role": wanted, "user": name, "was": before})

    return _change_room(ctx, actor=actor, case_id=case_id, expected_version=expected_version,
                        change=change)


def acknowledge(
    *, ctx: Context, actor: Actor, case_id: str, note: str | None = None,
    expected_version: int | None = None,
) -> WarRoomView:
    """The executive acknowledgment to the customer's executive: given by the matched
    executive, or by someone of the policy's stand-in role (vp) and above."""
    can_work_cases(actor, "giving the executive acknowledgment")

    def change(_s: Session, case: CaseRow, room: WarRoomRow, policy: Policy, now: datetime
               ) -> Event:
        if room.executive_ack_at is not None:
            raise InvalidTransition.of("{case}'s executive acknowledgment was given by "
                                       "{executive_ack_by} already", case=case.ref,
                                       executive_ack_by=room.executive_ack_by)
        can_acknowledge_for(actor, policy, room.executive)
        room.executive_ack_by, room.executive_ack_at = actor.name, now
        late = now > room.executive_ack_due_at
        given = (Words("executive acknowledgment given by {who}", who=actor.name)
                 if actor.name == room.executive else
                 Words("executive acknowledgment given by {who} for {executive}", who=actor.name,
                       executive=room.executive or Words("nobody")))
        return Event("executive_acknowledged",
                     Words("{given} after its due time", given=given) if late else given, note,
                     {"by": actor.name, "executive": room.executive, "late": late,
                      "due_at": room.executive_ack_due_at.isoformat()})

    return _change_room(ctx, actor=actor, case_id=case_id, expected_version=expected_version,
                        change=change)


# Views


class WarRoomAttendeeView(View):
    role: str
    label: str
    lead: bool
    user: str | None


class ChecklistItemView(View):
    checklist: str  # immediate | assessment
    key: str
    text: str
    due_at: AwareDatetime
    done_by: str | None
    done_at: AwareDatetime | None
    note: str | None
    overdue: bool  # not done, and past its due time now (never in a closed room)
    late: bool  # done after its due time


class WarRoomView(View):
    case: str
    at: AwareDatetime  # when the overdue states were worked out
    timezone: str  # the account's, for showing times to people
    opened_at: AwareDatetime
    opened_by: str
    trigger: str  # L3, L4, c_level_escalation or manual
    channel: str
    customer_contact: str | None
    executive: str | None
    executive_ack_due_at: AwareDatetime
    executive_ack_by: str | None
    executive_ack_at: AwareDatetime | None
    executive_ack_overdue: bool
    executive_ack_late: bool
    update_every_minutes: int
    next_update_due_at: AwareDatetime | None  # none once the room is closed
    attendees: list[WarRoomAttendeeView]
    checklist: list[ChecklistItemView]
    closed_at: AwareDatetime | None = None  # when the case was resolved
    slack_channel_id: str | None = None  # once its Slack channel is created


def _overdue(due_at: datetime, done_at: datetime | None, now: datetime | None) -> bool:
    return now is not None and overdue(due_at, done_at, now)


def _labels(policy: Policy) -> dict[str, str]:
    return {seat.key: seat.label for seat in policy.war_room.attendees}


def war_room_view(
    session: Session, case: CaseRow, room: WarRoomRow, policy: Policy, now: datetime
) -> WarRoomView:
    labels = _labels(policy)
    last_update = max(room.opened_at, case.last_customer_update_at or room.opened_at)
    acked = room.executive_ack_at
    # A closed room owes nothing more: nothing in it is overdue, no update falls due.
    open_now = now if room.closed_at is None else None
    return WarRoomView(
        case=case.ref, at=now,
        timezone=session.get_one(AccountRow, case.account_id).timezone, opened_at=room.opened_at,
        opened_by=room.opened_by, trigger=room.trigger, channel=room.channel,
        customer_contact=room.customer_contact, executive=room.executive,
        executive_ack_due_at=room.executive_ack_due_at, executive_ack_by=room.executive_ack_by,
        executive_ack_at=acked,
        executive_ack_overdue=_overdue(room.executive_ack_due_at, acked, open_now),
        executive_ack_late=acked is not None and acked > room.executive_ack_due_at,
        update_every_minutes=room.update_every_minutes,
        next_update_due_at=None if room.closed_at is not None
        else last_update + timedelta(minutes=room.update_every_minutes),
        attendees=[WarRoomAttendeeView(role=seat.role, label=labels.get(seat.role, seat.role),
                                       lead=seat.lead, user=seat.user_name)
                   for seat in room.attendees],
        checklist=[ChecklistItemView(
            checklist=item.checklist, key=item.key, text=item.text, due_at=item.due_at,
            done_by=item.done_by, done_at=item.done_at, note=item.note,
            overdue=_overdue(item.due_at, item.done_at, open_now),
            late=item.done_at is not None and item.done_at > item.due_at)
            for item in sorted(room.checklist, key=lambda row: row.checklist != IMMEDIATE)],
        closed_at=room.closed_at, slack_channel_id=case.slack_channel_id,
    )
