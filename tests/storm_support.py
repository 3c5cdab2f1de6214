"""Outage storms in the suites: accounts (Russian- and English-speaking, each with a
contact) whose cases about one service and region arrive a minute apart."""

from __future__ import annotations

from typing import Any

from examples import ADMIN, ANA

from escalada.services import cases
from escalada.services.accounts import add_account
from escalada.services.contacts import add_contact
from escalada.services.context import Context
from escalada.services.views import CaseView
from escalada.testing import FakeClock


def add_customer(ctx: Context, n: int, *, email: bool = True) -> str:
    """Account `acct-N`: even ones speak Russian, odd ones English; a contact with an
    email unless told otherwise."""
    account = f"acct-{n}"
    russian = n % 2 == 0
    add_account(ctx=ctx, actor=ADMIN, id=account, name=f"Customer {n}", tier="enterprise",
                support_plan="enterprise" if n % 3 else "business",
                language="ru" if russian else "en",
                timezone="Europe/Moscow" if russian else "UTC")
    if email:
        add_contact(ctx=ctx, actor=ANA, account_id=account, name=f"Contact {n}",
                    email=f"ops{n}@customer{n}.example")
    return account


def report(ctx: Context, account: str, *, services: tuple[str, ...] = ("rds",),
           regions: tuple[str, ...] = ("eu-central-1",), **fields: Any) -> CaseView:
    return cases.open_case(ctx=ctx, actor=ANA, account=account, severity="P1",
                           title="Database connections time out", services=list(services),
                           regions=list(regions), **fields)


def storm(ctx: Context, clock: FakeClock, accounts: int = 5, *, first: int = 1,
          minutes_apart: float = 1, email: bool = True) -> list[CaseView]:
    """One case of each of `accounts` new accounts, `minutes_apart` from each other."""
    opened = []
    for n in range(first, first + accounts):
        account = add_customer(ctx, n, email=email)
        if opened:
            clock.advance(minutes=minutes_apart)
        opened.append(report(ctx, account))
    return opened
