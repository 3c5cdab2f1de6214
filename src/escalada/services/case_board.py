"""The case board: cases a page at a time, as lists show them.

A page reads only the columns a list prints (no pauses, steps or JSON columns) and
continues from where the previous one stopped (keyset paging, with every list's cursor and
page: services.paging), so page 200 costs what page 1 costs and a case added or changed
meanwhile never shifts a page's neighbours. Filters and orders run in the database, on
indexes made for them (migration 0012), in plain SQL of its own (the board is the list
read most, and `case list` starts without SQLAlchemy).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from escalada.adapters.db import reads
from escalada.adapters.db.plain import Reader
from escalada.adapters.vendors import VENDORS
from escalada.domain.errors import NotFound
from escalada.domain.model import ENDED_STATUSES, ExecLevel, Severity, Tier, case_label
from escalada.domain.snapshot import ACCOUNT_ID_PATTERN, AwareDatetime, Money
from escalada.domain.words import Words
from escalada.services.context import Context
from escalada.services.paging import Page, PageQuery, Part, decode, encode, validated

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from escalada.domain.sla import WindowShare

Sort = Literal["number", "sla_due", "updated"]
SORTS: tuple[str, ...] = ("number", "sla_due", "updated")
_ACCOUNT_ID = re.compile(ACCOUNT_ID_PATTERN)


class BoardQuery(PageQuery):
    """Which cases, in which order, how many, from where."""

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

    @field_validator("vendor")
    @classmethod
    def _known_vendor(cls, vendor: str | None) -> str | None:
        if vendor is not None and vendor not in VENDORS:
            raise ValueError(Words("must be one of {value}", value=", ".join(VENDORS)))
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


_COLUMNS = reads.BOARD_COLUMNS  # what a line reads, in CaseSummaryView's order
Row = tuple[Any, ...]


def list_page(*, ctx: Context, **query: Any) -> Page[CaseSummaryView]:
    """One page of cases (`limit`, default 50, at most 500) after `cursor`, filtered
    and sorted as asked; its `next_cursor` asks for the next one."""
    wanted = validated(BoardQuery, query)
    after = decode(wanted.cursor, wanted.sort, _KEY_PARTS[wanted.sort])
    with ctx.plain_reading() as db:  # never waits for a writer
        if wanted.account is not None:
            _require_account(db, wanted.account)  # an unknown account is NotFound, not nothing
        rows = _READERS[wanted.sort](db, wanted, after, wanted.limit + 1)
    more = len(rows) > wanted.limit
    rows = rows[:wanted.limit]
    return Page([_summary(row) for row in rows], _encoded(wanted.sort, rows[-1]) if more else None)


def _require_account(db: Reader, account_id: str) -> None:
    """NotFound unless the account is there."""
    if not (_ACCOUNT_ID.match(account_id) and reads.account_exists(db, account_id)):
        raise NotFound.of("no account {account_id!r}", account_id=account_id)


def cases_of_account(session: Session, account_id: str, *, status: Literal["open", "closed"],
                     sort: Sort, limit: int, cursor: str | None = None
                     ) -> Page[CaseSummaryView]:
    """A page of `limit` of the account's open or closed cases as the board lists them
    (after `cursor`, one this order gave), read in the caller's transaction."""
    wanted = validated(BoardQuery, {"account": account_id, "status": status, "sort": sort,
                                    "limit": limit, "cursor": cursor})
    after = decode(wanted.cursor, sort, _KEY_PARTS[sort])
    rows = _READERS[sort](Reader.of_session(session), wanted, after, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return Page([_summary(row) for row in rows], _encoded(sort, rows[-1]) if more else None)


def _shape(wanted: BoardQuery) -> tuple[str | None, tuple[str, ...]]:
    """What a query's statement depends on besides the values it binds: the status it
    asks for and which filters it names."""
    named = tuple(name for name in ("account", "tier", "severity", "level", "owner", "vendor")
                  if getattr(wanted, name) is not None)
    return wanted.status, named


def _values(wanted: BoardQuery, limit: int) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(wanted, name) for name in _shape(wanted)[1]}
    for name in ("tier", "severity", "level"):
        if name in values:
            values[name] = values[name].value
    values["limit"] = limit
    return values


# Each order reads `limit` rows after a cursor's key (None: from the start).
Key = Sequence[Any] | None


def _by_number(db: Reader, wanted: BoardQuery, after: Key, limit: int) -> list[Row]:
    values = _values(wanted, limit)
    if after is not None:
        values["after_number"] = after[0]
    return _read(db, "number", wanted, after is not None, values)


def _by_updated(db: Reader, wanted: BoardQuery, after: Key, limit: int) -> list[Row]:
    values = _values(wanted, limit)
    if after is not None:
        values["after_time"], values["after_number"] = db.time(after[0]), after[1]
    return _read(db, "updated", wanted, after is not None, values)


def _by_sla_due(db: Reader, wanted: BoardQuery, after: Key, limit: int) -> list[Row]:
    """The cases with a clock running by due time, then those without by number: two
    range reads of two indexes, where one NULLS LAST order would sort the whole table."""
    rows: list[Row] = []
    if after is None or after[0] is not None:
        values = _values(wanted, limit)
        if after is not None:
            values["after_time"], values["after_number"] = db.time(after[0]), after[1]
        rows = _read(db, "due", wanted, after is not None, values)
        if len(rows) == limit:
            return rows
    values = _values(wanted, limit - len(rows))
    from_cursor = after is not None and after[0] is None
    if from_cursor:
        assert after is not None
        values["after_number"] = after[1]
    return rows + _read(db, "none due", wanted, from_cursor, values)


def _read(db: Reader, order: str, wanted: BoardQuery, after: bool,
          values: dict[str, Any]) -> list[Row]:
    # The statement's text is built once per shape (order, status, filters named, from a
    # cursor or not) and then run again with new values.
    return reads.board_rows(db, reads.board_sql(order, *_shape(wanted), after, ENDED_STATUSES),
                            values)


_READERS = {"number": _by_number, "updated": _by_updated, "sla_due": _by_sla_due}


_SUMMARY_FIELDS = tuple(CaseSummaryView.model_fields)
_set_attribute = object.__setattr__  # the view is frozen


def _summary(row: Row) -> CaseSummaryView:
    """A page's line, built unvalidated: every value comes typed from its column
    (validating a page's rows again was a third of its time). Built as `model_construct`
    builds it, without its walk over the fields and their defaults for each row (every
    field is given here): that walk was a third of a page's time again."""
    view = CaseSummaryView.__new__(CaseSummaryView)
    number, account, title, severity, status, tier, level, opened, revenue, due, updated = row
    _set_attribute(view, "__dict__", {
        "id": case_label(number), "account": account, "title": title, "severity": severity,
        "status": status, "tier": tier, "exec_level": level, "opened_at": opened,
        "revenue_impact_usd": revenue, "sla_due_at": due, "updated_at": updated})
    _set_attribute(view, "__pydantic_fields_set__", set(_SUMMARY_FIELDS))
    _set_attribute(view, "__pydantic_extra__", None)
    _set_attribute(view, "__pydantic_private__", None)
    return view


# The cursor (services.paging): the sort it belongs to and the last case's key, a number
# and a UTC time where the sort has one (sla_due's may be null: past the cases with a
# clock running).
_KEY_PARTS: dict[str, tuple[Part, ...]] = {
    "number": ("int",), "updated": ("time", "int"), "sla_due": ("time?", "int")}


def _encoded(sort: str, row: Row) -> str:
    number, due, updated = row[0], row[9], row[10]
    return encode(sort, {"number": lambda: [number], "updated": lambda: [updated, number],
                         "sla_due": lambda: [due, number]}[sort]())


def sla_windows(*, ctx: Context, cases: Sequence[CaseSummaryView],
                now: datetime) -> dict[str, WindowShare]:
    """How much of each listed case's SLA window (opened to its next due time) is consumed
    at `now`, on the calendar its account's plan runs that severity's clock on (business
    hours stand still at night and on weekends): the board's countdown colours. The
    page's accounts are read in one statement; a case with no clock running is left out."""
    # Imported here: the calendars (holidays) are more than `case list` needs to start.
    from escalada.domain.sla import resolve_calendar, window_share
    from escalada.domain.working_time import TWENTY_FOUR_SEVEN
    from escalada.services.case_reads import account_snapshot

    timed = [case for case in cases if case.sla_due_at is not None]
    if not timed:
        return {}
    policy = ctx.policy()
    with ctx.plain_reading() as db:  # the page's accounts in one statement, never waiting
        rows = reads.accounts(db, {case.account for case in timed})
    accounts = {name: account_snapshot(row) for name, row in rows.items()}
    shares = {}
    for case in timed:
        account = accounts.get(case.account)
        targets = None if account is None else policy.targets(
            account.support_plan, Severity(case.severity))
        calendar = TWENTY_FOUR_SEVEN if account is None or targets is None else \
            resolve_calendar(targets.calendar, account, policy.sla.business_hours)
        assert case.sla_due_at is not None
        shares[case.id] = window_share(case.opened_at, case.sla_due_at, now, calendar)
    return shares
