"""The war room, the account and the report in Chromium: a strategic customer's CEO
escalates a P1 to L3, the war room opens; a team lead ticks a checklist item and seats the
coordinator from the page; the account page shows its health trend, cases, contacts,
calendar, credits and recovery plan; the report reads in the account's language and in
English, with its downloads. Screenshots of the war room and the account page are saved
in tests/browser/artifacts/ for a person to look at."""

from __future__ import annotations

from typing import Any

import pytest
from console_support import ConsoleServer, SignedInPage
from playwright.sync_api import expect

from escalada.services import cases, war_room_actions
from escalada.services.account_health import enter_inputs, keep_score
from escalada.services.accounts import add_account
from escalada.services.contacts import add_contact
from escalada.services.context import Actor
from escalada.services.credits import approve_credit, propose_credit
from escalada.services.escalations import acknowledge, escalate
from escalada.services.people import update_user

pytestmark = pytest.mark.slow  # a browser and a live server per test

ADMIN, EGOR = Actor("admin", "admin"), Actor("egor", "engineer")
TANYA, MARIA = Actor("tanya", "team_lead"), Actor("maria", "support_manager")
DINA, VIKTOR = Actor("dina", "support_director"), Actor("viktor", "vp")


def _meridian(server: ConsoleServer) -> tuple[str, str]:
    """Meridian Bank a month in: a P1 resolved at L2 with a credit and its recovery plan,
    health scores kept a month apart, and now a P1 whose CEO escalates to L3 (the war room
    opens, viktor our CEO to acknowledge), worked for 40 minutes."""
    ctx, clock = server.ctx, server.clock
    update_user(ctx=ctx, actor=ADMIN, name="viktor", changes={"title": "CEO",
                                                                "display_name": "Viktor Orlov"})
    update_user(ctx=ctx, actor=ADMIN, name="tanya", changes={"display_name": "Tanya Ivanova"})
    add_account(ctx=ctx, actor=ADMIN, id="meridian", name="Meridian Bank", tier="strategic",
                support_plan="enterprise", timezone="Europe/Moscow", country="RU",
                language="ru", monthly_fee_usd="48000")
    for name, title, level, email in (
            ("Андрей Белов", "Head of Payments", "manager", "a.belov@meridian.example"),
            ("Марина Орлова", "CEO", "c_level", "m.orlova@meridian.example")):
        add_contact(ctx=ctx, actor=EGOR, account_id="meridian", name=name, title=title,
                    level=level, email=email)
    clock.advance(days=-30)
    enter_inputs(ctx=ctx, actor=TANYA, account_id="meridian",
                 values={"nps": 30, "communication_quality": 4, "qbr_attendance": 1})
    keep_score(ctx=ctx, actor=EGOR, account_id="meridian")
    earlier = cases.open_case(ctx=ctx, actor=EGOR, account="meridian", severity="P1",
                              title="Card payments declined in the Moscow region",
                              flags=["customer_requested_escalation"]).snapshot.id
    escalate(ctx=ctx, actor=EGOR, case_id=earlier, to="L2", reason="the bank asked")
    acknowledge(ctx=ctx, actor=MARIA, case_id=earlier, step=1)
    clock.advance(hours=6)
    credit = propose_credit(ctx=ctx, actor=EGOR, case_id=earlier, amount_usd="450",
                            reason="resolution SLA missed")
    approve_credit(ctx=ctx, actor=TANYA, credit_id=credit.id, reason="per the SLA")
    cases.resolve(ctx=ctx, actor=MARIA, case_id=earlier, reason="gateway certificate renewed")
    clock.advance(days=30, hours=-6, minutes=-40)
    enter_inputs(ctx=ctx, actor=TANYA, account_id="meridian",
                 values={"nps": -20, "communication_quality": 2, "qbr_attendance": 0.5})
    keep_score(ctx=ctx, actor=EGOR, account_id="meridian")
    burning = cases.open_case(ctx=ctx, actor=EGOR, account="meridian", severity="P1",
                              title="SBP payments time out at the payment gateway",
                              contact_level="c_level", contact_title="CEO",
                              services=["load-balancer", "managed-postgresql"],
                              revenue_impact_usd="40000").snapshot.id
    escalate(ctx=ctx, actor=EGOR, case_id=burning, to="L3", reason="the bank's CEO called")
    clock.advance(minutes=10)
    for item in ("review_history", "identify_root_issue", "assess_sentiment"):
        war_room_actions.tick(ctx=ctx, actor=EGOR, case_id=burning, item=item)
    clock.advance(minutes=12)
    war_room_actions.tick(ctx=ctx, actor=DINA, case_id=burning, item="notify_support_director",
                          note="on the bridge")
    clock.advance(minutes=18)  # the rest of the first 30 minutes' items are overdue now
    return earlier, burning


def test_the_war_room_account_and_report_pages_in_a_browser(
    console_server: ConsoleServer, signed_in_page: SignedInPage, screenshot: Any,
) -> None:
    earlier, burning = _meridian(console_server)
    page = signed_in_page("team_lead")

    page.goto(f"{console_server.url}/war-rooms/{burning}")
    expect(page.locator("h1")).to_have_text(f"War room · {burning}")
    expect(page.get_by_text("#exec-escalation-meridian-bank")).to_be_visible()
    expect(page.get_by_test_id("acknowledgment")).to_contain_text("Viktor Orlov")
    expect(page.get_by_test_id("acknowledgment")).to_contain_text("overdue")
    expect(page.get_by_test_id("cadence")).to_contain_text("every 4 hours")
    item = page.locator("li[data-item='notify_vp_customer_success']")
    expect(item).to_have_class("overdue")
    item.locator("input[name=note]").fill("Called the VP of Customer Success")
    item.get_by_role("button", name="Done").click()
    expect(item).to_have_class("done")
    expect(item).to_contain_text("done by tanya")
    coordinator = page.locator("tr[data-seat='escalation_coordinator']")
    coordinator.locator("select").select_option("tanya")
    coordinator.get_by_role("button", name="Assign").click()
    expect(coordinator.locator("strong")).to_have_text("Tanya Ivanova")
    expect(page.get_by_test_id("acknowledge")).to_have_count(0)  # viktor's, not a lead's
    screenshot(page, "war_room")

    page.goto(f"{console_server.url}/accounts/meridian")
    expect(page.locator("h1")).to_have_text("Meridian Bank")
    expect(page.get_by_test_id("health-score")).not_to_have_text("—")
    expect(page.get_by_test_id("trend-chart").locator("svg")).to_be_visible()
    expect(page.get_by_test_id("open-cases")).to_contain_text(burning)
    expect(page.get_by_test_id("contacts")).to_contain_text("Марина Орлова")
    expect(page.get_by_test_id("credits")).to_contain_text("$450.00")
    expect(page.get_by_test_id("recovery-plans")).to_contain_text(earlier)
    expect(page.get_by_test_id("calendar")).to_contain_text("09:00-18:00")
    screenshot(page, "account")

    page.get_by_test_id("open-cases").get_by_role("link", name="Report").click()
    expect(page.locator("article.report h1")).to_contain_text(
        f"Отчёт об эскалации: {earlier}")
    page.get_by_test_id("report-en").click()
    expect(page.locator("article.report h1")).to_contain_text(f"Escalation report: {earlier}")
    expect(page.locator("article.report figure svg")).to_be_visible()
    expect(page.get_by_test_id("download-pdf")).to_have_attribute(
        "href", f"/cases/{earlier}/report.pdf?lang=en")
    with page.expect_download() as download:
        page.get_by_test_id("download-md").click()
    assert download.value.suggested_filename == f"{earlier}-report-en.md"


def test_the_war_room_reads_russian_for_a_russian_speaking_lead(
    console_server: ConsoleServer, signed_in_page: SignedInPage, screenshot: Any,
) -> None:
    _earlier, burning = _meridian(console_server)
    page = signed_in_page("team_lead", language="ru")

    page.goto(f"{console_server.url}/war-rooms/{burning}")
    expect(page.locator("h1")).to_have_text(f"Штаб · {burning}")
    expect(page.locator(".facts .badge.quiet")).to_have_text("новое")  # not "new"
    expect(page.get_by_test_id("cadence")).to_contain_text("каждые 4 часа")
    seat = page.locator("tr[data-seat='escalation_coordinator']")
    card = page.get_by_test_id("seats")
    seat_box, card_box = seat.get_by_role("button").bounding_box(), card.bounding_box()
    assert seat_box and card_box and seat_box["x"] + seat_box["width"] <= (
        card_box["x"] + card_box["width"])  # the assign button stays inside its card
    screenshot(page, "war_room-ru")
