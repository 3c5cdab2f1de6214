"""The console's account page on SQLite and PostgreSQL: the account's cases, contacts,
business calendar, credits, health with its trend chart and recovery plans, each as the
CLI and the API show it, read in one read-only transaction."""

from __future__ import annotations

from datetime import date

import pytest
from case_support import open_case
from examples import ADMIN, ANA, LENA, MARIA
from transaction_support import count_units

from escalada.domain.business_calendar import CalendarSpec
from escalada.domain.errors import InvalidInput, NotFound, NotPermitted
from escalada.services import account_overview as account_overview_module
from escalada.services import cases
from escalada.services.account_health import account_health, keep_score
from escalada.services.account_overview import ACCOUNT_LISTS, account_overview
from escalada.services.accounts import add_account
from escalada.services.calendars import add_calendar
from escalada.services.contacts import add_contact, contact_page, remove_contact
from escalada.services.context import Actor, Context
from escalada.services.credit_list import credit_page
from escalada.services.credits import approve_credit, propose_credit
from escalada.services.escalations import escalate
from escalada.services.people import add_user
from escalada.services.recovery import recovery_plan
from escalada.testing import FakeClock

VIEWER = Actor("vera", "viewer")
MOSCOW = {"timezone": "Europe/Moscow", "country": "RU", "language": "ru"}


@pytest.fixture
def people(ctx: Context) -> None:
    add_user(ctx=ctx, actor=None, name=ADMIN.name, role="admin")
    for who in (ANA, LENA, MARIA, VIEWER):
        add_user(ctx=ctx, actor=ADMIN, name=who.name, role=who.role or "")


@pytest.fixture
def worked_account(ctx: Context, clock: FakeClock, people: None) -> str:
    """Acme (Moscow): a case resolved at L2 with a credit and a recovery plan, two open
    cases, two contacts (one removed), and two scores kept a week apart."""
    resolved = open_case(ctx, account_fields=MOSCOW,
                         flags=["customer_requested_escalation"]).snapshot.id
    escalate(ctx=ctx, actor=ANA, case_id=resolved, to="L2")
    credit = propose_credit(ctx=ctx, actor=ANA, case_id=resolved, amount_usd="450",
                            reason="SLA breach")
    approve_credit(ctx=ctx, actor=LENA, credit_id=credit.id, reason="per SLA")
    cases.resolve(ctx=ctx, actor=ANA, case_id=resolved, reason="driver patched")
    keep_score(ctx=ctx, actor=ANA, account_id="acme")
    clock.advance(days=7)
    open_case(ctx, new_account=False, severity="P3", title="Slow dashboards")
    clock.advance(minutes=5)
    open_case(ctx, new_account=False, severity="P1", title="Volumes detach again")
    add_contact(ctx=ctx, actor=ANA, account_id="acme", name="Иван Сидоров", title="CTO",
                level="c_level", email="ivan@acme.example")
    add_contact(ctx=ctx, actor=ANA, account_id="acme", name="Olga Berg")
    remove_contact(ctx=ctx, actor=ANA, account_id="acme", contact="2", reason="left")
    keep_score(ctx=ctx, actor=ANA, account_id="acme")
    return "acme"


def test_the_account_page_holds_what_each_command_shows(
    ctx: Context, worked_account: str,
) -> None:
    page = account_overview(ctx=ctx, actor=VIEWER, account_id=worked_account, language="ru")

    assert (page.account.id, page.account.name, page.account.timezone) == (
        "acme", "Acme Corp", "Europe/Moscow")
    # Open cases: the soonest SLA due first (the P1's first response before the P3's).
    assert [(c.id, c.severity) for c in page.open_cases] == [("CASE-3", "P1"), ("CASE-2", "P3")]
    assert [c.id for c in page.closed_cases] == ["CASE-1"]
    assert page.contacts == contact_page(ctx=ctx, account_id="acme").items
    assert [c.name for c in page.contacts] == ["Иван Сидоров"]
    assert page.credits == credit_page(ctx=ctx, case="CASE-1").items
    assert page.recovery_plans == [recovery_plan(ctx=ctx, case_id="CASE-1")]
    # (`health show` labels it in the account's language, the page in the reader's.)
    assert page.health == account_health(ctx=ctx, actor=VIEWER, account_id="acme")


def test_the_health_has_its_components_band_and_a_trend_chart_over_the_bands(
    ctx: Context, worked_account: str,
) -> None:
    page = account_overview(ctx=ctx, actor=VIEWER, account_id=worked_account, language="ru")

    assert [c.component for c in page.health.components] == [
        "support_satisfaction", "ticket_trends", "engagement_quality", "relationship_strength"]
    assert page.health.band is not None and page.health.band_label is not None
    assert page.health.components[0].label == "Удовлетворённость поддержкой"
    assert len(page.trend.scores) == 2
    assert page.trend_chart is not None and page.trend_chart.startswith("<svg")
    assert "Отлично" in page.trend_chart  # the bands are labelled in the language asked


def test_an_account_without_kept_scores_has_no_chart(ctx: Context, people: None) -> None:
    add_account(ctx=ctx, actor=ADMIN, id="quiet", name="Quiet Ltd", tier="standard",
                support_plan="developer")

    page = account_overview(ctx=ctx, actor=ANA, account_id="quiet")

    assert page.trend.scores == [] and page.trend_chart is None
    assert page.open_cases == page.closed_cases == page.credits == page.recovery_plans == []


def test_the_calendar_is_the_policys_business_hours_in_the_accounts_zone_and_country(
    ctx: Context, people: None,
) -> None:
    add_account(ctx=ctx, actor=ADMIN, id="devco", name="DevCo", tier="standard",
                support_plan="developer", timezone="Europe/Moscow", country="RU")

    calendar = account_overview(ctx=ctx, actor=ANA, account_id="devco").calendar

    assert calendar.name is None
    assert (calendar.spec.timezone, calendar.spec.country) == ("Europe/Moscow", "RU")
    assert calendar.spec.week["mon"] == ("09:00-18:00",) and "sat" not in calendar.spec.week
    # The developer plan has no P1 target, and runs the others on business hours.
    assert calendar.targets == {"P2": "business", "P3": "business", "P4": "business"}
    # The clock starts on Thursday 26 November 2026: 14 local days from then.
    assert (calendar.days[0]["date"], len(calendar.days)) == ("2026-11-26", 14)
    assert calendar.days[2]["hours"] == []  # Saturday 28th


def test_a_stored_calendar_is_shown_by_name_with_its_holidays(
    ctx: Context, people: None,
) -> None:
    add_calendar(ctx=ctx, actor=ADMIN, spec=CalendarSpec.weekly(
        name="moscow-desk", timezone="Europe/Moscow", country="RU",
        hours=("09:00-13:00", "14:00-18:00")))
    add_account(ctx=ctx, actor=ADMIN, id="sibtorg", name="SibTorg", tier="enterprise",
                support_plan="business", timezone="Asia/Novosibirsk", country="RU",
                calendar="moscow-desk")

    calendar = account_overview(ctx=ctx, actor=ANA, account_id="sibtorg").calendar

    assert calendar.name == "moscow-desk"
    assert calendar.days[0]["hours"] == ["09:00-13:00", "14:00-18:00"]
    assert calendar.targets == {"P1": "24x7", "P2": "24x7", "P3": "business", "P4": "business"}
    assert date.fromisoformat(calendar.days[-1]["date"]) == date(2026, 12, 9)


def test_an_unknown_account_is_not_found_and_someone_without_a_role_is_refused(
    ctx: Context, worked_account: str,
) -> None:
    with pytest.raises(NotFound, match="no account 'nobody'"):
        account_overview(ctx=ctx, actor=ANA, account_id="nobody")
    with pytest.raises(NotPermitted, match="reading needs the role viewer or above"):
        account_overview(ctx=ctx, actor=Actor("stranger"), account_id=worked_account)


def test_the_page_is_read_in_one_read_only_transaction(
    ctx: Context, worked_account: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    units = count_units(ctx, monkeypatch)

    account_overview(ctx=ctx, actor=ANA, account_id=worked_account)

    assert units == {"reading": 1, "writing": 0}


def test_each_list_pages_on_from_a_cursor_of_its_own(
    ctx: Context, worked_account: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(account_overview_module, "PAGE_SIZES", dict.fromkeys(ACCOUNT_LISTS, 1))
    add_contact(ctx=ctx, actor=ANA, account_id="acme", name="Pavel Kim")

    first = account_overview(ctx=ctx, actor=ANA, account_id=worked_account)
    second = account_overview(ctx=ctx, actor=ANA, account_id=worked_account, cursors={
        "open_cases": first.next_cursors["open_cases"],
        "contacts": first.next_cursors["contacts"]})

    assert sorted(first.next_cursors) == ["contacts", "open_cases"]  # one credit, one plan
    assert [c.id for c in first.open_cases] == ["CASE-3"]
    assert [c.id for c in second.open_cases] == ["CASE-2"]
    assert [c.name for c in first.contacts + second.contacts] == ["Иван Сидоров", "Pavel Kim"]
    assert second.next_cursors == {}
    assert second.credits == first.credits and second.recovery_plans == first.recovery_plans


def test_a_cursor_of_one_list_is_refused_by_another(
    ctx: Context, worked_account: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(account_overview_module, "PAGE_SIZES", dict.fromkeys(ACCOUNT_LISTS, 1))
    first = account_overview(ctx=ctx, actor=ANA, account_id=worked_account)

    with pytest.raises(InvalidInput, match="belongs to sort=sla_due, not sort=contacts"):
        account_overview(ctx=ctx, actor=ANA, account_id=worked_account,
                         cursors={"contacts": first.next_cursors["open_cases"]})
