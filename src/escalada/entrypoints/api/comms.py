"""Routes of /api/v1 for communications: messages received on a case, drafts in the
customer's language, sending through the outbox and the communication log. Each calls
the same service function as the CLI."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from escalada.domain.snapshot import AwareDatetime
from escalada.domain.validation import Label, MessageBody, Note
from escalada.entrypoints.api.deps import (
    ActorDep,
    ContextDep,
    DeliveryId,
    DraftId,
    current_actor,
)
from escalada.entrypoints.api.language import all_told, told
from escalada.entrypoints.api.paging import PAGED, paged
from escalada.services import delivery_list, drafting, inbound_messages, outbox
from escalada.services.delivery_list import DeliveriesQuery, DeliveryFilters
from escalada.services.drafting import DraftsQuery, DraftView
from escalada.services.inbound_messages import MessagesQuery, MessageView
from escalada.services.outbox import DeliveryView, OutboxStatusView

router = APIRouter(dependencies=[Depends(current_actor)], tags=["communications"])


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    sender: Literal["customer", "vendor", "internal"] = Field(
        default="customer", alias="from", description="who wrote it")
    text: MessageBody
    author: Label | None = None
    received_at: AwareDatetime | None = Field(default=None, description="now when left out")


class DraftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(description="acknowledgment, progress_update, resolution, "
                                  "executive_acknowledgment, handoff, vendor_escalation, or "
                                  "an operator template's kind")
    lang: Literal["auto", "en", "ru"] = "auto"
    status: str | None = Field(
        default=None, description="a progress update's: INVESTIGATING, MITIGATING, RESOLVED, "
                                  "MONITORING")
    fields: dict[Label, Note] = Field(
        default_factory=dict, description="parts written in, e.g. root_cause, request")
    timezone: str | None = Field(default=None, description="the reader's IANA time zone")


class SendIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: Literal["email", "slack", "webhook"]
    to: str = Field(description="email addresses; for slack a #channel, a channel id or "
                                "an endpoint's name; for webhook an endpoint's name "
                                "(GET /endpoints): never a URL")
    idempotency_key: Label | None = Field(
        default=None, description="default: one per draft, channel and recipient")
    deliver_now: bool = Field(default=True, description="try at once, else leave to workers")


@router.post("/cases/{case_id}/messages", status_code=201)
def record_message(
    ctx: ContextDep, actor: ActorDep, case_id: str, body: MessageIn
) -> MessageView:
    """Record a message received on the case, with its detected language."""
    return inbound_messages.record_message(
        ctx=ctx, actor=actor, case_id=case_id, sender=body.sender, text=body.text,
        author=body.author, received_at=body.received_at)


@router.get("/cases/{case_id}/messages", responses=PAGED)
def case_messages(
    ctx: ContextDep, case_id: str, query: Annotated[MessagesQuery, Query()],
    request: Request, response: Response,
) -> list[MessageView]:
    """The messages received on the case, oldest first (a page; `from`, `language`,
    `since` to filter)."""
    page = inbound_messages.message_page(ctx=ctx, case_id=case_id,
                                         **query.model_dump(exclude_none=True))
    return paged(page, request, response)


@router.post("/cases/{case_id}/drafts", status_code=201)
def draft(ctx: ContextDep, actor: ActorDep, case_id: str, body: DraftIn,
          request: Request) -> DraftView:
    """Draft a message from the case; `language_reason` says why its language (in the
    reader's: Accept-Language, else the user's setting)."""
    return told(drafting.draft_message(
        ctx=ctx, actor=actor, case_id=case_id, kind=body.kind, language=body.lang,
        status=body.status, fields=body.fields, timezone=body.timezone), request)


@router.get("/cases/{case_id}/drafts", responses=PAGED)
def case_drafts(
    ctx: ContextDep, case_id: str, query: Annotated[DraftsQuery, Query()], request: Request,
    response: Response,
) -> list[DraftView]:
    """The case's drafts, newest first (a page; `kind`, `language`, `sent` to filter)."""
    page = drafting.draft_page(ctx=ctx, case_id=case_id, **query.model_dump(exclude_none=True))
    return all_told(paged(page, request, response), request)


@router.get("/drafts/{draft_id}")
def show_draft(ctx: ContextDep, draft_id: DraftId, request: Request) -> DraftView:
    return told(drafting.show_draft(ctx=ctx, draft_id=draft_id), request)


@router.post("/drafts/{draft_id}/send", status_code=201)
def send(ctx: ContextDep, actor: ActorDep, draft_id: DraftId, body: SendIn) -> DeliveryView:
    """Send a draft through the outbox; sending the same again returns the same delivery."""
    return outbox.send_draft(ctx=ctx, actor=actor, draft_id=draft_id, channel=body.channel,
                             to=body.to, idempotency_key=body.idempotency_key,
                             deliver_now=body.deliver_now)


@router.get("/cases/{case_id}/communications", responses=PAGED)
def communication_log(
    ctx: ContextDep, case_id: str, query: Annotated[DeliveryFilters, Query()],
    request: Request, response: Response,
) -> list[DeliveryView]:
    """Every message sent on the case, newest first: channel, audience, language, delivery
    state (a page; `state`, `channel`, `audience`, `since` to filter)."""
    page = delivery_list.delivery_page(ctx=ctx, case=case_id,
                                       **query.model_dump(exclude_none=True))
    return paged(page, request, response)


@router.get("/outbox", responses=PAGED)
def list_outbox(
    ctx: ContextDep, query: Annotated[DeliveriesQuery, Query()], request: Request,
    response: Response,
) -> list[DeliveryView]:
    """Deliveries, newest first (a page; `state=dead` for the dead letters)."""
    page = delivery_list.delivery_page(ctx=ctx, **query.model_dump(exclude_none=True))
    return paged(page, request, response)


@router.get("/outbox/status")
def outbox_status(ctx: ContextDep) -> OutboxStatusView:
    """Deliveries by state, those overdue (no worker), and the dead letters."""
    return outbox.outbox_status(ctx=ctx)


@router.post("/outbox/{delivery_id}/retry")
def retry(ctx: ContextDep, actor: ActorDep, delivery_id: DeliveryId) -> DeliveryView:
    """Send a dead-lettered delivery again, with its attempts counted anew."""
    return outbox.retry_delivery(ctx=ctx, actor=actor, delivery_id=delivery_id)


@router.get("/templates")
def templates(ctx: ContextDep) -> dict[str, dict[str, str]]:
    """Message kinds and, per language, whether the template is built in or the operator's."""
    return drafting.template_sources(ctx.settings())
