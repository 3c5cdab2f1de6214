"""Small repositories, one per aggregate, over the unit of work's session: how use
cases load and add cases and accounts, without writing queries of their own."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any, TypeVar, cast

from sqlalchemy import Table, inspect, select
from sqlalchemy.orm import ColumnProperty, Session, class_mapper, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from escalada.adapters.db import reads
from escalada.adapters.db.inserts import RowInsert
from escalada.adapters.db.plain import Reader
from escalada.adapters.db.reads import Record
from escalada.adapters.db.tables import AccountRow, CaseRow
from escalada.domain.case_status import require_open
from escalada.domain.errors import NotFound, StaleVersion
from escalada.domain.model import ENDED_STATUSES
from escalada.domain.snapshot import ACCOUNT_ID_PATTERN
from escalada.services.case_ids import case_number as case_number
from escalada.services.case_ids import stored_number as _stored

_ACCOUNT_ID = re.compile(ACCOUNT_ID_PATTERN)


def load_case(
    session: Session, case_id: str, *, expected_version: int | None = None
) -> CaseRow:
    number = case_number(case_id)
    case = session.get(CaseRow, number) if _stored(number) else None
    if case is None:
        raise NotFound.of("no case {case_id}", case_id=case_id)
    if expected_version is not None and case.version != expected_version:
        raise StaleVersion.of("{case} is at version {version}, not {expected_version}: "
                              "someone else changed it; reload and try again", case=case.ref,
                              version=case.version, expected_version=expected_version)
    return case


def load_open_case(
    session: Session, case_id: str, *, expected_version: int | None = None
) -> CaseRow:
    case = load_case(session, case_id, expected_version=expected_version)
    require_open(case.ref, case.status)
    return case


def load_account(session: Session, account_id: str) -> AccountRow:
    account = session.get(AccountRow, account_id) if _ACCOUNT_ID.match(account_id) else None
    if account is None:
        raise NotFound.of("no account {account_id!r}", account_id=account_id)
    return account


def read_account(session: Session, account_id: str, now: datetime) -> tuple[Record, int]:
    """The account as plain values (adapters.db.reads, in the session's transaction), for
    a use case that only reads it (opening a case), with how many cases it opened in the
    30 days up to `now`: one statement, no ORM object to build and track."""
    found = (reads.account_counting(Reader.of_session(session), account_id, now)
             if _ACCOUNT_ID.match(account_id) else None)
    if found is None:
        raise NotFound.of("no account {account_id!r}", account_id=account_id)
    return found


R = TypeVar("R")


def detached_row(row_class: type[R], columns: dict[str, Any]) -> R:
    """A row object of `row_class` holding `columns`, outside any session, its attributes
    written at once as the ORM writes those of a row it loads: the constructor fires an
    event for each keyword, which nothing listens for on a row outside a session (a
    case's twenty-odd columns cost six times as much that way)."""
    # class_mapper configures the mappers if nothing has yet (a fresh `escalada case
    # open` builds its case before any query): inspect() alone would leave the row's
    # relationships without their attribute implementations.
    row: R = class_mapper(row_class).class_manager.new_instance()
    vars(row).update(columns)
    return row


def new_case(**columns: Any) -> CaseRow:
    """A case about to be opened (`Cases.add`), holding `columns`, with no pauses or
    steps yet (nothing to load back), built as `detached_row` builds a row."""
    case = detached_row(CaseRow, columns)
    set_committed_value(case, "pauses", [])
    set_committed_value(case, "escalations", [])
    return case


@cache
def _inserting(filled: tuple[ColumnProperty[Any], ...]) -> RowInsert:
    """The INSERT of a new case returning `filled`: built once for each set of columns the
    database fills in."""
    return RowInsert(cast(Table, CaseRow.__table__),
                     returning=[prop.columns[0].key for prop in filled])


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
        """Keep a new case; it has its number (and reference) once this returns. It is
        written at once, by one INSERT on the driver's cursor (adapters.db.inserts; the
        ORM's flush of a single new row cost more than the rest of the opening's
        statements), and kept in the session as loaded: a later change to it is an
        UPDATE, checked against its version."""
        state = inspect(case)
        mapper = state.mapper
        given = {prop.columns[0].key: state.dict[prop.key] for prop in mapper.column_attrs
                 if prop.key in state.dict}
        # What the database fills in: the number, and the columns left to their default.
        filled = tuple(prop for prop in mapper.column_attrs if prop.key not in state.dict)
        (row,) = _inserting(filled).run(self._session.connection(), [given])
        for prop, value in zip(filled, row, strict=True):
            setattr(case, prop.key, value)
        make_transient_to_detached(case)
        self._session.add(case)
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
        self._loaded: dict[str, AccountRow] = {}

    def get(self, account_id: str) -> AccountRow:
        # Held for the unit of work, so that reading it again (a case's snapshot) finds
        # it in the session's identity map instead of asking the database.
        account = self._loaded[account_id] = load_account(self._session, account_id)
        return account

    def find(self, account_id: str) -> AccountRow | None:
        return self._session.get(AccountRow, account_id)

    def add(self, account: AccountRow) -> AccountRow:
        self._session.add(account)
        self._session.flush()
        return account

    def all(self) -> Sequence[AccountRow]:
        return self._session.scalars(select(AccountRow).order_by(AccountRow.id)).all()
