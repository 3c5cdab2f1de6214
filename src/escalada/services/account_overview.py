"""An account as the console's account page shows it: its cases, contacts, business
calendar, credits, health (components, band, trend) and recovery plans, read in one
read-only transaction from the same view functions the CLI and the API use."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from escalada.adapters.db.tables import AccountRow, CaseRow, CreditRow
from escalada.domain.business_calendar import CalendarSpec, business_calendar, describe_day
from escalada.domain.model import Severity, SupportPlan
from escalada.domain.policy import Policy
from escalada.services.account_health import health_of, trend_of
from escalada.services.authz import can_read
from escalada.services.case_board import CaseSummaryView, cases_of_account
from escalada.services.contacts import contacts_of
from escalada.services.context import Actor, Context
from escalada.services.credits import CreditView, credit_views
from escalada.services.health_views import HealthTrendView, HealthView
from escalada.services.records import account_view
from escalada.services.recovery import RecoveryPlanView
from escalada.services.recovery.plans import account_plans
from escalada.services.repositories import load_account
from escalada.services.views import AccountView, ContactView, View

OPEN_CASES_SHOWN = 50  # soonest SLA due first; the board has the rest
CLOSED_CASES_SHOWN = 10  # the latest changed
TREND_POINTS = 60
CALENDAR_DAYS = 14


class AccountCalendarView(View):
    """The calendar the account's business-hours SLA targets run on, and which of its
    plan's targets run on it (the others run round the clock)."""

    name: str | None  # the stored calendar's; None: the policy's business hours
    spec: CalendarSpec
    days: list[dict[str, Any]]  # the next days, as `calendar show` describes them
    targets: dict[str, str]  # severity -> 24x7 | business (absent: the plan has none)


class AccountOverview(View):
    account: AccountView
    open_cases: list[CaseSummaryView]
    closed_cases: list[CaseSummaryView]
    contacts: list[ContactView]
    calendar: AccountCalendarView
    credits: list[CreditView]
    health: HealthView
    trend: HealthTrendView
    trend_chart: str | None  # the trend as an SVG element; None: no score kept, or no chart
    recovery_plans: list[RecoveryPlanView]


def account_overview(
    *, ctx: Context, actor: Actor, account_id: str, language: str = "en"
) -> AccountOverview:
    """Everything the account page shows, labels of the health policy in `language`."""
    can_read(actor)
    now, policy = ctx.clock(), ctx.policy()
    with ctx.reading() as uow:
        session = uow.session
        account = load_account(session, account_id)
        trend = trend_of(session, account, TREND_POINTS)
        overview = AccountOverview(
            account=account_view(account),
            open_cases=cases_of_account(session, account.id, status="open", sort="sla_due",
                                        limit=OPEN_CASES_SHOWN),
            closed_cases=cases_of_account(session, account.id, status="closed",
                                          sort="updated", limit=CLOSED_CASES_SHOWN),
            contacts=contacts_of(session, account.id),
            calendar=_calendar(account, policy, now),
            credits=credit_views(session, select(CreditRow, CaseRow).join(CaseRow).where(
                CaseRow.account_id == account.id).order_by(CreditRow.id.desc()), policy, now),
            health=health_of(session, policy, account, now, language),
            trend=trend, trend_chart=None,
            recovery_plans=account_plans(session, account.id, policy, now))
    return overview.model_copy(update={"trend_chart": _chart(trend, policy, language)})


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
