"""Opening a case in the integration suites: the admin adds the account, Ana opens a P1.

By default the account is Acme Corp (`acme`), an enterprise account on the enterprise plan,
and the case "Volumes detach under load"; each suite names what it does differently.
"""

from __future__ import annotations

from typing import Any

from examples import ADMIN, ANA

from escalada.services import cases
from escalada.services.accounts import add_account
from escalada.services.context import Actor, Context
from escalada.services.views import CaseView


def open_case(
    ctx: Context, *, account: str = "acme", name: str = "Acme Corp", tier: str = "enterprise",
    support_plan: str = "enterprise", account_fields: dict[str, Any] | None = None,
    new_account: bool = True, actor: Actor = ANA, severity: str = "P1",
    title: str = "Volumes detach under load", **fields: Any,
) -> CaseView:
    """A case of `account`, added first (with `account_fields`) unless `new_account` is False."""
    if new_account:
        add_account(ctx=ctx, actor=ADMIN, id=account, name=name, tier=tier,
                    support_plan=support_plan, **(account_fields or {}))
    return cases.open_case(ctx=ctx, actor=actor, account=account, severity=severity, title=title,
                           **fields)
