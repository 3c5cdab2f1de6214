"""Service credits a page at a time, oldest first (services.paging): `credit list`, GET
/credits and GET /cases/{id}/credits."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field
from sqlalchemy import select

from escalada.adapters.db.tables import CaseRow, CreditRow
from escalada.services.context import Context
from escalada.services.credits import CreditView, credit_views_of
from escalada.services.paging import Order, Page, PageQuery, sql_page, validated
from escalada.services.repositories import load_account, load_case

_ORDER = Order("credits", (CreditRow.id,), ("int",))


class CreditsQuery(PageQuery):
    case: str | None = Field(default=None, min_length=1, max_length=30,
                             description="only this case's credits")
    account: str | None = Field(default=None, min_length=1, max_length=64,
                                description="only the credits of this account's cases")
    state: Literal["proposed", "approved", "rejected"] | None = None


def credit_page(*, ctx: Context, **query: Any) -> Page[CreditView]:
    """A page of service credits, oldest first, filtered by `case`, `account` and `state`;
    each with the level that may approve it."""
    wanted = validated(CreditsQuery, query)
    now = ctx.clock()
    with ctx.reading() as uow:
        rows = select(CreditRow, CaseRow).join(CaseRow)
        if wanted.case is not None:
            rows = rows.where(CreditRow.case_number == load_case(uow.session, wanted.case).number)
        if wanted.account is not None:
            rows = rows.where(CaseRow.account_id == load_account(uow.session, wanted.account).id)
        if wanted.state is not None:
            rows = rows.where(CreditRow.state == wanted.state)
        page = sql_page(uow.session, rows, _ORDER, wanted, lambda row: row,
                        lambda row: [row[0].id])
        return Page(credit_views_of(uow.session, page.items, ctx.policy(), now),
                    page.next_cursor)
