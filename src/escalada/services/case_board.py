"""The case board: cases a page at a time, as lists show them.

A page reads only the columns a list prints (no pauses, steps or JSON columns) and
continues from where the previous one stopped (keyset paging: an opaque cursor holding
the last case's sort key), so page 200 costs what page 1 costs and a case added or
changed meanwhile never shifts a page's neighbours. Filters and orders run in the
database, on indexes made for them (migration 0012).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import Row, Select, select, tuple_
from sqlalchemy.orm import Session

from escalada.adapters.db.tables import CaseRow, EscalationRow, VendorCaseRow
from escalada.adapters.vendors import VENDORS
from escalada.domain.errors import InvalidInput
from escalada.domain.model import ENDED_STATUSES, ExecLevel, Severity, Tier, case_label
from escalada.domain.snapshot import AwareDatetime, Money
from escalada.domain.validation import ID_MAX, invalid_input
from escalada.services.context import Context

DEFAULT_LIMIT, MAX_LIMIT = 50, 500
Sort = Literal["number", "sla_due", "updated"]
SORTS: tuple[str, ...] = ("number", "sla_due", "updated")
_Select: TypeAlias = "Select[*tuple[Any, ...]]"
_CURSOR_HELP = "is not a cursor this list gave; ask for the first page again"


class BoardQuery(BaseModel):
    """Which cases, in which order, how many, from where."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["open", "closed"] | None = Field(
        default=None, description="open: not resolved or closed; closed: resolved or closed")
    account: str | None = Field(default=None, min_length=1, max_length=64)
    severity: Severity | None = None
    owner: str | None = Field(default=None, min_length=1, max_length=100,
                              description="cases with a step this user acknowledged")
    vendor: str | None = Field(default=None, description="cases with a case at this vendor")
    tier: Tier | None = None
    level: ExecLevel | None = Field(default=None, description="the executive level engaged")
    sort: Sort = Field(default="number", description=(
        "number: oldest first; sla_due: the soonest SLA due first, cases with no clock "
        "running last; updated: the latest changed first"))
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(default=None, max_length=400)

    @field_validator("vendor")
    @classmethod
    def _known_vendor(cls, vendor: str | None) -> str | None:
        if vendor is not None and vendor not in VENDORS:
            raise ValueError(f"must be one of {', '.join(VENDORS)}")
        return vendor


class CaseSummaryView(BaseModel):
    """A case as lists show it: one line of the board."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    id: str
    account: str
    title: str
    severity: str
    status: str
    tier: str
    exec_level: str | None
    opened_at: AwareDatetime
    revenue_impact_usd: Money
    sla_due_at: AwareDatetime | None  # the next SLA target's due; None while none runs
    updated_at: AwareDatetime


@dataclass(frozen=True)
class CasePage:
    cases: list[CaseSummaryView]
    next_cursor: str | None  # None: this is the last page


_COLUMNS = (CaseRow.number, CaseRow.account_id, CaseRow.title, CaseRow.severity,
            CaseRow.status, CaseRow.tier, CaseRow.exec_level, CaseRow.opened_at,
            CaseRow.revenue_impact_usd, CaseRow.sla_due_at, CaseRow.updated_at)
_LISTED: _Select = select(*_COLUMNS)


def list_page(*, ctx: Context, **query: Any) -> CasePage:
    """One page of cases (`limit`, default 50, at most 500) after `cursor`, filtered
    and sorted as asked; its `next_cursor` asks for the next one."""
    wanted = _validated(query)
    after = _decoded(wanted.cursor, wanted.sort)
    with ctx.reading() as uow:  # never waits for a writer
        if wanted.account is not None:
            uow.accounts.get(wanted.account)  # an unknown account is NotFound, not nothing
        rows = _READERS[wanted.sort](uow.session, _filtered(wanted), after, wanted.limit + 1)
    more = len(rows) > wanted.limit
    rows = rows[:wanted.limit]
    return CasePage([_summary(row) for row in rows],
                    _encoded(wanted.sort, rows[-1]) if more else None)


def cases_of_account(session: Session, account_id: str, *, status: Literal["open", "closed"],
                     sort: Sort, limit: int) -> list[CaseSummaryView]:
    """The first `limit` of the account's open or closed cases as the board lists them,
    read in the caller's transaction."""
    wanted = BoardQuery(account=account_id, status=status, sort=sort, limit=limit)
    return [_summary(row) for row in _READERS[sort](session, _filtered(wanted), None, limit)]


def every_case(*, ctx: Context, **query: Any) -> Iterator[CaseSummaryView]:
    """Every case the query selects, a page (`limit`, default 500) at a time: each page
    is read in its own short read-only transaction, so streaming thousands holds nothing up."""
    query.setdefault("limit", MAX_LIMIT)
    while True:
        page = list_page(ctx=ctx, **query)
        yield from page.cases
        if page.next_cursor is None:
            return
        query["cursor"] = page.next_cursor


def _validated(query: dict[str, Any]) -> BoardQuery:
    try:
        return BoardQuery.model_validate(query)
    except ValidationError as error:
        raise invalid_input(error) from error


def _filtered(wanted: BoardQuery) -> _Select:
    query = _LISTED
    if wanted.status == "open":
        query = query.where(CaseRow.status.not_in(ENDED_STATUSES))
    elif wanted.status == "closed":
        query = query.where(CaseRow.status.in_(ENDED_STATUSES))
    for column, value in ((CaseRow.account_id, wanted.account), (CaseRow.tier, wanted.tier),
                          (CaseRow.severity, wanted.severity),
                          (CaseRow.exec_level, wanted.level)):
        if value is not None:
            query = query.where(column == value)
    if wanted.owner is not None:
        query = query.where(CaseRow.number.in_(select(EscalationRow.case_number).where(
            EscalationRow.acknowledged_by == wanted.owner)))
    if wanted.vendor is not None:
        query = query.where(CaseRow.number.in_(select(VendorCaseRow.case_number).where(
            VendorCaseRow.vendor == wanted.vendor)))
    return query


# Each order reads `limit` rows after a cursor's key (None: from the start).
Key = Sequence[Any] | None


def _by_number(session: Session, query: _Select, after: Key, limit: int) -> list[Row[Any]]:
    if after is not None:
        query = query.where(CaseRow.number > after[0])
    return _read(session, query.order_by(CaseRow.number).limit(limit))


def _by_updated(session: Session, query: _Select, after: Key, limit: int) -> list[Row[Any]]:
    if after is not None:
        query = query.where(tuple_(CaseRow.updated_at, CaseRow.number) < tuple(after))
    return _read(session,
                 query.order_by(CaseRow.updated_at.desc(), CaseRow.number.desc()).limit(limit))


def _by_sla_due(session: Session, query: _Select, after: Key, limit: int) -> list[Row[Any]]:
    """The cases with a clock running by due time, then those without by number: two
    range reads of two indexes, where one NULLS LAST order would sort the whole table."""
    rows: list[Row[Any]] = []
    if after is None or after[0] is not None:
        due = query.where(CaseRow.sla_due_at.is_not(None))
        if after is not None:
            due = due.where(tuple_(CaseRow.sla_due_at, CaseRow.number) > tuple(after))
        rows = _read(session, due.order_by(CaseRow.sla_due_at, CaseRow.number).limit(limit))
        if len(rows) == limit:
            return rows
    none_due = query.where(CaseRow.sla_due_at.is_(None))
    if after is not None and after[0] is None:
        none_due = none_due.where(CaseRow.number > after[1])
    return rows + _read(session, none_due.order_by(CaseRow.number).limit(limit - len(rows)))


def _read(session: Session, query: _Select) -> list[Row[Any]]:
    # On the session's connection: rows of plain columns need nothing of the ORM's layer.
    return list(session.connection().execute(query).all())


_READERS = {"number": _by_number, "updated": _by_updated, "sla_due": _by_sla_due}


def _summary(row: Row[Any]) -> CaseSummaryView:
    # Built unvalidated: every value comes typed from its column (validating a page's
    # rows again was a third of its time).
    return CaseSummaryView.model_construct(
        id=case_label(row.number), account=row.account_id, title=row.title,
        severity=row.severity, status=row.status, tier=row.tier, exec_level=row.exec_level,
        opened_at=row.opened_at, revenue_impact_usd=row.revenue_impact_usd,
        sla_due_at=row.sla_due_at, updated_at=row.updated_at)


# The cursor: the sort it belongs to and the last case's key, as URL-safe base64 of JSON.
# Opaque to callers: its shape may change, a page's `next_cursor` is all they pass back.


def _encoded(sort: str, row: Row[Any]) -> str:
    key: list[Any] = {
        "number": lambda: [row.number],
        "updated": lambda: [row.updated_at.isoformat(), row.number],
        "sla_due": lambda: [row.sla_due_at and row.sla_due_at.isoformat(), row.number],
    }[sort]()
    document = json.dumps({"sort": sort, "after": key}, separators=(",", ":"))
    return base64.urlsafe_b64encode(document.encode()).decode().rstrip("=")


def _decoded(cursor: str | None, sort: str) -> Key:
    if cursor is None:
        return None
    try:
        document = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        made_for, key = document["sort"], document["after"]
    except (binascii.Error, ValueError, TypeError, KeyError) as error:
        raise InvalidInput.of("cursor", _CURSOR_HELP) from error
    if made_for != sort:
        raise InvalidInput.of("cursor", "belongs to sort={made_for}, not sort={sort}: ask with the "
                              "same sort, or start again", made_for=made_for, sort=sort)
    return _key(sort, key)


def _key(sort: str, key: Any) -> list[Any]:
    """The cursor's key with its types checked: a number, and a UTC time where the sort
    has one (sla_due's may be null: past the cases with a clock running)."""
    shapes = {"number": (False,), "updated": (True, False), "sla_due": (True, False)}[sort]
    if not isinstance(key, list) or len(key) != len(shapes):
        raise InvalidInput.of("cursor", _CURSOR_HELP)
    parsed: list[Any] = []
    for value, is_time in zip(key, shapes, strict=True):
        if is_time and value is None and sort == "sla_due":
            parsed.append(None)
        elif is_time and isinstance(value, str):
            parsed.append(_time(value))
        elif not is_time and type(value) is int and 0 <= value <= ID_MAX:
            parsed.append(value)
        else:
            raise InvalidInput.of("cursor", _CURSOR_HELP)
    return parsed


def _time(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise InvalidInput.of("cursor", _CURSOR_HELP) from error
    if moment.tzinfo is None:
        raise InvalidInput.of("cursor", _CURSOR_HELP)
    return moment
