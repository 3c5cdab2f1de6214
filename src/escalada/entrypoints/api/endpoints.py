"""Routes of /api/v1 for endpoints: the named destinations of webhook and Slack
deliveries. Anyone signed in lists them (URLs masked); only admins change them. Each
calls the same service function as the CLI."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from escalada.entrypoints.api.deps import ActorDep, ContextDep, current_actor
from escalada.entrypoints.api.paging import PAGED, paged
from escalada.services import endpoints
from escalada.services.endpoints import EndpointsQuery, EndpointView

router = APIRouter(dependencies=[Depends(current_actor)], tags=["endpoints"])


class EndpointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="what senders give as `to`, e.g. ops-webhook")
    channel: Literal["webhook", "slack"]
    url: str = Field(description="the http(s) URL (a Slack incoming webhook's is a secret: "
                                 "it is never shown again)")


class EndpointUrlIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: Literal["webhook", "slack"]
    url: str


@router.get("/endpoints", responses=PAGED)
def list_endpoints(
    ctx: ContextDep, query: Annotated[EndpointsQuery, Query()], request: Request,
    response: Response,
) -> list[EndpointView]:
    """The destinations, by name, each URL shown as scheme and host only (a page;
    `channel` to filter)."""
    page = endpoints.endpoint_page(ctx=ctx, **query.model_dump(exclude_none=True))
    return paged(page, request, response)


@router.post("/endpoints", status_code=201)
def add_endpoint(ctx: ContextDep, actor: ActorDep, body: EndpointIn) -> EndpointView:
    """Name a destination (admins only; audited)."""
    return endpoints.add_endpoint(ctx=ctx, actor=actor, name=body.name,
                                  channel=body.channel, url=body.url)


@router.put("/endpoints/{name}")
def replace_endpoint(
    ctx: ContextDep, actor: ActorDep, name: str, body: EndpointUrlIn
) -> EndpointView:
    """Point a name at another URL, e.g. a rotated Slack webhook (admins only; audited)."""
    return endpoints.add_endpoint(ctx=ctx, actor=actor, name=name, channel=body.channel,
                                  url=body.url, replace=True)


@router.delete("/endpoints/{name}")
def remove_endpoint(ctx: ContextDep, actor: ActorDep, name: str) -> EndpointView:
    """Remove a destination (admins only; audited): deliveries still waiting for it are
    dead-lettered at their next attempt."""
    return endpoints.remove_endpoint(ctx=ctx, actor=actor, name=name)
