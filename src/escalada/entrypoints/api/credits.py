"""Routes of /api/v1 for service credits: each calls the same service function as the CLI.

Authority is the service's to check: a decision above the caller's authority is 403,
naming the role its amount needs.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from escalada.domain.validation import Note, Version
from escalada.entrypoints.api.deps import ActorDep, ContextDep, CreditId, current_actor
from escalada.entrypoints.api.paging import PAGED, paged
from escalada.services import credit_list, credits
from escalada.services.credit_list import CreditsQuery
from escalada.services.credits import CreditRoutedView, CreditView
from escalada.services.paging import PageQuery

router = APIRouter(dependencies=[Depends(current_actor)], tags=["credits"])


class CreditIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount_usd: Decimal | None = Field(default=None, description="USD, at most 2 decimals")
    from_breach: bool = Field(
        default=False, description="compute it from the case's worst SLA breach instead")
    reason: Note | None = None


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Note = Field(description="why (goes on the timeline)")
    expected_version: Version | None = Field(
        default=None, description="refuse with 409 if the credit changed since this version")


class RouteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expected_version: Version | None = None


@router.post("/cases/{case_id}/credits", status_code=201)
def propose_credit(ctx: ContextDep, actor: ActorDep, case_id: str, body: CreditIn) -> CreditView:
    """Propose a credit: `amount_usd`, or `from_breach` to compute it by the schedule."""
    return credits.propose_credit(ctx=ctx, actor=actor, case_id=case_id, **body.model_dump())


class _CaseCredits(PageQuery):
    state: Literal["proposed", "approved", "rejected"] | None = None


@router.get("/cases/{case_id}/credits", responses=PAGED)
def case_credits(
    ctx: ContextDep, case_id: str, query: Annotated[_CaseCredits, Query()], request: Request,
    response: Response,
) -> list[CreditView]:
    """A page of the case's credits, oldest first (`state` to filter)."""
    page = credit_list.credit_page(ctx=ctx, case=case_id, **query.model_dump(exclude_none=True))
    return paged(page, request, response)


@router.get("/credits", responses=PAGED)
def list_credits(
    ctx: ContextDep, query: Annotated[CreditsQuery, Query()], request: Request,
    response: Response,
) -> list[CreditView]:
    """A page of service credits, oldest first (`case`, `account`, `state` to filter)."""
    page = credit_list.credit_page(ctx=ctx, **query.model_dump(exclude_none=True))
    return paged(page, request, response)


@router.get("/credits/{credit_id}")
def show_credit(ctx: ContextDep, credit_id: CreditId) -> CreditView:
    return credits.show_credit(ctx=ctx, credit_id=credit_id)


@router.post("/credits/{credit_id}/approve")
def approve_credit(
    ctx: ContextDep, actor: ActorDep, credit_id: CreditId, body: DecisionIn
) -> CreditView:
    """Approve within your authority; 403 names the role the amount needs."""
    return credits.approve_credit(ctx=ctx, actor=actor, credit_id=credit_id,
                                  **body.model_dump())


@router.post("/credits/{credit_id}/reject")
def reject_credit(
    ctx: ContextDep, actor: ActorDep, credit_id: CreditId, body: DecisionIn
) -> CreditView:
    """Reject within your authority (the same as approving the amount needs)."""
    return credits.reject_credit(ctx=ctx, actor=actor, credit_id=credit_id,
                                 **body.model_dump())


@router.post("/credits/{credit_id}/route")
def route_credit(
    ctx: ContextDep, actor: ActorDep, credit_id: CreditId, body: RouteIn | None = None
) -> CreditRoutedView:
    """Escalate the case to the lowest executive level whose authority covers the credit."""
    return credits.route_credit(ctx=ctx, actor=actor, credit_id=credit_id,
                                expected_version=None if body is None else body.expected_version)
