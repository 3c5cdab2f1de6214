"""The console's own lists come a page at a time, the board's way, in Chromium: an admin
pages on through people (filtered by role) and API tokens, and a reader through an
account's contacts and open cases, each list by a link to its next page that keeps the
page's filters, and back to the first."""

from __future__ import annotations

import pytest
from console_support import ConsoleServer, SignedInPage
from playwright.sync_api import expect

from escalada.services import cases
from escalada.services.accounts import add_account
from escalada.services.contacts import add_contact
from escalada.services.context import Actor
from escalada.services.people import add_user, create_token

pytestmark = pytest.mark.slow  # a browser and a live server per test

ADMIN, EGOR = Actor("admin", "admin"), Actor("egor", "engineer")


def test_an_admin_pages_through_people_and_tokens(
    console_server: ConsoleServer, signed_in_page: SignedInPage,
) -> None:
    ctx = console_server.ctx
    for n in range(60):  # 67 people with the role users: two pages of 50
        add_user(ctx=ctx, actor=ADMIN, name=f"agent{n:02d}", role="engineer")
    for n in range(55):
        create_token(ctx=ctx, actor=ADMIN, label=f"sync {n:02d}")
    page = signed_in_page("admin")

    page.goto(f"{console_server.url}/people?role=engineer")
    users = page.get_by_test_id("users")
    expect(users.locator("tr[data-user]")).to_have_count(50)
    expect(users.locator("tr[data-user='agent00']")).to_have_count(1)
    users.get_by_test_id("next-page").click()
    expect(users.locator("tr[data-user]")).to_have_count(11)  # agent49.. and egor
    expect(users.locator("tr[data-user='agent59']")).to_have_count(1)
    expect(users.locator("tr[data-user='tanya']")).to_have_count(0)  # a team lead
    assert "role=engineer" in page.url
    expect(users.get_by_test_id("next-page")).to_have_count(0)
    users.get_by_role("link", name="First page").click()
    expect(users.locator("tr[data-user='agent00']")).to_have_count(1)

    page.goto(f"{console_server.url}/people/tokens")
    tokens = page.get_by_test_id("tokens")
    expect(tokens.locator("tr[data-token]")).to_have_count(50)
    expect(tokens).to_contain_text("sync 54")  # the newest first
    tokens.get_by_test_id("next-page").click()
    expect(tokens.locator("tr[data-token]")).to_have_count(5)
    expect(tokens).to_contain_text("sync 00")


def test_a_reader_pages_through_an_accounts_contacts_and_open_cases(
    console_server: ConsoleServer, signed_in_page: SignedInPage,
) -> None:
    ctx = console_server.ctx
    add_account(ctx=ctx, actor=ADMIN, id="acme", name="Acme Corp", tier="enterprise",
                support_plan="enterprise")
    for n in range(23):
        add_contact(ctx=ctx, actor=EGOR, account_id="acme", name=f"Contact {n:02d}")
    for n in range(52):
        cases.open_case(ctx=ctx, actor=EGOR, account="acme", severity="P3",
                        title=f"Slow queries {n:02d}")
    page = signed_in_page("viewer")

    page.goto(f"{console_server.url}/accounts/acme")
    contacts = page.get_by_test_id("contacts")
    expect(contacts.locator(".contact")).to_have_count(20)
    contacts.get_by_test_id("next-contacts").click()
    expect(contacts.locator(".contact")).to_have_count(3)
    expect(contacts).to_contain_text("Contact 22")
    open_cases = page.get_by_test_id("open-cases")
    expect(open_cases.locator("tr[data-case]")).to_have_count(50)
    open_cases.get_by_test_id("next-open-cases").click()
    expect(open_cases.locator("tr[data-case]")).to_have_count(2)
    expect(contacts.locator(".contact")).to_have_count(3)  # each list keeps its own page
    assert "contacts=" in page.url and "open_cases=" in page.url
