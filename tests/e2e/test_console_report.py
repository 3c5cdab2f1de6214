"""The console's report page over HTTP (TestClient, SQLite): the report's HTML in the
page, in the account's language or the one asked, and its Markdown and PDF downloads
through the same service function as `escalada report`; a bad language (422), an unknown
case (404), nobody signed in (to sign-in)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from case_support import open_case
from console_routes import SignedIn, cheap_passwords, people, signed_in_clients
from examples import ANA
from fastapi.testclient import TestClient

from escalada.entrypoints.api import create_app
from escalada.services import cases
from escalada.services.context import Context
from escalada.services.report import escalation_report

PAGE = "/cases/CASE-1/report"


@pytest.fixture
def console(sqlite_ctx: Context, monkeypatch: pytest.MonkeyPatch) -> Iterator[SignedIn]:
    cheap_passwords(monkeypatch)
    people(sqlite_ctx, {"vera": ("viewer", None), "ana": ("engineer", None)})
    yield from signed_in_clients(sqlite_ctx)


@pytest.fixture
def resolved(sqlite_ctx: Context, console: SignedIn) -> str:
    case = open_case(sqlite_ctx, account_fields={"language": "ru"},
                     title="Volumes detach under load").snapshot.id
    cases.resolve(ctx=sqlite_ctx, actor=ANA, case_id=case, reason="driver patched")
    return case


@pytest.mark.usefixtures("resolved")
def test_a_viewer_reads_the_report_in_the_accounts_language_with_its_downloads(
    console: SignedIn,
) -> None:
    page = console("vera").get(PAGE)

    assert page.status_code == 200
    assert '<article class="card report" lang="ru"' in page.text
    assert "<h1>Отчёт об эскалации: CASE-1 — Volumes detach under load</h1>" in page.text
    assert "<svg" in page.text  # the timeline chart
    assert 'href="/cases/CASE-1/report.md?lang=ru"' in page.text
    assert 'href="/cases/CASE-1/report.pdf?lang=ru"' in page.text


@pytest.mark.usefixtures("resolved")
def test_the_report_comes_in_the_language_asked(console: SignedIn) -> None:
    page = console("vera").get(f"{PAGE}?lang=en")

    assert "<h1>Escalation report: CASE-1 — Volumes detach under load</h1>" in page.text
    assert 'href="/cases/CASE-1/report.md?lang=en"' in page.text


def test_the_markdown_download_is_what_escalada_report_makes(
    console: SignedIn, resolved: str, sqlite_ctx: Context,
) -> None:
    answer = console("vera").get(f"{PAGE}.md?lang=en")

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/markdown; charset=utf-8"
    assert answer.headers["content-disposition"] == (
        'attachment; filename="CASE-1-report-en.md"')
    assert answer.content == escalation_report(ctx=sqlite_ctx, actor=ANA, case_id=resolved,
                                               language="en").content


@pytest.mark.usefixtures("resolved")
def test_the_pdf_download_is_a_pdf(console: SignedIn) -> None:
    answer = console("ana").get(f"{PAGE}.pdf")

    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF-")
    assert 'filename="CASE-1-report-ru.pdf"' in answer.headers["content-disposition"]


@pytest.mark.usefixtures("resolved")
def test_a_language_escalada_does_not_write_is_refused_naming_lang(console: SignedIn) -> None:
    answer = console("ana").get(f"{PAGE}?lang=de")

    assert answer.status_code == 422 and "lang: must be one of ru, en" in answer.text


def test_an_unknown_case_is_404_and_nobody_signed_in_goes_to_sign_in(
    console: SignedIn, sqlite_ctx: Context,
) -> None:
    missing = console("ana").get("/cases/CASE-77/report")
    download = console("ana").get("/cases/CASE-77/report.md")
    with TestClient(create_app(sqlite_ctx), base_url="http://127.0.0.1") as stranger:
        anonymous = stranger.get(f"{PAGE}.md", follow_redirects=False)

    assert missing.status_code == download.status_code == 404
    assert "no case CASE-77" in missing.text
    assert (anonymous.status_code, anonymous.headers["location"]) == (
        303, "/sign-in?next=/cases/CASE-1/report.md")
