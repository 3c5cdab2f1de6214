"""Routes of /api/v1 for a case's root cause and the commitments made to its customer:
each calls the same service function as the CLI."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict

from escalada.domain.validation import Note, existing_id
from escalada.entrypoints.api.deps import ActorDep, ContextDep, current_actor
from escalada.entrypoints.api.paging import PAGED, paged
from escalada.services import commitments, root_cause
from escalada.services.commitments import CommitmentsQuery, CommitmentView, NewCommitment
from escalada.services.root_cause import RootCauseInput, RootCauseView

router = APIRouter(dependencies=[Depends(current_actor)], tags=["root cause and commitments"])


def _commitment_id(commitment_id: int) -> int:
    return existing_id(commitment_id, "commitment")


CommitmentId = Annotated[int, Depends(_commitment_id)]


class RootCauseIn(RootCauseInput):
    """The technical root cause, the process one, or both (the other stays), and why."""

    reason: Note | None = None


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Note | None = None


@router.get("/cases/{case_id}/rca")
def show_root_cause(ctx: ContextDep, case_id: str) -> RootCauseView:
    """The case's root cause (404 while none is entered)."""
    return root_cause.root_cause(ctx=ctx, case_id=case_id)


@router.put("/cases/{case_id}/rca")
def record_root_cause(
    ctx: ContextDep, actor: ActorDep, case_id: str, body: RootCauseIn
) -> RootCauseView:
    """Enter or revise the root cause; the part not sent stays as it was."""
    return root_cause.record_root_cause(ctx=ctx, actor=actor, case_id=case_id,
                                        **body.model_dump())


@router.get("/cases/{case_id}/commitments", responses=PAGED)
def list_commitments(
    ctx: ContextDep, case_id: str, query: Annotated[CommitmentsQuery, Query()],
    request: Request, response: Response,
) -> list[CommitmentView]:
    """The commitments made to the case's customer by due time, each open, met or missed
    now (a page; `state` to filter)."""
    page = commitments.commitment_page(ctx=ctx, case_id=case_id,
                                       **query.model_dump(exclude_none=True))
    return paged(page, request, response)


@router.post("/cases/{case_id}/commitments", status_code=201)
def make_commitment(
    ctx: ContextDep, actor: ActorDep, case_id: str, body: NewCommitment
) -> CommitmentView:
    """Record a commitment made to the customer; a timer judges it at its due time."""
    return commitments.make_commitment(ctx=ctx, actor=actor, case_id=case_id,
                                       **body.model_dump())


@router.post("/cases/{case_id}/commitments/{commitment_id}/close")
def close_commitment(
    ctx: ContextDep, actor: ActorDep, case_id: str, commitment_id: CommitmentId,
    body: CloseIn | None = None,
) -> CommitmentView:
    """The commitment is delivered: met if by its due time, missed if late (409 if it
    was closed already)."""
    return commitments.close_commitment(ctx=ctx, actor=actor, case_id=case_id,
                                        commitment_id=commitment_id,
                                        note=None if body is None else body.note)
