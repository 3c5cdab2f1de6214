"""The console's account page over HTTP (TestClient, SQLite): cases, contacts, calendar,
credits, health with its trend chart and recovery plans, for any reader; Russian for a
Russian reader; 404 for an unknown account; sign-in first for nobody signed in."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from case_support import open_case
from console_routes import SignedIn, cheap_passwords, csrf_of, people, signed_in_clients
from examples import ANA, LENA
from fastapi.testclient import TestClient

from escalada.entrypoints.api import create_app
from escalada.services import cases
from escalada.services.account_health import keep_score
from escalada.services.contacts import add_contact
from escalada.services.context import Context
from escalada.services.credits import approve_credit, propose_credit
from escalada.services.escalations import escalate
from escalada.services.recovery import add_task
from escalada.testing import FakeClock

PAGE = "/accounts/acme"


@pytest.fixture
def console(sqlite_ctx: Context, monkeypatch: pytest.MonkeyPatch) -> Iterator[SignedIn]:
    cheap_passwords(monkeypatch)
    people(sqlite_ctx, {"vera": ("viewer", None), "ana": ("engineer", None),
                        "lena": ("team_lead", None)})
    yield from signed_in_clients(sqlite_ctx)


@pytest.fixture
def acme(sqlite_ctx: Context, clock: FakeClock, console: SignedIn) -> None:
    """Acme: a case resolved at L2 with an approved credit and its recovery plan, an open
    P1, a contact, and two scores kept a week apart."""
    ctx = sqlite_ctx
    resolved = open_case(ctx, account_fields={"timezone": "Europe/Moscow", "country": "RU"},
                         flags=["customer_requested_escalation"],
                         title="Volumes detach under load").snapshot.id
    escalate(ctx=ctx, actor=ANA, case_id=resolved, to="L2")
    credit = propose_credit(ctx=ctx, actor=ANA, case_id=resolved, amount_usd="450",
                            reason="SLA breach")
    approve_credit(ctx=ctx, actor=LENA, credit_id=credit.id, reason="per SLA")
    cases.resolve(ctx=ctx, actor=ANA, case_id=resolved, reason="driver patched")
    keep_score(ctx=ctx, actor=ANA, account_id="acme")
    clock.advance(days=7)
    open_case(ctx, new_account=False, title="Snapshots stuck in pending")
    add_contact(ctx=ctx, actor=ANA, account_id="acme", name="Ivan Sidorov", title="CTO",
                level="c_level", email="ivan@acme.example")
    keep_score(ctx=ctx, actor=ANA, account_id="acme")


@pytest.mark.usefixtures("acme")
def test_a_viewer_sees_everything_about_the_account(console: SignedIn) -> None:
    page = console("vera").get(PAGE)

    assert page.status_code == 200
    text = page.text
    assert "<h1>Acme Corp</h1>" in text
    assert 'href="/cases/CASE-2"' in text and "Snapshots stuck in pending" in text  # open
    assert 'href="/cases/CASE-1/report"' in text  # resolved, with its report
    assert "Ivan Sidorov" in text and "ivan@acme.example" in text  # contacts
    assert "$450.00" in text and "approved" in text  # the credit
    assert "Recovery plans" in text and "post-mortem" in text.lower()  # the plan's tasks
    assert 'data-testid="trend-chart"' in text and "<svg" in text  # health trend
    assert "Support satisfaction" in text and "Relationship strength" in text
    assert "the policy's business hours" in text and "Europe/Moscow" in text
    assert '<form method="post" action="/accounts' not in text  # nothing to change here


@pytest.mark.usefixtures("acme")
def test_a_russian_reader_reads_it_in_russian(console: SignedIn) -> None:
    client = console("ana")
    client.post("/language", data={"language": "ru", "csrf_token": csrf_of(
        client.get(PAGE).text)}, follow_redirects=False)

    text = client.get(PAGE).text

    assert "Открытые обращения" in text and "Рабочий календарь" in text
    assert "Удовлетворённость поддержкой" in text  # the policy's Russian labels
    assert "P1, P2, P3, P4 круглосуточно</p>" in text
    assert "450,00\xa0$" in text
    # The English-speaking account's recovery tasks, in the reader's Russian.
    assert "Подтвердить решение с клиентом" in text
    assert "Confirm the resolution" not in text
    assert "менеджер поддержки · " in text  # an unowned task's role, in words


def test_an_english_reader_reads_a_russian_accounts_recovery_tasks_in_english(
    sqlite_ctx: Context, console: SignedIn,
) -> None:
    case_id = open_case(sqlite_ctx, account="globex", name="Globex",
                        account_fields={"language": "ru"},
                        flags=["customer_requested_escalation"]).snapshot.id
    escalate(ctx=sqlite_ctx, actor=ANA, case_id=case_id, to="L2")
    cases.resolve(ctx=sqlite_ctx, actor=ANA, case_id=case_id, reason="driver patched")
    add_task(ctx=sqlite_ctx, actor=ANA, case_id=case_id, phase="immediate",
             text="Позвонить CTO", due_at="2026-11-26")

    text = console("vera").get("/accounts/globex").text

    assert "Confirm the resolution with the customer" in text
    assert "Подтвердить решение" not in text
    assert "Позвонить CTO" in text  # people's own task, as they wrote it
    assert "support manager · to do" in text and "support_manager · " not in text


def test_an_unknown_account_is_404(console: SignedIn) -> None:
    answer = console("ana").get("/accounts/nobody")

    assert answer.status_code == 404 and "no account &#39;nobody&#39;" in answer.text


def test_nobody_signed_in_is_sent_to_sign_in(sqlite_ctx: Context) -> None:
    with TestClient(create_app(sqlite_ctx), base_url="http://127.0.0.1") as stranger:
        answer = stranger.get(PAGE, follow_redirects=False)

    assert (answer.status_code, answer.headers["location"]) == (
        303, "/sign-in?next=/accounts/acme")
