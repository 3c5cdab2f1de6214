"""Routes of /api/v1/hooks: the help desks' inbound webhooks (authenticated by their
signatures, not a bearer token) and, for people with a token, the deliveries that
failed and their replay. Each calls the same service function as the CLI."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from escalada.domain.validation import existing_id
from escalada.entrypoints.api.deps import ActorDep, ContextDep, current_actor
from escalada.entrypoints.api.language import all_told, told
from escalada.entrypoints.api.paging import PAGED, paged
from escalada.services import hooks
from escalada.services.hooks import HookDeliveriesQuery, HookDeliveryView, HookReceiptView
from escalada.services.paging import PageQuery

# The senders sign their requests: no bearer token is asked of them.
inbound = APIRouter(tags=["hooks"])
router = APIRouter(dependencies=[Depends(current_actor)], tags=["hooks"])
_REFUSALS: dict[int | str, dict[str, str]] = {
    401: {"description": "signature or timestamp invalid: not kept, nothing applied"},
    422: {"description": "signed, but cannot be applied: kept as `delivery` for replay"}}


async def _body(request: Request) -> bytes:
    return await request.body()


Body = Annotated[bytes, Depends(_body)]


def _delivery_id(delivery_id: int) -> int:
    return existing_id(delivery_id, "webhook delivery")


DeliveryId = Annotated[int, Depends(_delivery_id)]


def _receive(ctx: ContextDep, request: Request, body: bytes, source: str) -> HookReceiptView:
    return hooks.receive_hook(ctx=ctx, source=source, headers=dict(request.headers), body=body,
                              path=request.url.path,
                              query=list(request.query_params.multi_items()))


@inbound.post("/hooks/zendesk", responses=_REFUSALS)
def zendesk(ctx: ContextDep, request: Request, body: Body) -> HookReceiptView:
    """A Zendesk ticket event, signed with X-Zendesk-Webhook-Signature and
    X-Zendesk-Webhook-Signature-Timestamp (secret: ESCALADA_ZENDESK_WEBHOOK_SECRET)."""
    return _receive(ctx, request, body, "zendesk")


@inbound.post("/hooks/jira", responses=_REFUSALS)
def jira(ctx: ContextDep, request: Request, body: Body) -> HookReceiptView:
    """A Jira Service Management webhook, signed with X-Hub-Signature (secret:
    ESCALADA_JIRA_WEBHOOK_SECRET), or a Connect app's JWT with
    ESCALADA_JIRA_WEBHOOK_AUTH=jwt; X-Atlassian-Webhook-Identifier is its event id."""
    return _receive(ctx, request, body, "jira")


@inbound.post("/hooks/generic", responses=_REFUSALS)
def generic(ctx: ContextDep, request: Request, body: Body) -> HookReceiptView:
    """escalada's own ticket document, signed with X-Escalada-Timestamp and
    X-Escalada-Signature (secret: ESCALADA_GENERIC_WEBHOOK_SECRET)."""
    return _receive(ctx, request, body, "generic")


@router.get("/hooks/failed", responses=PAGED)
def failed(
    ctx: ContextDep, actor: ActorDep, query: Annotated[PageQuery, Query()],
    request: Request, response: Response,
) -> list[HookDeliveryView]:
    """Deliveries that could not be applied, newest first, with what is wrong (a page:
    `GET /hooks/deliveries?state=failed`)."""
    page = hooks.delivery_page(ctx=ctx, actor=actor, state=hooks.FAILED,
                               **query.model_dump(exclude_none=True))
    return all_told(paged(page, request, response), request)


@router.get("/hooks/deliveries", responses=PAGED)
def deliveries(
    ctx: ContextDep, actor: ActorDep, query: Annotated[HookDeliveriesQuery, Query()],
    request: Request, response: Response,
) -> list[HookDeliveryView]:
    """Every delivery received, newest first (a page; `state`, `source` to filter)."""
    page = hooks.delivery_page(ctx=ctx, actor=actor, **query.model_dump(exclude_none=True))
    return all_told(paged(page, request, response), request)


@router.get("/hooks/deliveries/{delivery_id}")
def delivery(ctx: ContextDep, actor: ActorDep, delivery_id: DeliveryId, request: Request
             ) -> HookDeliveryView:
    """One delivery; its outcome and what is wrong in the reader's language."""
    return told(hooks.show_delivery(ctx=ctx, actor=actor, delivery_id=delivery_id), request)


@router.post("/hooks/deliveries/{delivery_id}/replay",
             responses={422: {"description": "still cannot be applied: stays failed"}})
def replay(ctx: ContextDep, actor: ActorDep, delivery_id: DeliveryId, request: Request
           ) -> HookReceiptView:
    """Apply a failed delivery again with the mapping in force now."""
    return told(hooks.replay_delivery(ctx=ctx, actor=actor, delivery_id=delivery_id), request)
