"""Accounts: the customers whose cases escalada coordinates."""

from __future__ import annotations

from decimal import Decimal

from pydantic import ValidationError
from sqlalchemy import select

from escalada.adapters.db.tables import AccountRow, CalendarRow
from escalada.domain.errors import AlreadyExists, NotFound
from escalada.domain.snapshot import AccountSnapshot
from escalada.domain.validation import invalid_input
from escalada.services.authz import can_configure
from escalada.services.context import Actor, Context
from escalada.services.records import account_view, load_account
from escalada.services.views import AccountView


def add_account(
    *,
    ctx: Context,
    actor: Actor,
    id: str,
    name: str,
    tier: str,
    support_plan: str,
    timezone: str = "UTC",
    country: str | None = None,
    language: str = "en",
    health_score: float | None = None,
    monthly_fee_usd: Decimal | str | None = None,
    calendar: str | None = None,
) -> AccountView:
    """Register a customer account (on a stored business calendar, when named)."""
    can_configure(actor, "adding accounts")
    try:
        account = AccountSnapshot(
            id=id, name=name, tier=tier, support_plan=support_plan,
            timezone=timezone, country=country, language=language,
            health_score=health_score, monthly_fee_usd=monthly_fee_usd,
        )
    except ValidationError as error:
        raise invalid_input(error) from error
    with ctx.unit_of_work() as uow:
        if uow.session.get(AccountRow, account.id) is not None:
            raise AlreadyExists(f"account {account.id!r} exists already")
        if calendar is not None and uow.session.get(CalendarRow, calendar) is None:
            raise NotFound(f"no calendar {calendar!r} (see `escalada calendar list`)")
        row = AccountRow(**account.model_dump(exclude={"calendar"}),
                         calendar_name=calendar, created_at=ctx.clock())
        uow.session.add(row)
        uow.commit()
        uow.session.refresh(row)
        return account_view(row)


def list_accounts(*, ctx: Context) -> list[AccountView]:
    with ctx.unit_of_work() as uow:
        rows = uow.session.scalars(select(AccountRow).order_by(AccountRow.id))
        return [account_view(row) for row in rows]


def get_account(*, ctx: Context, account_id: str) -> AccountView:
    with ctx.unit_of_work() as uow:
        return account_view(load_account(uow.session, account_id))
