"""The account log: who added or changed an account or its contacts, when, why, and the
fields before and after. Appended in the transaction of the change, never changed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalada.adapters.db.tables import AccountLogRow
from escalada.domain.words import Words
from escalada.services.context import Actor, Context
from escalada.services.paging import Order, Page, PageQuery, every_item, sql_page, validated
from escalada.services.repositories import load_account
from escalada.services.views import AccountLogEntryView


def log_account(
    session: Session, account_id: str, *, actor: Actor, at: datetime, kind: str,
    summary: str | Words, reason: str | None = None, data: dict[str, Any] | None = None,
) -> None:
    """Append an entry to the account's log (committed with the change it records); a
    summary given as Words keeps its template beside its English, for other readers."""
    session.add(AccountLogRow(account_id=account_id, at=at, actor=actor.name, kind=kind,
                              summary=str(summary), reason=reason, data=data or {},
                              words=summary.as_json() if isinstance(summary, Words) else None))


def account_history(*, ctx: Context, account_id: str) -> list[AccountLogEntryView]:
    """The account's whole log, oldest first."""
    return list(every_item(history_page, ctx=ctx, account_id=account_id))


_ORDER = Order("account_history", (AccountLogRow.id,), ("int",))


class HistoryQuery(PageQuery):
    kind: str | None = Field(default=None, min_length=1, max_length=40, description=(
        "only entries of this kind, e.g. account_updated, contact_added"))
    since: AwareDatetime | None = Field(default=None, description=(
        "only entries at or after this time (ISO 8601 with offset)"))


def history_page(*, ctx: Context, account_id: str, **query: Any) -> Page[AccountLogEntryView]:
    """A page of the account's log, oldest first (`limit`, default 50, after `cursor`),
    only entries of `kind` and at or after `since` when given."""
    wanted = validated(HistoryQuery, query)
    with ctx.reading() as uow:
        load_account(uow.session, account_id)
        rows = select(AccountLogRow).where(AccountLogRow.account_id == account_id)
        if wanted.kind is not None:
            rows = rows.where(AccountLogRow.kind == wanted.kind)
        if wanted.since is not None:
            rows = rows.where(AccountLogRow.at >= wanted.since)
        return sql_page(uow.session, rows, _ORDER, wanted, _entry, lambda row: [row.id])


def _entry(row: AccountLogRow) -> AccountLogEntryView:
    return AccountLogEntryView.model_validate(row, from_attributes=True)
