"""The portfolio: every account with its kept health score, band and trend, its open
escalations and its last escalation, worst health first (or by name)."""

from __future__ import annotations

from typing import Literal

from sqlalchemy import func, select

from escalada.adapters.db.tables import AccountRow, CaseRow, EscalationRow, HealthScoreRow
from escalada.domain.model import ENDED_STATUSES
from escalada.services.authz import can_read
from escalada.services.context import Actor, Context
from escalada.services.health_views import PortfolioEntry, number

Sort = Literal["health", "name"]


def portfolio(*, ctx: Context, actor: Actor, sort: Sort = "health") -> list[PortfolioEntry]:
    """The accounts as a manager reads them: by health, worst first (accounts without a
    kept score last), or by name."""
    can_read(actor)
    with ctx.reading() as uow:
        session = uow.session
        kept: dict[str, list[HealthScoreRow]] = {}
        ranked = select(HealthScoreRow, func.row_number().over(
            partition_by=HealthScoreRow.account_id,
            order_by=(HealthScoreRow.at.desc(), HealthScoreRow.id.desc())).label("n")
        ).subquery()
        newest = select(HealthScoreRow).join(ranked, ranked.c.id == HealthScoreRow.id).where(
            ranked.c.n <= 2).order_by(HealthScoreRow.account_id, ranked.c.n)
        for row in session.scalars(newest):
            kept.setdefault(row.account_id, []).append(row)
        open_escalations = dict(session.execute(
            select(CaseRow.account_id, func.count()).where(
                CaseRow.status.not_in(ENDED_STATUSES),
                (CaseRow.exec_level.is_not(None)) | (CaseRow.tier != "T1"))
            .group_by(CaseRow.account_id)).all())
        last_escalation = dict(session.execute(
            select(CaseRow.account_id, func.max(EscalationRow.requested_at))
            .join(EscalationRow, EscalationRow.case_number == CaseRow.number)
            .where(EscalationRow.direction == "up").group_by(CaseRow.account_id)).all())
        entries = [
            _entry(account, kept.get(account.id, []), open_escalations.get(account.id, 0),
                   last_escalation.get(account.id))
            for account in session.scalars(select(AccountRow).order_by(AccountRow.id))]
    if sort == "name":
        return sorted(entries, key=lambda e: (e.name.casefold(), e.account))
    return sorted(entries, key=lambda e: (e.score is None, e.score or 0, e.account))


def _entry(account: AccountRow, kept: list[HealthScoreRow], open_escalations: int,
           last_escalation: object) -> PortfolioEntry:
    newest = kept[0] if kept else None
    trend = None
    if len(kept) == 2 and kept[0].score is not None and kept[1].score is not None:
        trend = ("up" if kept[0].score > kept[1].score
                 else "down" if kept[0].score < kept[1].score else "flat")
    return PortfolioEntry.model_validate({
        "account": account.id, "name": account.name, "tier": account.tier,
        "score": None if newest is None else number(newest.score),
        "band": None if newest is None else newest.band, "trend": trend,
        "open_escalations": open_escalations, "last_escalation_at": last_escalation})
