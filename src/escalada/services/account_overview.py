"""An account as the console's account page shows it: its cases, contacts, business
calendar, credits, health (components, band, trend) and recovery plans, read in one
read-only transaction from the same view functions the CLI and the API use; each list a
page at a time (services.paging), on from a cursor of its own."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalada.adapters.db.tables import AccountRow, CaseRow, CreditRow
from escalada.domain.business_calendar import CalendarSpec, business_calendar, describe_day
from escalada.domain.model import Severity, SupportPlan
from escalada.domain.policy import Policy
from escalada.services.account_health import health_of, trend_of
from escalada.services.authz import can_read
from escalada.services.case_board import CaseSummaryView, cases_of_account
from escalada.services.contacts import ContactsQuery, contacts_in
from escalada.services.context import Actor, Context
from escalada.services.credits import CreditView, credit_views_of
from escalada.services.health_views import HealthTrendView, HealthView
from escalada.services.paging import Order, Page, PageQuery, sql_page, validated
from escalada.services.records import account_view
from escalada.services.recovery import RecoveryPlanView
from escalada.services.recovery.plans import account_plans
from escalada.services.repositories import load_account
from escalada.services.views import AccountView, ContactView, View

TREND_POINTS = 60
CALENDAR_DAYS = 14
# The account page's lists and how many of each a page shows, each paged on by a cursor of
# its own: open cases (the soonest SLA due first; the board has them all), resolved or
# closed ones (the latest changed first), contacts (by id), credits and recovery plans
# (the newest first).
PAGE_SIZES = {"open_cases": 50, "closed_cases": 10, "contacts": 20, "credits": 20,
              "recovery_plans": 10}
ACCOUNT_LISTS = tuple(PAGE_SIZES)
_NEWEST_CREDIT_FIRST = Order("account_credits", (CreditRow.id,), ("int",), descending=True)


class AccountCalendarView(View):
    """The calendar the account's business-hours SLA targets run on, and which of its
    plan's targets run on it (the others run round the clock)."""

    name: str | None  # the stored calendar's; None: the policy's business hours
    spec: CalendarSpec
    days: list[dict[str, Any]]  # the next days, as `calendar show` describes them
    targets: dict[str, str]  # severity -> 24x7 | business (absent: the plan has none)


class AccountOverview(View):
    account: AccountView
    open_cases: list[CaseSummaryView]  # a page of each list (ACCOUNT_LISTS)
    closed_cases: list[CaseSummaryView]
    contacts: list[ContactView]
    calendar: AccountCalendarView
    credits: list[CreditView]
    health: HealthView
    trend: HealthTrendView
    trend_chart: str | None  # the trend as an SVG element; None: no score kept, or no chart
    recovery_plans: list[RecoveryPlanView]
    next_cursors: dict[str, str]  # list -> the cursor of its next page (absent: the last)


def account_overview(
    *, ctx: Context, actor: Actor, account_id: str, language: str = "en",
    cursors: Mapping[str, str] | None = None,
) -> AccountOverview:
    """Everything the account page shows, labels of the health policy and recovery tasks
    in `language`: a page of each of its lists, from the cursor `cursors` gives it (none:
    the first)."""
    can_read(actor)
    now, policy = ctx.clock(), ctx.policy()
    wanted = {name: validated(PageQuery, {"limit": size, "cursor": (cursors or {}).get(name)})
              for name, size in PAGE_SIZES.items()}
    with ctx.reading() as uow:
        session = uow.session
        account = load_account(session, account_id)
        trend = trend_of(session, account, TREND_POINTS)
        pages: dict[str, Page[Any]] = {
            "open_cases": cases_of_account(session, account.id, status="open", sort="sla_due",
                                           **_board(wanted["open_cases"])),
            "closed_cases": cases_of_account(session, account.id, status="closed",
                                             sort="updated", **_board(wanted["closed_cases"])),
            "contacts": contacts_in(session, account.id, ContactsQuery(
                **wanted["contacts"].model_dump())),
            "credits": _credits(session, account.id, policy, now, wanted["credits"]),
            "recovery_plans": account_plans(session, account.id, policy, now,
                                            wanted["recovery_plans"], language),
        }
        overview = AccountOverview(
            account=account_view(account), calendar=_calendar(account, policy, now),
            health=health_of(session, policy, account, now, language),
            trend=trend, trend_chart=None,
            next_cursors={name: page.next_cursor for name, page in pages.items()
                          if page.next_cursor is not None},
            **{name: page.items for name, page in pages.items()})
    return overview.model_copy(update={"trend_chart": _chart(trend, policy, language)})


def _board(wanted: PageQuery) -> dict[str, Any]:
    return {"limit": wanted.limit, "cursor": wanted.cursor}


def _credits(session: Session, account_id: str, policy: Policy, now: datetime,
             wanted: PageQuery) -> Page[CreditView]:
    """A page of the credits of the account's cases, the newest first."""
    rows = select(CreditRow, CaseRow).join(CaseRow).where(CaseRow.account_id == account_id)
    page = sql_page(session, rows, _NEWEST_CREDIT_FIRST, wanted, lambda row: row,
                    lambda row: [row[0].id])
    return Page(credit_views_of(session, page.items, policy, now), page.next_cursor)


def _calendar(account: AccountRow, policy: Policy, now: datetime) -> AccountCalendarView:
    hours = policy.sla.business_hours
    spec = account.calendar.spec if account.calendar is not None else CalendarSpec.weekly(
        timezone=account.timezone, hours=(f"{hours.start}-{hours.end}",), days=hours.days,
        country=account.country)
    checked = CalendarSpec.model_validate(spec)
    today = now.astimezone(business_calendar(checked).zone).date()
    plan = SupportPlan(account.support_plan)
    targets = {severity.value: terms.calendar for severity in Severity
               if (terms := policy.targets(plan, severity)) is not None}
    return AccountCalendarView(
        name=account.calendar_name, spec=checked, targets=targets,
        days=[describe_day(checked, today + timedelta(days=n)) for n in range(CALENDAR_DAYS)])


def _chart(trend: HealthTrendView, policy: Policy, language: str) -> str | None:
    """The kept scores drawn over the bands (adapters.health_chart, with the report
    extra's matplotlib); None when nothing was kept or the extra is not installed."""
    if not any(point.score is not None for point in trend.scores):
        return None
    try:
        from escalada.adapters.health_chart import trend_chart
    except ModuleNotFoundError:
        return None
    try:
        return trend_chart([(p.at, p.score, p.band, p.coverage, p.kept_by)
                            for p in trend.scores], policy.health, language)
    except ModuleNotFoundError:  # matplotlib is imported when the chart is drawn
        return None
