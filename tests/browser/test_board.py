"""The board in Chromium: signing in, the open cases closest to breach first, a countdown
turning amber, red and breached as the server's clock moves (picked up by the board's
poll, without a reload), the console in Russian with Russian plurals, signing out, a
forged form refused, and a viewer without the board's action."""

from __future__ import annotations

import re
from typing import Any

import pytest
from console_support import ConsoleServer, SignedInPage
from playwright.sync_api import expect

from escalada.services.accounts import add_account
from escalada.services.cases import open_case
from escalada.services.context import Actor

pytestmark = pytest.mark.slow  # a browser and a live server per test

ADMIN, EGOR = Actor("admin", "admin"), Actor("egor", "engineer")
POLL = 20_000  # ms: the board polls every 5 s (a loaded machine may take longer)


def _accounts(server: ConsoleServer) -> None:
    for account, name in (("acme", "Acme Corp"), ("globex", "Globex")):
        add_account(ctx=server.ctx, actor=ADMIN, id=account, name=name, tier="enterprise",
                    support_plan="enterprise", timezone="Europe/Moscow", country="RU")


def _open(server: ConsoleServer, account: str, severity: str, title: str) -> str:
    case = open_case(ctx=server.ctx, actor=EGOR, account=account, severity=severity,
                     title=title)
    return case.snapshot.id


def _countdown(page: Any, case_id: str) -> Any:
    return page.locator(f"tr[data-case='{case_id}'] [data-testid=countdown]")


def test_signing_in_shows_the_board_closest_to_breach_first(
    console_server: ConsoleServer, signed_in_page: SignedInPage, screenshot: Any,
) -> None:
    _accounts(console_server)
    slow = _open(console_server, "globex", "P3", "Billing export runs a day late")
    console_server.clock.advance(minutes=20)
    mid = _open(console_server, "acme", "P2", "API latency spikes in eu-north-1")
    console_server.clock.advance(minutes=5)
    urgent = _open(console_server, "acme", "P1", "Volumes unreachable after maintenance")
    console_server.clock.advance(minutes=9)  # urgent: 9 of 15 min (60%), mid: 14 of 60

    page = signed_in_page("engineer")

    expect(page.get_by_test_id("who")).to_contain_text("egor")
    expect(page.get_by_test_id("open-total")).to_have_text("3 open escalations")
    rows = page.get_by_test_id("case-row")
    expect(rows).to_have_count(3)
    assert [rows.nth(n).get_attribute("data-case") for n in range(3)] == [urgent, mid, slow]
    expect(_countdown(page, urgent)).to_have_class(re.compile(r"\bsla-amber\b"))
    expect(_countdown(page, urgent)).to_have_text(re.compile(r"^[56] min$"))
    expect(_countdown(page, mid)).to_have_class(re.compile(r"\bsla-ok\b"))
    expect(page.get_by_test_id("open-case")).to_be_visible()  # an engineer may open one
    screenshot(page, "board")


def test_a_countdown_turns_amber_red_and_breached_as_the_server_clock_moves(
    console_server: ConsoleServer, signed_in_page: SignedInPage,
) -> None:
    _accounts(console_server)
    case = _open(console_server, "acme", "P1", "Volumes unreachable")  # 15 min to answer
    page = signed_in_page("engineer")
    countdown = _countdown(page, case)
    expect(countdown).to_have_class(re.compile(r"\bsla-ok\b"))

    console_server.clock.advance(minutes=8)  # 53%: the next poll brings it
    expect(countdown).to_have_class(re.compile(r"\bsla-amber\b"), timeout=POLL)
    _open(console_server, "globex", "P4", "Opened meanwhile")  # rows and counts follow
    expect(page.get_by_test_id("case-row")).to_have_count(2, timeout=POLL)
    expect(page.get_by_test_id("open-total")).to_have_text("2 open escalations")
    console_server.clock.advance(minutes=6)  # 93%
    expect(countdown).to_have_class(re.compile(r"\bsla-red\b"), timeout=POLL)
    console_server.clock.advance(minutes=3)  # 2 min past due
    expect(countdown).to_have_class(re.compile(r"\bsla-breached\b"), timeout=POLL)
    expect(countdown).to_have_text(re.compile(r"^breached · [23] min ago$"))
    assert page.url.endswith("/board")  # no reload: the rows were swapped in place


def test_switching_to_russian_shows_russian_text_and_plural_forms(
    console_server: ConsoleServer, signed_in_page: SignedInPage, screenshot: Any,
) -> None:
    _accounts(console_server)
    for n in range(3):
        _open(console_server, "acme", "P2", f"Replication lag #{n + 1}")
    page = signed_in_page("team_lead")

    page.get_by_role("button", name="RU").click()

    expect(page.locator("h1")).to_have_text("Открытые эскалации")
    expect(page.get_by_test_id("open-total")).to_have_text("3 открытые эскалации")
    expect(page.get_by_role("button", name="Выйти")).to_be_visible()
    _open(console_server, "globex", "P3", "Fourth")
    _open(console_server, "globex", "P3", "Fifth")
    page.reload()
    expect(page.get_by_test_id("open-total")).to_have_text("5 открытых эскалаций")
    expect(page.locator("th").first).to_have_text("SLA")
    expect(page.locator("thead")).to_contain_text("Важность")
    screenshot(page, "board-ru")


def test_signing_out_ends_the_session(
    console_server: ConsoleServer, signed_in_page: SignedInPage, screenshot: Any,
) -> None:
    page = signed_in_page("engineer")

    page.get_by_role("button", name="Sign out").click()

    page.wait_for_url("**/sign-in")
    page.goto(f"{console_server.url}/board")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=/board$"))
    expect(page.get_by_role("heading")).to_have_text("Sign in to escalada")
    screenshot(page, "sign-in")


@pytest.mark.parametrize("token", [None, "forged"])
def test_a_forged_form_post_is_refused(
    console_server: ConsoleServer, signed_in_page: SignedInPage, token: str | None,
) -> None:
    _accounts(console_server)
    page = signed_in_page("engineer")
    form = {"account": "acme", "severity": "P1", "title": "Forged"}
    if token is not None:
        form["csrf_token"] = token

    # The browser's own cookie goes along, as with a form another site makes it post.
    answer = page.request.post(f"{console_server.url}/board/cases", form=form,
                               max_redirects=0)

    assert answer.status == 403
    assert "security token is missing or wrong" in answer.text()
    page.reload()
    expect(page.get_by_test_id("open-total")).to_have_text("0 open escalations")


def test_a_viewer_sees_no_action_buttons(
    console_server: ConsoleServer, signed_in_page: SignedInPage,
) -> None:
    _accounts(console_server)
    _open(console_server, "acme", "P1", "Volumes unreachable")
    page = signed_in_page("viewer")

    expect(page.get_by_test_id("case-row")).to_have_count(1)
    expect(page.get_by_test_id("open-case")).to_have_count(0)
    # Only the header's forms (language, sign out) post; nothing in the page does.
    assert page.locator("main form[method=post]").count() == 0
