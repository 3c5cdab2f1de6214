"""A case's timeline a page at a time, oldest first, by kind and from a time."""

from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime, Field
from sqlalchemy import select

from escalada.adapters.db.tables import TimelineRow
from escalada.services.context import Context
from escalada.services.paging import Order, Page, PageQuery, sql_page, validated
from escalada.services.records import timeline_view
from escalada.services.views import TimelineEntryView

_ORDER = Order("timeline", (TimelineRow.id,), ("int",))


class TimelineQuery(PageQuery):
    kind: str | None = Field(default=None, min_length=1, max_length=40, description=(
        "only entries of this kind, e.g. escalated, acknowledged, message_sent"))
    since: AwareDatetime | None = Field(default=None, description=(
        "only entries at or after this time (ISO 8601 with offset)"))


def timeline_page(*, ctx: Context, case_id: str, **query: Any) -> Page[TimelineEntryView]:
    """A page of the case's timeline, oldest first (`limit`, default 50, after `cursor`),
    only entries of `kind` and at or after `since` when given."""
    wanted = validated(TimelineQuery, query)
    with ctx.reading() as uow:
        case = uow.cases.get(case_id)
        rows = select(TimelineRow).where(TimelineRow.case_number == case.number)
        if wanted.kind is not None:
            rows = rows.where(TimelineRow.kind == wanted.kind)
        if wanted.since is not None:
            rows = rows.where(TimelineRow.at >= wanted.since)
        return sql_page(uow.session, rows, _ORDER, wanted, timeline_view, lambda row: [row.id])
