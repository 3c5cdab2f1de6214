"""The accounts a page at a time, each with its standing: the health band and trend of its
newest kept scores, its open escalations and its last escalation. `GET /accounts` and
`escalada account list` list them whole (the account's fields and its standing); the
portfolio (`GET /portfolio`, `escalada accounts`) lists the same pages as a manager reads
them. Filtered, sorted and paged in the database (services.paging)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any, Literal, TypeVar

from pydantic import AwareDatetime, Field
from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from escalada.adapters.db.tables import AccountRow, CaseRow, EscalationRow, HealthScoreRow
from escalada.domain.errors import InvalidInput
from escalada.domain.model import ENDED_STATUSES, AccountTier, SupportPlan
from escalada.services.authz import can_read
from escalada.services.context import Actor, Context
from escalada.services.health_views import PortfolioEntry, number
from escalada.services.paging import Order, Page, PageQuery, containing, sql_page, validated
from escalada.services.records import account_view
from escalada.services.views import AccountView, View

T = TypeVar("T")
Sort = Literal["id", "name", "health"]


class AccountsQuery(PageQuery):
    name: str | None = Field(default=None, min_length=1, max_length=200, description=(
        "accounts whose name or id contains this (any case of ASCII letters)"))
    tier: AccountTier | None = None
    support_plan: SupportPlan | None = None
    band: str | None = Field(default=None, min_length=1, max_length=60, description=(
        "accounts whose newest kept health score is in this band (the policy's keys, e.g. "
        "excellent, good, at_risk, critical)"))
    sort: Sort = Field(default="id", description=(
        "id; name; or health: the newest kept score, worst first, accounts without one last"))


class PortfolioQuery(AccountsQuery):
    sort: Sort = Field(default="health", description=(
        "health: the newest kept score, worst first, accounts without one last; name; id"))


class Standing(View):
    """An account's health and escalations as the portfolio shows them."""

    health_band: str | None
    health_trend: str | None  # up | down | flat, against the score kept before; None: none
    open_escalations: int
    last_escalation_at: AwareDatetime | None


class AccountListItem(AccountView):
    """An account as lists show it: its fields (GET /accounts/{id}) and its standing."""

    health_band: str | None
    health_trend: str | None
    open_escalations: int
    last_escalation_at: AwareDatetime | None


_NO_SCORE_LAST = case((AccountRow.health_score.is_(None), 1), else_=0)
_ORDERS = {
    "id": Order("id", (AccountRow.id,), ("text",)),
    "name": Order("name", (func.lower(AccountRow.name), AccountRow.id), ("text", "text")),
    "health": Order("health", (_NO_SCORE_LAST, func.coalesce(AccountRow.health_score, 0.0),
                               AccountRow.id), ("int", "float", "text")),
}
_KEYS: dict[str, Callable[[AccountRow], list[Any]]] = {
    "id": lambda row: [row.id],
    "name": lambda row: [row.name.lower(), row.id],
    "health": lambda row: [int(row.health_score is None), row.health_score or 0.0, row.id],
}


def account_page(*, ctx: Context, **query: Any) -> Page[AccountListItem]:
    """A page of accounts (`limit`, default 50, after `cursor`), filtered by `name`, `tier`,
    `support_plan` and health `band`, sorted by `sort` (id, name or health)."""
    return _page(ctx, validated(AccountsQuery, query),
                 lambda row, standing: AccountListItem.model_validate(
        {**account_view(row).model_dump(), **standing.model_dump()}))


def portfolio_page(*, ctx: Context, actor: Actor, **query: Any) -> Page[PortfolioEntry]:
    """The same page as the portfolio shows it (by health unless `sort` says otherwise)."""
    can_read(actor)
    return _page(ctx, validated(PortfolioQuery, query),
                 lambda row, standing: PortfolioEntry.model_validate({
        "account": row.id, "name": row.name, "tier": row.tier,
        "score": row.health_score, "band": standing.health_band,
        "trend": standing.health_trend, "open_escalations": standing.open_escalations,
        "last_escalation_at": standing.last_escalation_at}))


def _page(ctx: Context, wanted: AccountsQuery,
          item: Callable[[AccountRow, Standing], T]) -> Page[T]:
    bands = [band.key for band in ctx.policy().health.bands]
    if wanted.band is not None and wanted.band not in bands:
        raise InvalidInput.of("band", "must be one of {bands}", bands=", ".join(bands))
    with ctx.reading() as uow:
        page = sql_page(uow.session, _filtered(wanted), _ORDERS[wanted.sort], wanted,
                        lambda row: row, _KEYS[wanted.sort])
        standing = standings(uow.session, [row.id for row in page.items])
        return Page([item(row, standing[row.id]) for row in page.items], page.next_cursor)


def _filtered(wanted: AccountsQuery) -> Select[Any]:
    rows = select(AccountRow)
    if wanted.name is not None:
        pattern = containing(wanted.name)
        rows = rows.where(func.lower(AccountRow.name).like(pattern, escape="\\")
                          | func.lower(AccountRow.id).like(pattern, escape="\\"))
    if wanted.tier is not None:
        rows = rows.where(AccountRow.tier == wanted.tier.value)
    if wanted.support_plan is not None:
        rows = rows.where(AccountRow.support_plan == wanted.support_plan.value)
    if wanted.band is not None:
        newest = _newest()
        rows = rows.where(AccountRow.id.in_(select(newest.c.account_id).where(
            newest.c.n == 1, newest.c.band == wanted.band)))
    return rows


def _newest() -> Any:
    """Each account's kept scores numbered from the newest (n = 1)."""
    return select(HealthScoreRow.account_id, HealthScoreRow.score, HealthScoreRow.band,
                  func.row_number().over(
                      partition_by=HealthScoreRow.account_id,
                      order_by=(HealthScoreRow.at.desc(), HealthScoreRow.id.desc())).label("n")
                  ).subquery("newest")


def standings(session: Session, account_ids: Collection[str]) -> dict[str, Standing]:
    """Each account's band and trend (its two newest kept scores), open escalations (open
    cases above T1 or at an executive level) and last step up, in three statements."""
    if not account_ids:
        return {}
    ids = list(account_ids)
    newest = _newest()
    kept: dict[str, list[tuple[Any, str | None]]] = {}
    for account_id, score, band, _ in session.execute(
            select(newest).where(newest.c.n <= 2, newest.c.account_id.in_(ids))
            .order_by(newest.c.account_id, newest.c.n)):
        kept.setdefault(account_id, []).append((score, band))
    open_escalations = dict(session.execute(
        select(CaseRow.account_id, func.count()).where(
            CaseRow.account_id.in_(ids), CaseRow.status.not_in(ENDED_STATUSES),
            (CaseRow.exec_level.is_not(None)) | (CaseRow.tier != "T1"))
        .group_by(CaseRow.account_id)).all())
    last_escalation: dict[str, datetime] = dict(session.execute(
        select(CaseRow.account_id, func.max(EscalationRow.requested_at))
        .join(EscalationRow, EscalationRow.case_number == CaseRow.number)
        .where(CaseRow.account_id.in_(ids), EscalationRow.direction == "up")
        .group_by(CaseRow.account_id)).all())
    return {account_id: Standing(
        health_band=kept[account_id][0][1] if account_id in kept else None,
        health_trend=_trend(kept.get(account_id, [])),
        open_escalations=open_escalations.get(account_id, 0),
        last_escalation_at=last_escalation.get(account_id)) for account_id in ids}


def _trend(kept: list[tuple[Any, str | None]]) -> str | None:
    if len(kept) < 2 or kept[0][0] is None or kept[1][0] is None:
        return None
    newer, older = number(kept[0][0]), number(kept[1][0])
    assert newer is not None and older is not None
    return "up" if newer > older else "down" if newer < older else "flat"
