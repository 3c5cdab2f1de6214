"""A case's war room as the console shows it: the room (war_room_actions' view), the case
it is for, the people who may take a seat, and what the reader may do there, all read
in one read-only transaction."""

from __future__ import annotations

from sqlalchemy import select

from escalada.adapters.db.tables import AccountRow, UserRow
from escalada.domain.model import ENDED_STATUSES
from escalada.domain.policy import Policy
from escalada.domain.snapshot import AwareDatetime
from escalada.services.authz import (
    allowed,
    can_acknowledge_for,
    can_assign_attendees,
    can_manage_slack_channel,
    can_open_war_room,
    can_read,
    can_work_cases,
)
from escalada.services.context import Actor, Context
from escalada.services.policies import policy_of
from escalada.services.repositories import load_case
from escalada.services.views import View
from escalada.services.war_room_actions import WarRoomView, war_room_view
from escalada.services.war_room_playbook import room_of


class RoomCaseView(View):
    """The case a war room is for, as its heading shows it."""

    id: str
    title: str
    account: str
    account_name: str
    severity: str
    status: str
    tier: str
    exec_level: str | None
    opened_at: AwareDatetime
    version: int
    open: bool  # not resolved or closed


class SeatCandidateView(View):
    """An enabled user who may be seated in the room."""

    name: str
    role: str
    title: str | None
    display_name: str | None


class WarRoomActionsView(View):
    """What the reader may do in the room now (the service functions check again)."""

    open_room: bool
    tick: bool
    assign: bool
    acknowledge: bool
    slack: bool = False  # create the room's Slack channel, or invite its people again


class WarRoomOverview(View):
    case: RoomCaseView
    room: WarRoomView | None  # None: no war room was opened for the case
    people: list[SeatCandidateView]
    may: WarRoomActionsView


def war_room_overview(*, ctx: Context, actor: Actor, case_id: str) -> WarRoomOverview:
    """The case's war room (or the lack of one), the people who could take its seats and
    the actions the actor's role allows, for the console's war-room page."""
    can_read(actor)
    now = ctx.clock()
    with ctx.reading() as uow:
        session = uow.session
        case = load_case(session, case_id)
        account = session.get_one(AccountRow, case.account_id)
        policy = policy_of(session, case, ctx.policy())
        row = room_of(session, case)
        room = None if row is None else war_room_view(session, case, row, policy, now)
        people = [SeatCandidateView(name=user.name, role=user.role, title=user.title,
                                    display_name=user.display_name)
                  for user in session.scalars(select(UserRow).where(
                      UserRow.disabled_at.is_(None)).order_by(UserRow.name))]
        is_open = case.status not in ENDED_STATUSES
        return WarRoomOverview(
            case=RoomCaseView(id=case.ref, title=case.title, account=account.id,
                              account_name=account.name, severity=case.severity,
                              status=case.status, tier=case.tier, exec_level=case.exec_level,
                              opened_at=case.opened_at, version=case.version, open=is_open),
            room=room, people=people, may=_actions(actor, policy, room, case_open=is_open))


def _actions(actor: Actor, policy: Policy, room: WarRoomView | None, *, case_open: bool
             ) -> WarRoomActionsView:
    """An open case without a room may get one; an open room (of an open case) may be
    worked: ticked, seated, and acknowledged until it is."""
    if not case_open or room is None or room.closed_at is not None:
        return WarRoomActionsView(
            open_room=case_open and room is None and allowed(lambda: can_open_war_room(actor)),
            tick=False, assign=False, acknowledge=False)
    executive = room.executive
    return WarRoomActionsView(
        open_room=False,
        tick=allowed(lambda: can_work_cases(actor)),
        assign=allowed(lambda: can_assign_attendees(actor)),
        acknowledge=room.executive_ack_at is None and allowed(lambda: can_work_cases(actor))
        and allowed(lambda: can_acknowledge_for(actor, policy, executive)),
        slack=allowed(lambda: can_manage_slack_channel(actor)))
