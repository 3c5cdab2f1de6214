"""The account log: who added or changed an account or its contacts, when, why, and the
fields before and after. Appended in the transaction of the change, never changed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalada.adapters.db.tables import AccountLogRow
from escalada.services.context import Actor, Context
from escalada.services.repositories import load_account
from escalada.services.views import AccountLogEntryView


def log_account(
    session: Session, account_id: str, *, actor: Actor, at: datetime, kind: str,
    summary: str, reason: str | None = None, data: dict[str, Any] | None = None,
) -> None:
    """Append an entry to the account's log (committed with the change it records)."""
    session.add(AccountLogRow(account_id=account_id, at=at, actor=actor.name, kind=kind,
                              summary=summary, reason=reason, data=data or {}))


def account_history(*, ctx: Context, account_id: str) -> list[AccountLogEntryView]:
    """The account's log, oldest first."""
    with ctx.reading() as uow:
        load_account(uow.session, account_id)
        rows = uow.session.scalars(select(AccountLogRow).where(
            AccountLogRow.account_id == account_id).order_by(AccountLogRow.id))
        return [AccountLogEntryView.model_validate(row, from_attributes=True) for row in rows]
