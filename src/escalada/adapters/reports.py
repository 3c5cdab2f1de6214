"""Renders the escalation report: Markdown from the built-in Jinja template, HTML
from the Markdown (markdown-it-py, raw HTML off), PDF from the HTML (WeasyPrint), and
the timeline chart as SVG (matplotlib). The heavy libraries load when first used.

Every text from people or customers is escaped for Markdown before it goes in, so a
customer's `# heading`, `[link](…)` or `<script>` is shown as written, never obeyed.
"""

from __future__ import annotations

import gc
import html
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from escalada.adapters.catalogs import translations
from escalada.adapters.report_chart import timeline_chart
from escalada.adapters.report_text import KINDS, TEXT, WORDS
from escalada.adapters.templates import Formats
from escalada.domain.case_words import CASE_WORDS
from escalada.domain.errors import InvalidInput
from escalada.domain.escalation_report import EscalationReport
from escalada.domain.id_words import PLAN_WORDS, named

TEMPLATE = "report.md.j2"
# What makes inline Markdown (emphasis, code, links, autolinks and HTML, entities, table
# cells) and what opens a block at the start of a line (headings, quotes, lists, rules):
# each is shown as itself after CommonMark's backslash.
# An underscore between two letters or digits never makes emphasis: it stays as it is.
_INLINE = re.compile(r"([\\`*{}\[\]<|&~]|_(?!\w)|(?<!\w)_)")
_BLOCK_START = re.compile(r"^([#>+=-]|\d+(?=[.)]))")
# A timeline's times: digits only, so strftime in the account's zone (Babel's formatting
# of each of thousands of entries was a fifth of the report's time).
_STAMP = {"en": "%Y-%m-%d %H:%M", "ru": "%d.%m.%Y %H:%M"}
_STYLE = """
@page { size: A4; margin: 16mm 14mm; }
body { font-family: "DejaVu Sans", sans-serif; font-size: 10pt; line-height: 1.4; color: #222; }
h1 { font-size: 16pt; } h2 { font-size: 13pt; border-bottom: 1px solid #bbb; margin-top: 1.4em; }
h3 { font-size: 11pt; }
table { border-collapse: collapse; width: 100%; margin: 0.5em 0; font-size: 9pt; }
th, td { border: 1px solid #ccc; padding: 3px 5px; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 8.5pt; background: #f4f4f4; }
figure { margin: 0.5em 0; } figure svg { width: 100%; height: auto; }
li { margin: 0.1em 0; }
/* The timeline (the list under the chart) as plain lines: no marker box per entry. */
figure + ul { padding-left: 0; } figure + ul > li { display: block; }
"""
# The PDF's timeline: its entries as the lines of blocks of _PRINT_LINES each, not one
# list item each, and small enough that an entry fits on one line. WeasyPrint's time goes
# by the elements it styles and lays out and by the lines it breaks: one item per entry
# made a case of 5,000 entries 10,000 lines and 5,000 block boxes (8 s of CPU).
_PRINT_LINES = 25
_PRINT_STYLE = """
.timeline-lines { white-space: pre-wrap; font-size: 8pt; line-height: 1.3; margin: 0; }
"""
_TIMELINE_LIST = re.compile(r"(</figure>\n)<ul>\n(.*?)</ul>\n", re.S)
_ITEM = re.compile(r"<li>(.*?)</li>", re.S)


def markdown_text(text: str) -> str:
    """Text on one line with Markdown's special characters escaped."""
    escaped = _INLINE.sub(r"\\\1", " ".join(str(text).split()))
    return _BLOCK_START.sub(lambda found: _escape_start(found.group(1)), escaped)


def _escape_start(opening: str) -> str:
    # "1." opens a list: the dot after the number is escaped instead ("1\.").
    return f"{opening}\\" if opening[0].isdigit() else f"\\{opening}"


def markdown_paragraphs(text: str) -> str:
    """Several paragraphs (blank lines apart), each escaped and on one line."""
    blocks = [" ".join(block.split()) for block in re.split(r"\n\s*\n", text)]
    return "\n\n".join(markdown_text(block) for block in blocks if block)


def built_in_dir() -> Path:
    return Path(str(resources.files("escalada").joinpath("templates").joinpath("reports")))


@lru_cache(maxsize=1)
def _environment() -> Environment:
    # The report's template is built in, never the operator's: no sandbox, whose checks
    # on every attribute were a third of the time of a long report.
    environment = Environment(
        loader=FileSystemLoader(str(built_in_dir()), encoding="utf-8"),
        undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True)
    environment.filters["md"] = markdown_text
    return environment


def render_markdown(report: EscalationReport) -> str:
    """The report as Markdown, in its language and its account's time zone."""
    language = report.language
    formats = Formats(language, report.timezone)
    words, kinds = _words(language), KINDS.get(language, {})
    pattern = _STAMP.get(language, _STAMP["en"])

    def stamp(moment: datetime) -> str:
        return moment.astimezone(formats.zone).strftime(pattern)

    text = _environment().get_template(TEMPLATE).render(
        report=report, t=TEXT[language], when=formats.when, stamp=stamp,
        duration=formats.duration, money=formats.money, number=formats.number,
        paragraphs=markdown_paragraphs,
        word=lambda value, of=None: words.get(f"{of}|{value}") or words.get(
            value, str(value).replace("_", " ")),
        plan=lambda value: named(PLAN_WORDS, value).render(translations(language)),
        kind=lambda value: kinds.get(value, value.replace("_", " ")))
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


@lru_cache(maxsize=4)
def _words(language: str) -> dict[str, str]:
    """The record's words in `language`: a case's statuses and SLA targets as the catalogs
    say them everywhere else (CASE_WORDS), then the report's own."""
    said = translations(language)
    return {**{code: words.render(said) for code, words in CASE_WORDS.items()},
            **WORDS.get(language, {})}


def render_body(report: EscalationReport, markdown: str) -> str:
    """The report's HTML from the Markdown (raw HTML in it is shown, never obeyed), with
    the timeline chart under its heading: a page's body, or a part of the console's."""
    from markdown_it import MarkdownIt

    body: str = MarkdownIt("commonmark", {"html": False}).enable("table").render(markdown)
    words = TEXT[report.language]
    figure = (f'<figure aria-label="{html.escape(words["chart_title"])}">'
              f"{timeline_chart(report, words)}</figure>")
    heading = f'<h2>2. {html.escape(words["timeline_title"])}</h2>'
    return body.replace(heading, heading + "\n" + figure, 1)


def render_html(report: EscalationReport, markdown: str) -> str:
    """A whole HTML page from the Markdown, with the timeline chart under its heading."""
    body = render_body(report, markdown)
    words = TEXT[report.language]
    title = html.escape(f'{words["report"]}: {report.summary.case}')
    return (f'<!DOCTYPE html>\n<html lang="{report.language}">\n<head>\n<meta charset="utf-8">'
            f"\n<title>{title}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n{body}"
            "</body>\n</html>\n")


def print_timeline(page: str) -> str:
    """The page with its timeline's list as blocks of plain lines, one entry a line."""

    def as_lines(found: re.Match[str]) -> str:
        entries = [" ".join(item.split()) for item in _ITEM.findall(found.group(2))]
        blocks = ("\n".join(entries[start:start + _PRINT_LINES])
                  for start in range(0, len(entries), _PRINT_LINES))
        return found.group(1) + "".join(
            f'<div class="timeline-lines">{block}</div>\n' for block in blocks)

    return _TIMELINE_LIST.sub(as_lines, page, count=1)


def render_pdf(page: str) -> bytes:
    """The HTML page as a PDF (A4), its timeline in print's lines (`print_timeline`)."""
    try:
        from weasyprint import CSS, HTML
    except OSError as error:  # the library is there, the system's Pango is not
        raise InvalidInput.of("format", "PDF needs Pango, which WeasyPrint cannot load ({error}): "
                              "apt-get install -y libpango-1.0-0 libpangoft2-1.0-0 "
                              "libharfbuzz-subset0 fonts-dejavu-core", error=error) from error

    document: bytes = HTML(string=print_timeline(page)).write_pdf(
        stylesheets=[CSS(string=_PRINT_STYLE)])
    return document


class _Laying:
    """How many pages are being laid out now, and the collector's thresholds before."""

    lock = threading.Lock()
    count = 0
    thresholds: tuple[int, ...] = gc.get_threshold()


@contextmanager
def collecting_less() -> Iterator[None]:
    """For laying out a page (its chart, its HTML, WeasyPrint's PDF): a long report is
    hundreds of thousands of objects, few of them garbage until it is done, and at
    Python's thresholds the collector searched the growing heap again and again (an
    eighth of a 5,000-entry report's CPU time). While any page is being laid out, the
    youngest generation is collected a hundred times less often (in every thread; put
    back when the last one is done)."""
    with _Laying.lock:
        if not _Laying.count:
            _Laying.thresholds = gc.get_threshold()
            gc.set_threshold(100_000, 50, 100)
        _Laying.count += 1
    try:
        yield
    finally:
        with _Laying.lock:
            _Laying.count -= 1
            if not _Laying.count:
                gc.set_threshold(*_Laying.thresholds)
