"""The console over HTTP (TestClient, SQLite): sign-in and its cookie, CSRF on every
console form, sign-out, the sign-in rate limit's 429, the language switch, the password
through the API and the CLI, and the API's bearer tokens untouched."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from cli_support import Cli
from examples import ADMIN
from fastapi.testclient import TestClient

from escalada.entrypoints.api import create_app
from escalada.services.context import Actor, Context
from escalada.services.passwords import set_password
from escalada.services.people import add_user, create_token
from escalada.testing import FakeClock

PASSWORD = "correct horse battery"
API = "/api/v1"


@pytest.fixture
def console(sqlite_ctx: Context) -> Iterator[TestClient]:
    add_user(ctx=sqlite_ctx, actor=None, name="admin", role="admin")
    for name, role in (("olga", "engineer"), ("ivan", "viewer")):
        add_user(ctx=sqlite_ctx, actor=ADMIN, name=name, role=role)
        set_password(ctx=sqlite_ctx, actor=ADMIN, name=name, password=PASSWORD)
    with TestClient(create_app(sqlite_ctx), base_url="http://127.0.0.1") as client:
        yield client


def _sign_in(client: TestClient, name: str = "olga", password: str = PASSWORD,
             next_url: str = "/board") -> httpx.Response:
    form = client.get("/sign-in").text
    nonce = re.search(r'name="nonce" value="([^"]+)"', form)
    assert nonce is not None
    return client.post("/sign-in", data={"username": name, "password": password,
                                         "nonce": nonce.group(1), "next": next_url},
                       follow_redirects=False)


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_signing_in_sets_an_httponly_lax_cookie_and_goes_where_it_was_asked(
    console: TestClient,
) -> None:
    before = console.get("/board?severity=P1", follow_redirects=False)
    answer = _sign_in(console, next_url="/board?severity=P1")

    assert (before.status_code, before.headers["location"]) == (
        303, "/sign-in?next=/board%3Fseverity%3DP1")
    assert answer.status_code == 303 and answer.headers["location"] == "/board?severity=P1"
    cookie = answer.headers["set-cookie"]
    assert "escalada_session=" in cookie and "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower() and "Secure" not in cookie
    board = console.get("/board")
    assert board.status_code == 200 and "olga" in board.text


def test_a_sign_in_going_elsewhere_is_sent_to_the_board(console: TestClient) -> None:
    answer = _sign_in(console, next_url="//evil.example/")

    assert answer.headers["location"] == "/board"


def test_a_sign_in_form_without_its_own_cookie_is_refused(console: TestClient) -> None:
    answer = console.post("/sign-in", data={"username": "olga", "password": PASSWORD,
                                            "nonce": "forged"})

    assert answer.status_code == 403
    assert "The sign-in form expired or came from elsewhere" in answer.text


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_a_console_post_without_its_session_s_csrf_token_is_refused(
    console: TestClient, token: str | None,
) -> None:
    _sign_in(console)
    data = {"language": "ru"} | ({} if token is None else {"csrf_token": token})

    refused = console.post("/language", data=data, follow_redirects=False)
    signed_out = console.post("/sign-out", data=data, follow_redirects=False)

    assert refused.status_code == 403 and signed_out.status_code == 403
    assert "its security token is missing or wrong" in refused.text
    assert console.get("/board").status_code == 200  # still signed in, still English
    assert "Open escalations" in console.get("/board").text


def test_the_language_switch_with_its_token_turns_the_console_russian(
    console: TestClient,
) -> None:
    _sign_in(console)
    token = _csrf(console.get("/board").text)

    switched = console.post("/language", data={"language": "ru", "csrf_token": token,
                                               "next": "/board"}, follow_redirects=False)

    assert switched.status_code == 303
    page = console.get("/board").text
    assert "Открытые эскалации" in page and "0 открытых эскалаций" in page


def test_htmx_posts_may_send_the_token_as_a_header(console: TestClient) -> None:
    _sign_in(console)
    token = _csrf(console.get("/board").text)

    answer = console.post("/language", data={"language": "ru"},
                          headers={"X-CSRF-Token": token}, follow_redirects=False)

    assert answer.status_code == 303


def test_signing_out_deletes_the_session(console: TestClient) -> None:
    _sign_in(console)
    cookie = console.cookies.get("escalada_session")
    token = _csrf(console.get("/board").text)

    console.post("/sign-out", data={"csrf_token": token}, follow_redirects=False)
    console.cookies.set("escalada_session", cookie or "")  # a copy kept is no use either

    assert console.get("/board", follow_redirects=False).status_code == 303


def test_a_poll_after_the_session_ended_tells_htmx_to_go_to_sign_in(
    console: TestClient,
) -> None:
    answer = console.get("/board/rows", headers={"HX-Request": "true"},
                         follow_redirects=False)

    assert answer.status_code == 401
    assert answer.headers["HX-Redirect"] == "/sign-in?next=/board/rows"


def test_the_sixth_failed_sign_in_is_answered_429_with_retry_after(console: TestClient) -> None:
    answers = [_sign_in(console, password="a wrong guess") for _ in range(6)]

    assert [a.status_code for a in answers] == [401] * 5 + [429]
    last = answers[-1]
    assert int(last.headers["Retry-After"]) == 900
    assert "try again in 15 minutes" in last.text


def test_a_bad_filter_is_shown_on_the_page_naming_the_field(console: TestClient) -> None:
    _sign_in(console)

    answer = console.get("/board?severity=P9")

    assert answer.status_code == 422
    assert "severity" in answer.text and "<html" in answer.text


def test_the_api_sets_a_password_and_keeps_its_bearer_tokens(
    console: TestClient, sqlite_ctx: Context,
) -> None:
    olga = {"Authorization": "Bearer " + create_token(
        ctx=sqlite_ctx, actor=Actor("olga", "engineer")).token}

    own = console.post(f"{API}/users/olga/password", json={"password": "a brand new one"},
                       headers=olga)
    other = console.post(f"{API}/users/ivan/password", json={"password": "a brand new one"},
                         headers=olga)
    short = console.post(f"{API}/users/olga/password", json={"password": "short"},
                         headers=olga)

    assert own.status_code == 200 and own.json()["name"] == "olga"
    assert "password" not in own.json() and "password_hash" not in own.json()
    assert other.status_code == 403
    assert short.status_code == 422 and short.json()["problems"] == [
        {"field": "password", "reason": "must be at least 10 characters long"}]
    assert _sign_in(console, password="a brand new one").status_code == 303


def test_the_cli_sets_a_password_from_stdin_or_asked_twice(cli: Cli) -> None:
    cli.run("user", "add", "olga", "--role", "engineer")

    piped = cli.run("user", "password", "olga", "--password-stdin",
                    stdin="a piped password\n")
    asked = cli.run("user", "password", "irina", stdin="typed twice ok\ntyped twice ok\n")
    mismatch = cli.call("user", "password", "irina", stdin="one password\nanother one\n")

    assert "console password set for olga" in piped
    assert "console password set for irina" in asked
    assert mismatch.code == 1
    assert "Repeat for confirmation: " in mismatch.stdout
    assert "Error: The two entered values do not match." in mismatch.stdout
    assert mismatch.stderr.endswith("Aborted!\n")


def test_the_board_with_ten_thousand_open_cases_reads_a_page_in_a_few_statements(
    console: TestClient, sqlite_ctx: Context,
) -> None:
    from datetime import timedelta
    from decimal import Decimal

    from sqlalchemy import insert

    from escalada.adapters.db.tables import AccountRow, CaseRow
    from escalada.testing import count_statements

    now = sqlite_ctx.clock()
    with sqlite_ctx.engine.begin() as connection:
        connection.execute(insert(AccountRow), [{
            "id": "acme", "name": "Acme", "tier": "enterprise", "support_plan": "enterprise",
            "timezone": "UTC", "language": "en", "created_at": now}])
        connection.execute(insert(CaseRow), [{
            "account_id": "acme", "title": f"Seeded {n}", "severity": "P2", "status": "new",
            "tier": "T1", "exec_level": None, "opened_at": now - timedelta(minutes=n % 500),
            "services": [], "flags": [], "revenue_impact_usd": Decimal(0),
            "business_impact_usd": Decimal(0), "escalating_contact_level": "staff",
            "policy_version": "seed", "updated_at": now,
            "sla_due_at": now + timedelta(minutes=60 - n % 500)} for n in range(10_000)])
    _sign_in(console)

    with count_statements(sqlite_ctx.engine) as statements:
        first = console.get("/board/rows")
    page = console.get("/board").text
    following = re.search(r'href="(/board\?cursor=[^"]+)" data-testid="next-page"', page)
    assert following is not None
    second = console.get(following.group(1).replace("&amp;", "&")).text

    assert first.status_code == 200 and first.text.count('data-testid="case-row"') == 50
    # The session, one page of rows, its accounts (the calendars their clocks run on), the
    # vendors' open service-health events linked to the page's cases (by the index on
    # case_vendor_events.case_number), the open platform incidents the page's cases are
    # linked to (by the index on incident_cases.case_number), the counts: no scan.
    assert statements.count <= 12, statements
    assert "10,000 open escalations" in page
    cases = re.findall(r'data-case="(CASE-\d+)"', page)
    later = re.findall(r'data-case="(CASE-\d+)"', second)
    assert len(cases) == len(later) == 50 and not set(cases) & set(later)


def test_a_viewer_posting_the_board_s_action_with_its_token_is_refused_by_the_service(
    console: TestClient,
) -> None:
    _sign_in(console, name="ivan")
    page = console.get("/board").text
    token = _csrf(page)

    refused = console.post("/board/cases", data={"csrf_token": token, "account": "acme",
                                                 "severity": "P1", "title": "Not mine"})

    assert 'data-testid="open-case"' not in page  # not offered to a viewer
    assert refused.status_code == 403
    assert "opening a case needs the role engineer or above; ivan is viewer" in refused.text
    assert 'data-testid="refusal"' in refused.text


def test_a_refusal_is_shown_in_the_reader_s_language_which_stays_theirs(
    console: TestClient,
) -> None:
    _sign_in(console, name="ivan")
    token = _csrf(console.get("/board").text)
    console.post("/language", data={"language": "ru", "csrf_token": token})

    refused = console.post("/board/cases", data={"csrf_token": token, "account": "acme",
                                                 "severity": "P1", "title": "Not mine"})
    console.cookies.clear()
    again = _sign_in(console, name="ivan")  # a new session, no language of its own
    board = console.get(again.headers["location"]).text

    assert refused.status_code == 403
    assert "Это сделать нельзя" in refused.text and "ivan" in refused.text
    assert "needs the role" not in refused.text
    assert "Открытые эскалации" in board  # the person's language, kept on their user


def test_a_browser_asking_for_no_page_gets_a_page_in_its_language(console: TestClient) -> None:
    html = {"Accept": "text/html,application/xhtml+xml", "Accept-Language": "ru"}
    missing = console.get("/no-such-page", headers=html)
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert "Страница не найдена" in missing.text and "/no-such-page" in missing.text

    _sign_in(console)  # olga's session: her switch to English wins over the browser's
    board = console.get("/board").text
    console.post("/language", data={"language": "en", "next": "/board",
                                    "csrf_token": _csrf(board)})
    english = console.get("/no-such-page", headers=html)
    assert english.status_code == 404 and "Page not found" in english.text


def test_the_api_and_programs_keep_problem_documents_whatever_they_accept(
        console: TestClient) -> None:
    html = {"Accept": "text/html", "Accept-Language": "ru"}
    api = console.get(f"{API}/no-such-thing", headers=html)
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/problem+json"
    curl = console.get("/no-such-page")  # no Accept: text/html
    assert curl.headers["content-type"] == "application/problem+json"


def test_a_page_that_fails_is_a_500_page_in_the_readers_language(
        sqlite_ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    add_user(ctx=sqlite_ctx, actor=None, name="admin", role="admin")
    add_user(ctx=sqlite_ctx, actor=ADMIN, name="olga", role="engineer", language="ru")
    set_password(ctx=sqlite_ctx, actor=ADMIN, name="olga", password=PASSWORD)

    def broken(**_: object) -> None:
        raise RuntimeError("the board's query broke")

    from escalada.services import case_board

    monkeypatch.setattr(case_board, "list_page", broken)
    with TestClient(create_app(sqlite_ctx), base_url="http://127.0.0.1",
                    raise_server_exceptions=False) as client:
        _sign_in(client)
        page = client.get("/board")
        api = client.get(f"{API}/cases", headers={
            "Authorization": f"Bearer {create_token(ctx=sqlite_ctx, actor=ADMIN).token}"})

    assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
    assert "Что-то пошло не так на нашей стороне" in page.text
    assert "the board's query broke" not in page.text
    assert api.status_code == 500
    assert api.headers["content-type"] == "application/problem+json"


def test_a_business_hours_countdown_stands_still_over_the_weekend(
        console: TestClient, sqlite_ctx: Context, clock: FakeClock) -> None:
    from escalada.services.accounts import add_account
    from escalada.services.cases import open_case

    add_account(ctx=sqlite_ctx, actor=ADMIN, id="acme", name="Acme Corp", tier="enterprise",
                support_plan="business", timezone="Europe/Moscow")
    clock.now = datetime(2026, 12, 4, 14, 0, tzinfo=UTC)  # Friday 17:00 in Moscow
    # P3 on the business plan: first response within 12 business hours (Tuesday 11:00).
    open_case(ctx=sqlite_ctx, actor=Actor("olga", "engineer"), account="acme",
              severity="P3", title="Reports are slow")
    clock.now = datetime(2026, 12, 7, 5, 59, tzinfo=UTC)  # Monday 08:59: 64 of 90 hours
    _sign_in(console)

    row = re.search(r'<tr class="sla-(\w+)" data-testid="case-row" data-case="CASE-1"',
                    console.get("/board").text)
    countdown = re.search(r'data-share="([\d.e-]+)" data-per-second="([\d.e-]+)"',
                          console.get("/board/rows").text)

    assert row is not None and row.group(1) == "ok"  # 1 of 12 business hours, not 71%
    assert countdown is not None
    assert float(countdown.group(1)) == pytest.approx(1 / 12)
    assert float(countdown.group(2)) == 0  # before nine: the clock stands
