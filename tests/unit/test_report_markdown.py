"""The escalation report's Markdown: golden reports in Russian and English for a worked
case, empty sections that say so and name the command that fills them, and customer
text that can never become a heading, a link or HTML (in the Markdown, nor in the HTML).

After a deliberate change to the template, rewrite the goldens with

    ESCALADA_UPDATE_GOLDEN=1 .venv/bin/pytest tests/unit/test_report_markdown.py

(the tests whose golden changed fail, saying so), read the diff, and run again.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from report_facts import empty_report, worked_report

from escalada.adapters.reports import (
    markdown_paragraphs,
    markdown_text,
    print_timeline,
    render_html,
    render_markdown,
)

GOLDEN = Path(__file__).parent.parent / "golden" / "report"


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_worked_case_renders_as_its_golden_report(language: str) -> None:
    rendered = render_markdown(worked_report(language))
    golden = GOLDEN / f"worked_case.{language}.md"
    expected = golden.read_text(encoding="utf-8") if golden.exists() else None
    if expected != rendered and os.environ.get("ESCALADA_UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(rendered, encoding="utf-8")
        pytest.fail(f"golden {golden} rewritten: review the diff (git diff tests/golden) "
                    "and run again without ESCALADA_UPDATE_GOLDEN")
    assert rendered == expected


@pytest.mark.parametrize(("language", "titles"), [
    ("en", ["Escalation summary", "Escalation timeline", "Root-cause analysis",
            "Impact assessment", "Resolution plan", "Communication log", "Lessons learned",
            "Relationship recovery plan"]),
    ("ru", ["Сводка эскалации", "Хронология эскалации", "Анализ первопричины",
            "Оценка последствий", "План решения", "Журнал коммуникаций",
            "Извлечённые уроки", "План восстановления отношений"]),
])
def test_the_sections_come_in_the_issues_order_titled_in_the_language(
    language: str, titles: list[str],
) -> None:
    headings = [line for line in render_markdown(worked_report(language)).splitlines()
                if line.startswith("## ")]

    assert headings == [f"## {n}. {title}" for n, title in enumerate(titles, 1)]


def test_each_empty_section_says_nothing_is_recorded_and_names_its_command() -> None:
    text = render_markdown(empty_report("en"))

    for command in ('escalada case rca CASE-9 --technical "…" --process "…"',
                    "escalada case update CASE-9 --region …",
                    "escalada case update CASE-9 --users-affected N",
                    "escalada credit propose CASE-9 --from-breach",
                    'escalada case commit CASE-9 --what "…" --due DATE',
                    "escalada comms draft CASE-9 --kind progress_update",
                    "escalada recovery create CASE-9"):
        assert f"`{command}`" in text
    assert text.count("Nothing recorded.") == 6  # rca, credits, commitments, comms, lessons, plan
    assert "No SLA target was breached." in text
    assert "(still open)" in text


def test_customer_text_stays_text_in_markdown_and_html() -> None:
    report = worked_report("en")
    markdown = render_markdown(report)
    page = render_html(report, markdown)

    line = next(line for line in markdown.splitlines() if "evil.example" in line)
    assert line.startswith("- ") and "\\[нажмите\\]" in line and "\\<script" in line
    assert "<script>" not in page and 'href="http://evil.example"' not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<h1>" + "Срочно" not in page and page.count("<h1>") == 1
    assert "# Срочно! [нажмите](http://evil.example)" in page  # shown as written


@pytest.mark.parametrize(("text", "escaped"), [
    ("# heading", "\\# heading"),
    ("> quote", "\\> quote"),
    ("- item", "\\- item"),
    ("1. first", "1\\. first"),
    ("a_b_c stays, _em_ does not", "a_b_c stays, \\_em\\_ does not"),
    ("*bold* `code` [l](u) <b> a|b &amp;", "\\*bold\\* \\`code\\` \\[l\\](u) \\<b> a\\|b \\&amp;"),
    ("two\nlines", "two lines"),
])
def test_markdown_text_escapes_what_markdown_would_obey(text: str, escaped: str) -> None:
    assert markdown_text(text) == escaped


def test_paragraphs_keep_their_breaks_and_escape_each_start() -> None:
    assert markdown_paragraphs("- one\n\n===\n\n  ## two  ") == "\\- one\n\n\\===\n\n\\## two"


def test_the_html_page_carries_the_timeline_chart_as_svg_under_its_heading() -> None:
    report = worked_report("ru")
    page = render_html(report, render_markdown(report))

    heading = page.index("<h2>2. Хронология эскалации</h2>")
    figure = page.index("<figure")
    assert heading < figure < page.index("<h2>3.")
    assert "<svg" in page[figure:] and page.count("<svg") == 1
    assert '<html lang="ru">' in page and "DejaVu Sans" in page
    assert "вендор/L4" in page and "VENDOR" not in page  # the chart's axis in words


def test_the_pdf_lays_the_timeline_out_as_lines_in_blocks_and_leaves_the_rest() -> None:
    report = worked_report("ru")
    page = render_html(report, render_markdown(report))
    entries = page[page.index("</figure>"):page.index("<h2>3.")].count("<li>")
    long_page = page.replace(
        "</figure>\n<ul>\n", "</figure>\n<ul>\n" + "<li>x &amp; <em>y</em></li>\n" * 30, 1)

    printed = print_timeline(long_page)

    timeline = printed[printed.index("</figure>"):printed.index("<h2>3.")]
    blocks = timeline.split('<div class="timeline-lines">')[1:]
    lines = [line for block in blocks for line in block.split("</div>")[0].split("\n")]
    assert "<li>" not in timeline and len(blocks) == 2 and len(lines) == entries + 30
    assert lines[0] == "x &amp; <em>y</em>"
    rest = printed.replace(timeline, ""), long_page.replace(
        long_page[long_page.index("</figure>"):long_page.index("<h2>3.")], "")
    assert rest[0] == rest[1]  # the summary's and other sections' lists stay lists
    assert print_timeline("<p>no timeline</p>") == "<p>no timeline</p>"


def test_every_kind_a_service_records_on_a_timeline_is_named_in_russian() -> None:
    """The Russian report names each timeline entry's kind in Russian, never as its key."""
    import ast

    import escalada
    from escalada.adapters.report_text import KINDS

    recorded = set()
    for path in Path(escalada.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "record":
                recorded |= {k.value.value for k in node.keywords if k.arg == "kind"
                             and isinstance(k.value, ast.Constant)}
    assert {"case_opened", "post_mortem_started", "account_health_changed"} <= recorded
    assert sorted(recorded - set(KINDS["ru"])) == []


@pytest.mark.parametrize(("language", "status", "words"), [
    ("ru", "waiting_on_customer", "ждёт клиента"), ("ru", "resolved", "решено"),
    ("ru", "mitigating", "устраняется"), ("en", "waiting_on_customer", "waiting on the customer"),
])
def test_a_status_reads_in_the_report_as_the_catalogs_say_it_everywhere(
    language: str, status: str, words: str,
) -> None:
    from dataclasses import replace

    from escalada.adapters.catalogs import translations
    from escalada.domain.case_words import CASE_WORDS

    report = worked_report(language)
    report = replace(report, summary=replace(report.summary, status=status))
    said = CASE_WORDS[status].render(translations(language))

    assert said == words
    assert f"**{'Статус' if language == 'ru' else 'Status'}:** {words}\n" in render_markdown(report)
