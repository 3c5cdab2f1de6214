"""The portfolio: every account with its kept health score, band and trend, its open
escalations and its last escalation, worst health first (or by name). A page at a time
with `services.account_list.portfolio_page`; whole here."""

from __future__ import annotations

from typing import Literal

from escalada.services.account_list import portfolio_page
from escalada.services.context import Actor, Context
from escalada.services.health_views import PortfolioEntry
from escalada.services.paging import every_item

Sort = Literal["health", "name"]


def portfolio(*, ctx: Context, actor: Actor, sort: Sort = "health") -> list[PortfolioEntry]:
    """The accounts as a manager reads them: by health, worst first (accounts without a
    kept score last), or by name."""
    return list(every_item(portfolio_page, ctx=ctx, actor=actor, sort=sort))
