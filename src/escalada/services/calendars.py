"""Business calendars: stored by name for accounts to use, and the SLA arithmetic on them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escalada.adapters.db.tables import AccountRow, CalendarRow
from escalada.domain.business_calendar import (
    CalendarSpec,
    business_calendar,
    describe_day,
    parse_days,
    parse_hours,
)
from escalada.domain.errors import AlreadyExists, InvalidInput, NotFound
from escalada.domain.model import Interval
from escalada.domain.validation import invalid_input
from escalada.domain.words import Words
from escalada.domain.working_time import FOREVER, TWENTY_FOUR_SEVEN, Calendar, deadline, elapsed
from escalada.services.account_log import log_account
from escalada.services.authz import can_configure
from escalada.services.context import Actor, Context
from escalada.services.evaluation import check_aware
from escalada.services.paging import Order, Page, PageQuery, sql_page, validated
from escalada.services.records import account_view
from escalada.services.repositories import load_account
from escalada.services.views import AccountView, CalendarView, DeadlineView, ElapsedView

# Ten years of round-the-clock minutes: further than any SLA reaches.
LONGEST_SPAN_MINUTES = 10 * 366 * 24 * 60
SHOWN_DAYS_LIMIT = 366


def calendar_spec(
    *,
    name: str = "business",
    timezone: str | None = None,
    country: str | None = None,
    subdivision: str | None = None,
    hours: list[str] | None = None,
    days: str | None = None,
    overrides: dict[str, list[str]] | None = None,
    document: dict[str, Any] | None = None,
) -> CalendarSpec:
    """A calendar from a whole document, or from the same hours on a range of days."""
    if document is not None:
        fields = {**document, "name": document.get("name", name)}
    else:
        try:
            chosen_days = parse_days(days or "mon-fri")
        except ValueError as error:
            raise InvalidInput.of("days", str(error)) from error
        for span in hours or []:
            try:
                parse_hours(span)
            except ValueError as error:
                raise InvalidInput.of("hours", str(error)) from error
        fields = {
            "name": name, "timezone": timezone or "UTC", "country": country,
            "subdivision": subdivision,
            "week": dict.fromkeys(chosen_days, hours or ["09:00-18:00"]),
            "overrides": overrides or {},
        }
    try:
        return CalendarSpec.model_validate(fields)
    except ValidationError as error:
        raise invalid_input(error) from error


def _view(row: CalendarRow, accounts: int) -> CalendarView:
    return CalendarView(spec=CalendarSpec.model_validate(row.spec), created_at=row.created_at,
                        updated_at=row.updated_at, accounts=accounts)


def _accounts_using(session: Session, name: str) -> int:
    return session.scalar(
        select(func.count()).select_from(AccountRow).where(AccountRow.calendar_name == name)
    ) or 0


def _load(session: Session, name: str) -> CalendarRow:
    row = session.get(CalendarRow, name)
    if row is None:
        raise NotFound.of("no calendar {name!r}", name=name)
    return row


def add_calendar(
    *, ctx: Context, actor: Actor, spec: CalendarSpec, replace: bool = False
) -> CalendarView:
    """Store a named calendar; `replace` changes one that exists (the SLA clocks of
    open cases move with it only when recomputed: `escalada sla recompute`)."""
    can_configure(actor, "changing calendars")
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        row = uow.session.get(CalendarRow, spec.name)
        if row is not None and not replace:
            raise AlreadyExists.of("calendar {name!r} exists already (use --replace)",
                                   name=spec.name)
        if row is None:
            row = CalendarRow(name=spec.name, created_at=now)
            uow.session.add(row)
        row.spec, row.updated_at = spec.model_dump(mode="json"), now
        uow.commit()
        return _view(row, _accounts_using(uow.session, spec.name))


_BY_NAME = Order("calendars", (CalendarRow.name,), ("text",))


def calendar_page(*, ctx: Context, **query: Any) -> Page[CalendarView]:
    """A page of the stored calendars by name, each with the accounts on it."""
    wanted = validated(PageQuery, query)
    with ctx.reading() as uow:
        return sql_page(uow.session, select(CalendarRow), _BY_NAME, wanted,
                        lambda row: _view(row, _accounts_using(uow.session, row.name)),
                        lambda row: [row.name])


def show_calendar(
    *, ctx: Context, name: str, start: date | None = None, days: int = 14
) -> CalendarView:
    """A stored calendar, with what it says about `days` local days from `start`."""
    if not 0 <= days <= SHOWN_DAYS_LIMIT:
        raise InvalidInput.of("days", "must be between 0 and {shown_days_limit}",
                              shown_days_limit=SHOWN_DAYS_LIMIT)
    with ctx.reading() as uow:
        row = _load(uow.session, name)
        view = _view(row, _accounts_using(uow.session, name))
    first = start or ctx.clock().astimezone(business_calendar(view.spec).zone).date()
    return view.model_copy(update={"days": [
        describe_day(view.spec, first + timedelta(days=offset)) for offset in range(days)]})


def use_calendar(
    *, ctx: Context, actor: Actor, account_id: str, name: str | None
) -> AccountView:
    """Put an account on a stored calendar (None: back to the policy's business hours
    in the account's own zone and country)."""
    can_configure(actor, "changing an account's calendar")
    with ctx.unit_of_work() as uow:
        account = load_account(uow.session, account_id)
        if name is not None:
            _load(uow.session, name)
        if account.calendar_name != name:
            log_account(uow.session, account.id, actor=actor, at=ctx.clock(),
                        kind="calendar_changed",
                        summary=Words("calendar {before} -> {after}",
                                      before=account.calendar_name or Words("(policy hours)"),
                                      after=name or Words("(policy hours)")),
                        data={"before": account.calendar_name, "after": name})
        account.calendar_name = name
        uow.commit()
        uow.session.refresh(account)
        return account_view(account)


def _calendar(ctx: Context, calendar: str, spec: CalendarSpec | None) -> tuple[str, Calendar]:
    """`24x7`, `business` (the spec given), or the name of a stored calendar."""
    if calendar == "24x7":
        return "24x7", TWENTY_FOUR_SEVEN
    if calendar == "business":
        if spec is None:
            raise InvalidInput.of("calendar", "business needs a timezone (and hours, days)")
        return spec.name, business_calendar(spec)
    with ctx.reading() as uow:
        row = _load(uow.session, calendar)
        return row.name, business_calendar(CalendarSpec.model_validate(row.spec))


def _pauses(pauses: list[tuple[datetime, datetime]] | None) -> list[Interval]:
    result = []
    for index, (start, end) in enumerate(pauses or []):
        check_aware(start, f"pauses[{index}]")
        check_aware(end, f"pauses[{index}]")
        if end < start:
            raise InvalidInput.of(f"pauses[{index}]", "ends before it starts")
        result.append(Interval(start, end))
    return result


def sla_deadline(
    *, ctx: Context, start: datetime, minutes: float, calendar: str = "24x7",
    spec: CalendarSpec | None = None, pauses: list[tuple[datetime, datetime]] | None = None,
) -> DeadlineView:
    """When `minutes` of calendar time after `start` run out, pauses excluded."""
    check_aware(start, "start")
    if not 0 <= minutes <= LONGEST_SPAN_MINUTES:
        raise InvalidInput.of("minutes", "must be between 0 and {longest_span_minutes}",
                              longest_span_minutes=LONGEST_SPAN_MINUTES)
    name, walked = _calendar(ctx, calendar, spec)
    due = deadline(start, minutes, walked, _pauses(pauses))
    if due >= FOREVER:
        raise InvalidInput.of("pauses", "a pause without end stops the clock for good")
    return DeadlineView(start=start, minutes=minutes, calendar=name, due_at=due)


def sla_elapsed(
    *, ctx: Context, start: datetime, end: datetime, calendar: str = "24x7",
    spec: CalendarSpec | None = None, pauses: list[tuple[datetime, datetime]] | None = None,
) -> ElapsedView:
    """Calendar minutes from `start` to `end`, pauses excluded."""
    check_aware(start, "start")
    check_aware(end, "end")
    if end < start:
        raise InvalidInput.of("end", "is before start")
    if end - start > timedelta(minutes=LONGEST_SPAN_MINUTES):
        raise InvalidInput.of("end", "is more than ten years after start")
    name, walked = _calendar(ctx, calendar, spec)
    return ElapsedView(start=start, end=end, calendar=name,
                       minutes=round(elapsed(start, end, walked, _pauses(pauses)), 6))
