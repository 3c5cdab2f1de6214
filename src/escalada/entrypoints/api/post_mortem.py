"""Routes of /api/v1 for a case's post-mortem: each calls the same service function as
the CLI."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from escalada.domain.validation import existing_id
from escalada.entrypoints.api.deps import ActorDep, ContextDep, current_actor
from escalada.entrypoints.api.paging import PAGED, paged
from escalada.services import post_mortem
from escalada.services.post_mortem import (
    Attendance,
    Completion,
    NewAction,
    NewFinding,
    PostMortemItem,
    PostMortemsQuery,
    PostMortemView,
)

router = APIRouter(dependencies=[Depends(current_actor)], tags=["post-mortem"])


def _action_id(action_id: int) -> int:
    return existing_id(action_id, "action")


ActionId = Annotated[int, Depends(_action_id)]


@router.get("/postmortems", responses=PAGED)
def list_all(
    ctx: ContextDep, query: Annotated[PostMortemsQuery, Query()], request: Request,
    response: Response,
) -> list[PostMortemItem]:
    """A page of post-mortems by due time; `overdue=true`: only those past their due time
    and not completed (`status`, `account` to filter too)."""
    page = post_mortem.post_mortem_page(ctx=ctx, **query.model_dump(exclude_none=True))
    return paged(page, request, response)


@router.post("/cases/{case_id}/postmortem", status_code=201)
def start(ctx: ContextDep, actor: ActorDep, case_id: str) -> PostMortemView:
    """Start the post-mortem of a resolved case (409 if not resolved or started)."""
    return post_mortem.start_post_mortem(ctx=ctx, actor=actor, case_id=case_id)


@router.get("/cases/{case_id}/postmortem")
def show(ctx: ContextDep, case_id: str) -> PostMortemView:
    """The post-mortem: attendees, findings under each heading, action items (404 while
    there is none)."""
    return post_mortem.show_post_mortem(ctx=ctx, case_id=case_id)


@router.post("/cases/{case_id}/postmortem/attendees")
def attend(ctx: ContextDep, actor: ActorDep, case_id: str, body: Attendance) -> PostMortemView:
    """Add people to the attendees, or take them off."""
    return post_mortem.attend(ctx=ctx, actor=actor, case_id=case_id, **body.model_dump())


@router.post("/cases/{case_id}/postmortem/findings", status_code=201)
def finding(ctx: ContextDep, actor: ActorDep, case_id: str, body: NewFinding) -> PostMortemView:
    """File a finding under one of the agenda's headings."""
    return post_mortem.add_finding(ctx=ctx, actor=actor, case_id=case_id, **body.model_dump())


@router.post("/cases/{case_id}/postmortem/actions", status_code=201)
def action(ctx: ContextDep, actor: ActorDep, case_id: str, body: NewAction) -> PostMortemView:
    """Add an action item; a timer reminds its owner when it falls due undone."""
    return post_mortem.add_action(ctx=ctx, actor=actor, case_id=case_id, **body.model_dump())


@router.post("/cases/{case_id}/postmortem/actions/{action_id}/done")
def done(ctx: ContextDep, actor: ActorDep, case_id: str, action_id: ActionId) -> PostMortemView:
    """An action item is done (409 if it was already)."""
    return post_mortem.finish_action(ctx=ctx, actor=actor, case_id=case_id,
                                     action_id=action_id)


@router.post("/cases/{case_id}/postmortem/complete")
def complete(ctx: ContextDep, actor: ActorDep, case_id: str,
             body: Completion | None = None) -> PostMortemView:
    """Freeze the post-mortem, publish it to the knowledge base and fill the report's
    lessons learned (409 without findings or when completed already)."""
    return post_mortem.complete_post_mortem(
        ctx=ctx, actor=actor, case_id=case_id,
        **({} if body is None else body.model_dump()))
