"""How many cases are open at each technical tier and executive level: the board's
groups, counted in the database (one GROUP BY over the open cases)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from escalada.adapters.db.tables import CaseRow
from escalada.domain.model import ENDED_STATUSES, ExecLevel, Tier
from escalada.services.authz import can_read
from escalada.services.context import Actor, Context


@dataclass(frozen=True)
class OpenCounts:
    """Open cases by tier (every tier, zero included) and by executive level (`None`: no
    executive engaged)."""

    total: int = 0
    by_tier: dict[str, int] = field(default_factory=dict)
    by_level: dict[str | None, int] = field(default_factory=dict)


def open_counts(*, ctx: Context, actor: Actor) -> OpenCounts:
    can_read(actor)
    with ctx.reading() as uow:
        rows = uow.session.execute(
            select(CaseRow.tier, CaseRow.exec_level, func.count())
            .where(CaseRow.status.not_in(ENDED_STATUSES))
            .group_by(CaseRow.tier, CaseRow.exec_level)).all()
    by_tier: dict[str, int] = dict.fromkeys(Tier, 0)
    by_level: dict[str | None, int] = {None: 0, **dict.fromkeys(ExecLevel, 0)}
    total = 0
    for tier, level, count in rows:
        by_tier[tier] = by_tier.get(tier, 0) + count
        by_level[level] = by_level.get(level, 0) + count
        total += count
    return OpenCounts(total, {str(k): v for k, v in by_tier.items()},
                      {None if k is None else str(k): v for k, v in by_level.items()})
