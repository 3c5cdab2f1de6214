"""Routes of /api/v1 for war rooms: each calls the same service function as the CLI."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from escalada.domain.validation import Label, Note, Version
from escalada.entrypoints.api.deps import ActorDep, ContextDep, current_actor
from escalada.services import war_room_actions
from escalada.services.war_room_actions import WarRoomView

router = APIRouter(dependencies=[Depends(current_actor)], tags=["war rooms"])
ROOM = "/cases/{case_id}/war-room"


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expected_version: Version | None = Field(
        default=None, description="refuse with 409 if the case changed since this version")


class OpenIn(_Body):
    reason: Note | None = None


class TickIn(_Body):
    item: Label = Field(min_length=1, description="the checklist item's key, e.g. notify_legal")
    note: Note | None = None


class AssignIn(_Body):
    role: Label = Field(min_length=1, description="the seat, e.g. escalation_coordinator")
    user: Label = Field(min_length=1)


class AckIn(_Body):
    note: Note | None = None


@router.get(ROOM)
def show_war_room(ctx: ContextDep, case_id: str) -> WarRoomView:
    """The room: attendees, channel, checklists (overdue now), executive, cadence."""
    return war_room_actions.show_war_room(ctx=ctx, case_id=case_id)


@router.post(ROOM, status_code=201)
def open_war_room(
    ctx: ContextDep, actor: ActorDep, case_id: str, body: OpenIn | None = None
) -> WarRoomView:
    """Open the case's war room by hand (team lead and above); 409 when one is open."""
    body = body or OpenIn()
    return war_room_actions.open_war_room(ctx=ctx, actor=actor, case_id=case_id,
                                          **body.model_dump())


@router.post(f"{ROOM}/tick")
def tick(ctx: ContextDep, actor: ActorDep, case_id: str, body: TickIn) -> WarRoomView:
    """Tick a checklist item: done by the caller, now; 409 when ticked already."""
    return war_room_actions.tick(ctx=ctx, actor=actor, case_id=case_id, **body.model_dump())


@router.post(f"{ROOM}/assign")
def assign(ctx: ContextDep, actor: ActorDep, case_id: str, body: AssignIn) -> WarRoomView:
    """Seat a person in one of the room's attendee roles (team lead and above)."""
    return war_room_actions.assign(ctx=ctx, actor=actor, case_id=case_id, **body.model_dump())


@router.post(f"{ROOM}/ack")
def acknowledge(ctx: ContextDep, actor: ActorDep, case_id: str, body: AckIn) -> WarRoomView:
    """The executive acknowledgment: by the matched executive, or a vp and above."""
    return war_room_actions.acknowledge(ctx=ctx, actor=actor, case_id=case_id, **body.model_dump())
