"""Small repositories, one per aggregate, over the unit of work's session: how use
cases load and add cases and accounts, without writing queries of their own."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalada.adapters.db.tables import AccountRow, CaseRow
from escalada.domain.model import ENDED_STATUSES
from escalada.services.records import load_account, load_case, load_open_case


class Cases:
    """Cases by reference (CASE-42): NotFound when there is none, Conflict when the
    caller expected another version, InvalidTransition when an open one is wanted."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, case_id: str, *, expected_version: int | None = None) -> CaseRow:
        return load_case(self._session, case_id, expected_version=expected_version)

    def get_open(self, case_id: str, *, expected_version: int | None = None) -> CaseRow:
        return load_open_case(self._session, case_id, expected_version=expected_version)

    def add(self, case: CaseRow) -> CaseRow:
        """Keep a new case; it has its number (and reference) once this returns."""
        self._session.add(case)
        self._session.flush()
        return case

    def open_of(self, account_id: str) -> list[CaseRow]:
        """The account's cases that are not resolved or closed, oldest first."""
        return list(self._session.scalars(
            select(CaseRow).where(CaseRow.account_id == account_id,
                                  CaseRow.status.not_in(ENDED_STATUSES))
            .order_by(CaseRow.number)))


class Accounts:
    """Accounts by id: NotFound when there is none."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, account_id: str) -> AccountRow:
        return load_account(self._session, account_id)

    def find(self, account_id: str) -> AccountRow | None:
        return self._session.get(AccountRow, account_id)

    def add(self, account: AccountRow) -> AccountRow:
        self._session.add(account)
        self._session.flush()
        return account

    def all(self) -> Sequence[AccountRow]:
        return self._session.scalars(select(AccountRow).order_by(AccountRow.id)).all()
