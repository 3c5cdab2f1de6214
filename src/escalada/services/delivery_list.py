"""The communication log and the outbox a page at a time, newest first (services.paging):
`comms log`, `outbox list`, GET /cases/{id}/communications and GET /outbox."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, Field
from sqlalchemy import select

from escalada.adapters.db.tables import CommunicationRow, OutboxRow
from escalada.domain.communications import Audience
from escalada.services.context import Context
from escalada.services.outbox import DeliveryView, delivery_view
from escalada.services.paging import Order, Page, PageQuery, sql_page, validated
from escalada.services.repositories import load_case

_ORDER = Order("deliveries", (OutboxRow.id,), ("int",), descending=True)


class DeliveryFilters(PageQuery):
    state: Literal["pending", "delivered", "dead"] | None = Field(
        default=None, description="dead: the dead letters")
    channel: Literal["email", "slack", "webhook"] | None = None
    audience: Audience | None = None
    since: AwareDatetime | None = Field(default=None, description=(
        "only deliveries queued at or after this time (ISO 8601 with offset)"))


class DeliveriesQuery(DeliveryFilters):
    case: str | None = Field(default=None, min_length=1, max_length=30,
                             description="only this case's deliveries")


def delivery_page(*, ctx: Context, **query: Any) -> Page[DeliveryView]:
    """A page of deliveries, newest first, filtered by `case`, `state`, `channel`,
    `audience` and `since`."""
    wanted = validated(DeliveriesQuery, query)
    rows = select(OutboxRow, CommunicationRow).join(
        CommunicationRow, CommunicationRow.id == OutboxRow.communication_id)
    for column, value in ((OutboxRow.state, wanted.state), (OutboxRow.channel, wanted.channel),
                          (CommunicationRow.audience, wanted.audience and wanted.audience.value)):
        if value is not None:
            rows = rows.where(column == value)
    if wanted.since is not None:
        rows = rows.where(OutboxRow.created_at >= wanted.since)
    with ctx.reading() as uow:
        if wanted.case is not None:
            rows = rows.where(OutboxRow.case_number == load_case(uow.session, wanted.case).number)
        return sql_page(uow.session, rows, _ORDER, wanted, lambda row: delivery_view(*row),
                        lambda row: [row[0].id])
