"""The war-room page: `/war-rooms/{case_id}` shows a case's executive playbook (seats,
checklists with their timers, the executive acknowledgment, the update cadence); its
forms open a room, tick an item, seat a person and give the acknowledgment through the
same service functions as `escalada war-room` and /api/v1/cases/{id}/war-room. A form
is shown only to a role that may use it, and the service refuses anyone else anyway."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from babel.dates import format_timedelta
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from escalada.adapters.catalogs import translations
from escalada.domain import validation
from escalada.domain.errors import EscaladaError
from escalada.entrypoints.errors import http_status
from escalada.entrypoints.web.rendering import render
from escalada.entrypoints.web.session import (
    ConsoleUser,
    CsrfChecked,
    context_of,
    language_of,
)
from escalada.services import war_room_actions, war_room_slack
from escalada.services.context import Actor
from escalada.services.war_room_overview import war_room_overview

router = APIRouter(include_in_schema=False)
ROOM = "/war-rooms/{case_id}"

Note = Annotated[validation.Note, Form()]
Label = Annotated[validation.Label, Form()]
ExpectedVersion = Annotated[validation.Version | None, Form()]


def page(request: Request, user: Actor, case_id: str, *, problem: str | None = None,
         status_code: int = 200) -> Response:
    ctx = context_of(request)
    overview = war_room_overview(ctx=ctx, actor=user, case_id=case_id)
    now, language = ctx.clock(), language_of(request)
    return render(request, "war_room.html", status_code=status_code, overview=overview,
                  room=overview.room, case=overview.case, may=overview.may, now=now,
                  relative=lambda moment: relative(moment, now, language), problem=problem)


def relative(moment: datetime, now: datetime, language: str) -> str:
    """'in 25 minutes', '2 hours ago': how far `moment` is from `now`, in `language`."""
    return format_timedelta(moment - now, add_direction=True, granularity="minute",
                            locale=language)


@router.get(ROOM)
def war_room_page(request: Request, user: ConsoleUser, case_id: str) -> Response:
    return page(request, user, case_id)


def _act(request: Request, user: Actor, case_id: str, action: Callable[[], object]
         ) -> Response:
    """Do the action, then show the room again (a refusal on the page, with its status)."""
    try:
        action()
    except EscaladaError as error:
        told = error.told(translations(language_of(request)))
        return page(request, user, case_id, problem=told, status_code=http_status(error))
    return RedirectResponse(request.url_for("war_room_page", case_id=case_id).path,
                            status_code=303)


def _text(value: str) -> str | None:
    return value.strip() or None


@router.post(f"{ROOM}/open")
def open_room(request: Request, user: ConsoleUser, _csrf: CsrfChecked, case_id: str,
              reason: Note = "", expected_version: ExpectedVersion = None) -> Response:
    ctx = context_of(request)
    return _act(request, user, case_id, lambda: war_room_actions.open_war_room(
        ctx=ctx, actor=user, case_id=case_id, reason=_text(reason),
        expected_version=expected_version))


@router.post(f"{ROOM}/tick")
def tick(request: Request, user: ConsoleUser, _csrf: CsrfChecked, case_id: str,
         item: Label, note: Note = "", expected_version: ExpectedVersion = None) -> Response:
    ctx = context_of(request)
    return _act(request, user, case_id, lambda: war_room_actions.tick(
        ctx=ctx, actor=user, case_id=case_id, item=item, note=_text(note),
        expected_version=expected_version))


@router.post(f"{ROOM}/assign")
def assign(request: Request, user: ConsoleUser, _csrf: CsrfChecked, case_id: str,
           role: Label, person: Label, expected_version: ExpectedVersion = None) -> Response:
    ctx = context_of(request)
    return _act(request, user, case_id, lambda: war_room_actions.assign(
        ctx=ctx, actor=user, case_id=case_id, role=role, user=person,
        expected_version=expected_version))


@router.post(f"{ROOM}/ack")
def acknowledge(request: Request, user: ConsoleUser, _csrf: CsrfChecked, case_id: str,
                note: Note = "", expected_version: ExpectedVersion = None) -> Response:
    ctx = context_of(request)
    return _act(request, user, case_id, lambda: war_room_actions.acknowledge(
        ctx=ctx, actor=user, case_id=case_id, note=_text(note),
        expected_version=expected_version))


@router.post(f"{ROOM}/slack")
def slack_channel(request: Request, user: ConsoleUser, _csrf: CsrfChecked,
                  case_id: str) -> Response:
    """Create the room's Slack channel and invite its people (again: whoever is new)."""
    ctx = context_of(request)
    return _act(request, user, case_id, lambda: war_room_slack.create_slack_channel(
        ctx=ctx, actor=user, case_id=case_id))
