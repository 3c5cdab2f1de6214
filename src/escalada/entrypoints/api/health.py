"""Routes of /api/v1 for account health and the portfolio: each calls the same service
function as the CLI."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from escalada.domain.validation import Note
from escalada.entrypoints.api.deps import ActorDep, ContextDep, current_actor
from escalada.entrypoints.api.language import request_language
from escalada.entrypoints.api.paging import PAGED, paged
from escalada.services import account_health
from escalada.services.account_list import PortfolioQuery, portfolio_page
from escalada.services.health_views import (
    HealthInputView,
    HealthTrendView,
    HealthView,
    PortfolioEntry,
    RefreshView,
)

router = APIRouter(dependencies=[Depends(current_actor)], tags=["health"])


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InputsIn(_Body):
    inputs: dict[Annotated[str, Field(max_length=60)], Decimal] = Field(
        description="sub-metric -> value, e.g. {\"nps\": 20, \"qbr_attendance\": 0.75}")
    as_of: AwareDatetime | None = Field(default=None, description="the date they are for "
                                        "(default: now)")
    note: Note | None = None


class WhatIfIn(_Body):
    """Component values, 0-100 each; the ones left out are reported as missing."""

    support_satisfaction: Decimal | None = None
    ticket_trends: Decimal | None = None
    engagement_quality: Decimal | None = None
    relationship_strength: Decimal | None = None


@router.get("/accounts/{account_id}/health")
def show_health(
    ctx: ContextDep, actor: ActorDep, account_id: str, request: Request,
    at: Annotated[datetime | None, Query(description="ISO 8601 time with offset "
                                         "(default: now)")] = None,
) -> HealthView:
    """The account's health computed now (or as at `at`): components, sub-metrics with
    their sources and ages, the weighted score, its coverage and band. Labels, sources
    and why a sub-metric is missing are in the reader's language (their setting, else
    Accept-Language); the keys (component, metric, band, source_kind) never change."""
    return account_health.account_health(ctx=ctx, actor=actor, account_id=account_id, at=at,
                                         language=request_language(request))


@router.post("/accounts/{account_id}/health/inputs", status_code=201)
def enter_inputs(
    ctx: ContextDep, actor: ActorDep, account_id: str, body: InputsIn
) -> list[HealthInputView]:
    """Enter sub-metrics escalada cannot compute (team lead and up)."""
    return account_health.enter_inputs(ctx=ctx, actor=actor, account_id=account_id,
                                       values=body.inputs, as_of=body.as_of, note=body.note)


@router.post("/accounts/{account_id}/health/keep")
def keep(ctx: ContextDep, actor: ActorDep, account_id: str, request: Request) -> HealthView:
    """Compute the account's score now and keep it (engineer and up)."""
    return account_health.keep_score(ctx=ctx, actor=actor, account_id=account_id,
                                     language=request_language(request))


@router.get("/accounts/{account_id}/health/trend")
def trend(
    ctx: ContextDep, actor: ActorDep, account_id: str,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> HealthTrendView:
    """The scores kept for the account, oldest first."""
    return account_health.health_trend(ctx=ctx, actor=actor, account_id=account_id,
                                       limit=limit)


@router.get("/accounts/{account_id}/health/trend/page", response_class=HTMLResponse)
def trend_page(
    ctx: ContextDep, actor: ActorDep, account_id: str, request: Request,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> HTMLResponse:
    """The kept scores as an HTML page with a chart over the bands, in the reader's
    language (the user's setting, else Accept-Language)."""
    return HTMLResponse(account_health.health_trend_page(
        ctx=ctx, actor=actor, account_id=account_id, limit=limit,
        language=request_language(request)))


@router.post("/health/what-if")
def what_if(ctx: ContextDep, actor: ActorDep, body: WhatIfIn, request: Request) -> HealthView:
    """The score and band of component values given directly."""
    return account_health.what_if(ctx=ctx, actor=actor,
                                  components=body.model_dump(exclude_none=True),
                                  language=request_language(request))


@router.post("/health/refresh")
def refresh(ctx: ContextDep, actor: ActorDep) -> RefreshView:
    """Keep a score for every account now (engineer and up)."""
    return account_health.refresh_scores(ctx=ctx, actor=actor)


@router.get("/portfolio", responses=PAGED)
def portfolio(
    ctx: ContextDep, actor: ActorDep, query: Annotated[PortfolioQuery, Query()],
    request: Request, response: Response,
) -> list[PortfolioEntry]:
    """A page of the portfolio: each account with its health band, trend, open
    escalations and last escalation, worst health first (or by name or id), filtered as
    GET /accounts is."""
    page = portfolio_page(ctx=ctx, actor=actor, **query.model_dump(exclude_none=True))
    return paged(page, request, response)
