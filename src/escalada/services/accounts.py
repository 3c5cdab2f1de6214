"""Accounts: the customers whose cases escalada coordinates."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from escalada.adapters.db.tables import AccountRow, CalendarRow, HealthRefreshRow
from escalada.domain.errors import AlreadyExists, InvalidInput, NotFound
from escalada.domain.snapshot import AccountSnapshot
from escalada.domain.validation import invalid_input
from escalada.domain.words import Words
from escalada.services.account_log import log_account
from escalada.services.authz import can_configure
from escalada.services.context import Actor, Context
from escalada.services.records import account_snapshot, account_view, record
from escalada.services.views import AccountView

# What `account update` / PATCH may change; the id is for good, the calendar has its
# own command (`account calendar`, then `sla recompute`), and the health score is
# computed (`escalada health`).
CHANGEABLE = ("name", "tier", "support_plan", "timezone", "country", "language",
              "monthly_fee_usd")
HEALTH_IS_COMPUTED = ("is computed from the account's records and entered inputs, not typed: "
                      "enter inputs with `escalada health input` (POST /api/v1/accounts/{id}/"
                      "health/inputs) and keep a score with `escalada health keep`")


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
    monthly_fee_usd: Decimal | str | None = None,
    calendar: str | None = None,
) -> AccountView:
    """Register a customer account (on a stored business calendar, when named)."""
    can_configure(actor, "adding accounts")
    try:
        account = AccountSnapshot(
            id=id, name=name, tier=tier, support_plan=support_plan,
            timezone=timezone, country=country, language=language,
            monthly_fee_usd=monthly_fee_usd,
        )
    except ValidationError as error:
        raise invalid_input(error) from error
    with ctx.unit_of_work() as uow:
        if uow.accounts.find(account.id) is not None:
            raise AlreadyExists.of("account {id!r} exists already", id=account.id)
        if calendar is not None and uow.session.get(CalendarRow, calendar) is None:
            raise NotFound.of("no calendar {calendar!r} (see `escalada calendar list`)",
                              calendar=calendar)
        row = AccountRow(**account.model_dump(exclude={"calendar"}),
                         calendar_name=calendar, created_at=ctx.clock())
        uow.accounts.add(row)  # flushed: the log refers to it
        # The workers compute and keep its health score at once, then periodically.
        uow.session.add(HealthRefreshRow(account_id=row.id, due_at=row.created_at, attempts=0))
        log_account(uow.session, account.id, actor=actor, at=row.created_at,
                    kind="account_added",
                    summary=Words("account added: {name}", name=account.name),
                    data={"account": account.model_dump(mode="json", exclude={"calendar"}),
                          "calendar": calendar})
        uow.commit()
        uow.session.refresh(row)
        return account_view(row)


def get_account(*, ctx: Context, account_id: str) -> AccountView:
    with ctx.reading() as uow:
        return account_view(uow.accounts.get(account_id))


def update_account(
    *, ctx: Context, actor: Actor, account_id: str, changes: Mapping[str, Any],
    reason: str | None = None,
) -> AccountView:
    """Change an account's fields (validated as when it was added; null clears an optional
    one). The change goes on the account's log and on the timeline of each of its open
    cases, whose clocks and criteria read the account, and whose timers are planned again."""
    can_configure(actor, "changing accounts")
    if "health_score" in changes:
        raise InvalidInput.of("health_score", HEALTH_IS_COMPUTED)
    unknown = sorted(set(changes) - set(CHANGEABLE))
    if unknown:
        raise InvalidInput([(name, f"cannot be changed; the fields are {', '.join(CHANGEABLE)}")
                            for name in unknown])
    if not changes:
        raise InvalidInput.of("changes", "name at least one of {changeable}",
                              changeable=', '.join(CHANGEABLE))
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        row = uow.accounts.get(account_id)
        diff = _apply(row, changes)
        if not diff:
            raise InvalidInput.of("changes", "account {account_id} has these values already",
                                  account_id=account_id)
        parts = [Words("{name} {before} -> {after}", name=name,
                       before=str(_shown(values["before"])), after=str(_shown(values["after"])))
                 for name, values in diff.items()]
        told = parts[0]
        for part in parts[1:]:
            told = Words("{first}; {then}", first=told, then=part)
        summary = Words("account changed: {changes}", changes=told)
        log_account(uow.session, row.id, actor=actor, at=now, kind="account_updated",
                    summary=summary, reason=reason, data={"changes": diff})
        for case in uow.cases.open_of(row.id):
            record(uow.session, case, actor=actor, at=now, kind="account_updated",
                   summary=summary, reason=reason, data={"changes": diff})
        uow.commit()
        uow.session.refresh(row)
        return account_view(row)


def _apply(row: AccountRow, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Validate the account as it would be, write it, and return what moved."""
    before = account_snapshot(row)
    try:
        after = AccountSnapshot.model_validate(
            {**before.model_dump(exclude={"calendar"}), **fields})
    except ValidationError as error:
        raise invalid_input(error) from error
    old, new = before.model_dump(mode="json"), after.model_dump(mode="json")
    diff = {name: {"before": old[name], "after": new[name]}
            for name in fields if old[name] != new[name]}
    for name in diff:
        setattr(row, name, getattr(after, name))
    return diff


def _shown(value: Any) -> str:
    return "(none)" if value is None else str(value)
