"""The report as the console shows it (its HTML without the page around it) on SQLite
and PostgreSQL: the same words and chart as the HTML download, in the language asked."""

from __future__ import annotations

import re

import pytest
from case_support import open_case
from examples import ADMIN, ANA

from escalada.domain.errors import InvalidInput, NotFound, NotPermitted
from escalada.services import cases
from escalada.services.context import Actor, Context
from escalada.services.inbound_messages import record_message
from escalada.services.people import add_user
from escalada.services.report import escalation_report, report_body
from escalada.testing import FakeClock


@pytest.fixture
def resolved_case(ctx: Context, clock: FakeClock) -> str:
    add_user(ctx=ctx, actor=None, name=ADMIN.name, role="admin")
    add_user(ctx=ctx, actor=ADMIN, name=ANA.name, role="engineer")
    case_id = open_case(ctx, account_fields={"language": "ru"}).snapshot.id
    clock.advance(minutes=20)
    record_message(ctx=ctx, actor=ANA, case_id=case_id, sender="customer",
                   text="<script>alert(1)</script> всё упало")
    clock.advance(hours=2)
    cases.resolve(ctx=ctx, actor=ANA, case_id=case_id, reason="driver patched")
    return case_id


def test_the_body_is_the_html_downloads_body_without_its_page(
    ctx: Context, resolved_case: str,
) -> None:
    body = report_body(ctx=ctx, actor=ANA, case_id=resolved_case).content.decode()
    page = escalation_report(ctx=ctx, actor=ANA, case_id=resolved_case,
                             fmt="html").content.decode()

    assert body.startswith("<h1>Отчёт об эскалации: CASE-1")
    assert without_chart(body) in without_chart(page)
    assert "<html" not in body and "<style>" not in body
    assert "<figure" in body and "<svg" in body  # the timeline chart
    assert "<script>" not in body and "&lt;script&gt;" in body  # shown, never obeyed


def without_chart(html: str) -> str:
    """The HTML without the chart's SVG (matplotlib names its clip paths at random)."""
    return re.sub(r"<svg.*?</svg>", "<svg/>", html, flags=re.S)


def test_the_body_comes_in_the_language_asked_with_the_downloads_file_name(
    ctx: Context, resolved_case: str,
) -> None:
    rendered = report_body(ctx=ctx, actor=ANA, case_id=resolved_case, language="en")

    assert rendered.content.decode().startswith("<h1>Escalation report: CASE-1")
    assert (rendered.language, rendered.filename) == ("en", "CASE-1-report-en.html")


def test_a_bad_language_an_unknown_case_and_a_reader_without_a_role_are_refused(
    ctx: Context, resolved_case: str,
) -> None:
    with pytest.raises(InvalidInput, match="lang: must be one of ru, en"):
        report_body(ctx=ctx, actor=ANA, case_id=resolved_case, language="de")
    with pytest.raises(NotFound, match="no case CASE-7"):
        report_body(ctx=ctx, actor=ANA, case_id="CASE-7")
    with pytest.raises(NotPermitted, match="reading needs the role viewer or above"):
        report_body(ctx=ctx, actor=Actor("stranger"), case_id=resolved_case)
