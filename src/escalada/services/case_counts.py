"""How many cases are open at each technical tier and executive level, and how many of
them have an SLA target past due: one grouped query, for /metrics at scrape time."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select

from escalada.adapters.db.tables import CaseRow
from escalada.domain.model import ENDED_STATUSES
from escalada.services.context import Context


@dataclass(frozen=True)
class OpenCaseCount:
    """Open cases at one tier and level (`None`: no executive level engaged)."""

    tier: str
    level: str | None
    open: int
    sla_breached: int


def open_case_counts(*, ctx: Context) -> list[OpenCaseCount]:
    """Open cases by tier and level; breached: the next SLA target's due time is past."""
    now = ctx.clock()
    breached = func.coalesce(func.sum(case((CaseRow.sla_due_at < now, 1), else_=0)), 0)
    query = (select(CaseRow.tier, CaseRow.exec_level, func.count(), breached)
             .where(CaseRow.status.not_in(ENDED_STATUSES))
             .group_by(CaseRow.tier, CaseRow.exec_level))
    with ctx.reading() as uow:
        rows = uow.session.execute(query).all()
    return [OpenCaseCount(tier, level, int(count), int(late))
            for tier, level, count, late in rows]
