"""The case page in Chromium: open a case from the board, be refused an escalation
without its handoff package (the missing items named), escalate with it, and draft and
send an update in Russian, the customer's language; a viewer is offered no action."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from escalada.services import cases
from escalada.services.accounts import add_account
from escalada.services.contacts import add_contact
from escalada.services.context import Actor
from escalada.services.delivery_list import delivery_page
from escalada.services.inbound_messages import record_message

# The browser suite's fixtures (tests/browser/conftest.py), not imported by name: another
# suite's conftest may be the module `conftest` when suites run together.
ConsoleServer = Any
SignedInPage = Callable[..., Any]
ENGINEER = Actor("egor", "engineer")
ADMIN = Actor("admin", "admin")
T2_HANDOFF = {
    "troubleshooting_summary": "Volumes detach when IOPS exceed 10k",
    "steps_attempted": "Reattached, resized, moved zone",
    "customer_impact": "Checkout down for EU customers",
    "diagnostic_data": "Kernel logs attached (trace-7781)",
    "customer_expectation_set": "Update every 30 minutes",
}


@pytest.fixture
def case(console_server: ConsoleServer) -> str:
    """A P1 case of a Russian-speaking enterprise account, whose customer wrote in
    Russian and asked to escalate."""
    ctx = console_server.ctx
    add_account(ctx=ctx, actor=ADMIN, id="sibtorg", name="Sibtorg", tier="enterprise",
                support_plan="enterprise", timezone="Europe/Moscow", country="RU",
                language="ru")
    add_contact(ctx=ctx, actor=ADMIN, account_id="sibtorg", name="Ирина Петрова",
                email="irina@sibtorg.example", level="manager", language="ru")
    view = cases.open_case(ctx=ctx, actor=ENGINEER, account="sibtorg", severity="P1",
                           title="Checkout volumes detach under load",
                           services=["compute", "block-storage"],
                           flags=["customer_requested_escalation"],
                           contact="irina@sibtorg.example")
    record_message(ctx=ctx, actor=ENGINEER, case_id=view.snapshot.id, sender="customer",
                   text="Магазин не принимает заказы уже полчаса, тома отключаются. "
                        "Просим срочно эскалировать.", author="Ирина Петрова")
    console_server.clock.advance(minutes=9)
    return view.snapshot.id


def test_an_engineer_escalates_with_the_handoff_and_sends_an_update_in_russian(
    console_server: ConsoleServer, signed_in_page: SignedInPage, case: str,
    screenshot: Callable[[Any, str], Path],
) -> None:
    page = signed_in_page("engineer")

    page.click(f"[data-case='{case}'] a.case-link")
    page.wait_for_url(f"**/cases/{case}")
    assert page.locator("[data-testid=reply-language]").inner_text() == "Russian"

    form = page.locator("[data-testid=escalate-form]")
    form.locator("select[name=to]").select_option("T2")
    form.locator("textarea[name='handoff.troubleshooting_summary']").fill(
        T2_HANDOFF["troubleshooting_summary"])
    form.locator("button[type=submit]").click()
    refusal = page.locator("[data-testid=refusal]")
    refusal.wait_for()
    assert refusal.inner_text() == (
        "The step T1 -> T2 needs its full handoff package. Missing: Steps attempted, "
        "Customer impact, Diagnostic data, Expectation set with the customer.")
    assert page.locator("[data-item=steps_attempted]").get_attribute("data-missing") == "true"
    assert form.locator("textarea[name='handoff.troubleshooting_summary']").input_value() == (
        T2_HANDOFF["troubleshooting_summary"])  # what was typed is kept
    screenshot(page, "case-page-handoff-refused")

    for item, text in T2_HANDOFF.items():
        form.locator(f"textarea[name='handoff.{item}']").fill(text)
    form.locator("button[type=submit]").click()
    page.locator("[data-testid=done]").wait_for()
    assert page.locator("[data-testid=tier]").inner_text() == "T2"
    assert page.locator("[data-testid=step]").count() == 1

    drafting = page.locator("[data-testid=draft-form]")
    drafting.locator("textarea[name='fields.understanding']").fill(
        "Тома отключаются при нагрузке выше 10 тысяч IOPS.")
    drafting.locator("textarea[name='fields.doing_now']").fill(
        "Инженеры второй линии переносят тома на другой узел.")
    drafting.locator("textarea[name='fields.next_steps']").fill(
        "Проверим драйвер и сообщим через 30 минут.")
    drafting.locator("button[type=submit]").click()
    draft = page.locator("[data-testid=draft]").first
    draft.wait_for()
    assert draft.locator("[data-testid=draft-language]").inner_text() == "RU"
    assert "Тома отключаются" in draft.locator("pre.letter").inner_text()

    send = draft.locator("[data-testid=send-form]")
    assert send.locator("input[name=to]").input_value() == "irina@sibtorg.example"
    send.locator("button[type=submit]").click()
    page.locator("[data-testid=delivery]").wait_for()
    assert page.locator("[data-testid=delivery-state]").inner_text() == "delivered"
    [delivery] = delivery_page(ctx=console_server.ctx, case=case).items
    assert (delivery.language, delivery.to, delivery.state) == (
        "ru", "irina@sibtorg.example", "delivered")
    page.locator("#top").scroll_into_view_if_needed()
    screenshot(page, "case-page")


def test_the_page_in_russian_for_a_russian_speaking_engineer(
    signed_in_page: SignedInPage, case: str, console_server: ConsoleServer,
    screenshot: Callable[[Any, str], Path],
) -> None:
    page = signed_in_page("engineer", language="ru")

    page.goto(f"{console_server.url}/cases/{case}")

    assert page.locator("#handoff h2").inner_text().startswith("ЧЕК-ЛИСТ ПЕРЕДАЧИ")
    assert page.locator("[data-testid=reply-language]").inner_text() == "русский"
    screenshot(page, "case-page-ru")


def test_a_viewer_sees_the_case_without_a_single_action(
    signed_in_page: SignedInPage, case: str, console_server: ConsoleServer,
) -> None:
    page = signed_in_page("viewer")

    page.goto(f"{console_server.url}/cases/{case}")

    assert page.locator("[data-testid=recommendation]").count() == 2
    assert page.locator("[data-action]").count() == 0
    assert page.locator("[data-testid=read-only]").is_visible()
