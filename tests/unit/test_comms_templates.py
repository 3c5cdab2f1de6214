"""Message templates: golden drafts of every kind in both languages, dates, durations and
plurals, visible gaps for missing fields, and operator templates in the sandbox.

Each golden file `tests/golden/comms/<lang>/<kind>.md` holds "Subject: ...", a blank
line and the body. After a deliberate change to a template, rewrite them with

    ESCALADA_UPDATE_GOLDEN=1 .venv/bin/pytest tests/unit/test_comms_templates.py

(the tests whose golden changed fail, saying so), read the diff, and run again without
the variable before committing it.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from comms_facts import at, comms_facts

from escalada.adapters.templates import (
    Formats,
    Rendered,
    missing_fields,
    placeholder,
    render,
    template_kinds,
)
from escalada.domain.communications import LANGUAGES, MessageKind
from escalada.domain.errors import TemplateInvalid

GOLDEN = Path(__file__).parent.parent / "golden" / "comms"
KINDS = [kind.value for kind in MessageKind]
CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)
# Words of the English templates that must not be left in a Russian draft.
ENGLISH_WORDS = [
    "update", "impact", "next", "the ", "case", "customer", "hello", "regards", "none",
    "hour", "minute", "status", "owner", "due ", "severity", "our ", "we ", "tier", "level",
]  # fmt: skip


def as_text(rendered: Rendered) -> str:
    return f"Subject: {rendered.subject}\n\n{rendered.body}\n"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_renders_as_its_golden_draft(kind: str, language: str) -> None:
    rendered = render(comms_facts(kind, language))
    assert rendered.template == f"built-in {language}/{kind}.md.j2"
    golden = GOLDEN / language / f"{kind}.md"
    expected = golden.read_text(encoding="utf-8") if golden.exists() else None
    if expected != as_text(rendered) and os.environ.get("ESCALADA_UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(as_text(rendered), encoding="utf-8")
        # A run that rewrote a golden proves nothing about it: it must not report green.
        pytest.fail(f"golden {golden} rewritten: review the diff (git diff tests/golden) "
                    "and run again without ESCALADA_UPDATE_GOLDEN")
    assert as_text(rendered) == expected


@pytest.mark.parametrize("kind", KINDS)
def test_a_russian_draft_is_russian_throughout(kind: str) -> None:
    text = as_text(render(comms_facts(kind, "ru"))).lower().replace("case-42", "")
    assert [word for word in ENGLISH_WORDS if word in text] == []
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    assert [p for p in paragraphs[1:] if not CYRILLIC.search(p)] == []


@pytest.mark.parametrize("kind", KINDS)
def test_an_english_draft_has_no_russian(kind: str) -> None:
    assert not CYRILLIC.search(as_text(render(comms_facts(kind, "en"))))


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_vendor_escalation_subject_follows_the_vendors_convention(language: str) -> None:
    rendered = render(comms_facts(MessageKind.VENDOR_ESCALATION, language))
    assert rendered.subject.startswith("P1 ESCALATION - ")


@pytest.mark.parametrize(
    ("minutes", "shown"),
    [
        (1, "1 минута"), (2, "2 минуты"), (5, "5 минут"), (11, "11 минут"), (21, "21 минута"),
        (22, "22 минуты"), (60, "1 час"), (180, "3 часа"), (300, "5 часов"),
        (1440, "1 день"), (2880, "2 дня"), (7200, "5 дней"), (125, "2 часа 5 минут"),
        (3 * 1440 + 120, "3 дня 2 часа"), (0, "0 минут"),
    ],
)  # fmt: skip
def test_russian_durations_take_the_right_plural(minutes: int, shown: str) -> None:
    assert Formats("ru", "UTC").duration(minutes) == shown


@pytest.mark.parametrize(
    ("minutes", "shown"),
    [
        (1, "1 minute"), (2, "2 minutes"), (60, "1 hour"), (125, "2 hours 5 minutes"),
        (3 * 1440 + 120, "3 days 2 hours"), (0, "0 minutes"),
    ],
)  # fmt: skip
def test_english_durations(minutes: int, shown: str) -> None:
    assert Formats("en", "UTC").duration(minutes) == shown


def test_plural_picks_by_the_languages_rules() -> None:
    ru, en = Formats("ru", "UTC"), Formats("en", "UTC")
    forms = ("обновление", "обновления", "обновлений")
    assert [ru.plural(n, *forms) for n in (1, 3, 12, 101)] == [
        "обновление", "обновления", "обновлений", "обновление",
    ]  # fmt: skip
    assert [en.plural(n, "update", "updates") for n in (1, 2, 0)] == [
        "update", "updates", "updates",
    ]  # fmt: skip


def test_money_and_numbers_are_shown_in_the_recipients_locale() -> None:
    assert Formats("ru", "UTC").number(12345) == "12\xa0345"
    assert Formats("en", "UTC").money(Decimal("2000.00")) == "$2,000.00"
    assert Formats("ru", "UTC").money(Decimal("2000.00")) == "2\xa0000,00\xa0$"


@pytest.mark.parametrize(
    ("zone", "language", "shown"),
    [
        ("Europe/Moscow", "en", "26 November 2026, 13:00 UTC+3"),
        ("Europe/Moscow", "ru", "26 ноября 2026 г., 13:00 МСК"),
        ("UTC", "en", "26 November 2026, 10:00 UTC"),
        ("America/New_York", "en", "26 November 2026, 05:00 UTC-5"),
        ("Asia/Kolkata", "en", "26 November 2026, 15:30 UTC+5:30"),
    ],
)
def test_a_time_shows_in_the_recipients_zone(zone: str, language: str, shown: str) -> None:
    assert Formats(language, zone).when(at(10)) == shown


def test_daylight_saving_time_changes_the_offset_shown() -> None:
    new_york = Formats("en", "America/New_York")
    summer = datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
    assert new_york.when(summer) == "1 July 2026, 06:00 UTC-4"
    assert new_york.clock(summer) == "06:00"


def test_a_draft_shows_its_times_in_the_recipients_zone() -> None:
    kind = MessageKind.ACKNOWLEDGMENT
    assert "by 26 November 2026, 15:00 UTC+3" in render(comms_facts(kind)).body
    assert "by 26 November 2026, 12:00 UTC," in render(comms_facts(kind, timezone="UTC")).body


@pytest.mark.parametrize(
    ("language", "gap"),
    [("en", "[to be filled: root cause]"), ("ru", "[заполнить: первопричина]")],
)
def test_a_missing_required_field_shows_as_a_gap(language: str, gap: str) -> None:
    facts = comms_facts(MessageKind.RESOLUTION, language)
    fields = {**facts.fields, "fix": "   "}
    del fields["root_cause"]
    facts = comms_facts(MessageKind.RESOLUTION, language, fields=fields)
    assert missing_fields(facts) == ["root_cause", "fix"]
    assert placeholder("root_cause", language) == gap
    body = render(facts).body
    assert gap in body
    assert placeholder("fix", language) in body


def test_a_complete_draft_has_no_gaps() -> None:
    assert missing_fields(comms_facts(MessageKind.PROGRESS_UPDATE)) == []
    assert placeholder("custom_field", "en") == "[to be filled: custom field]"


def test_a_draft_with_nothing_written_shows_gaps_and_no_blockers() -> None:
    facts = comms_facts(MessageKind.PROGRESS_UPDATE, fields={})
    body = render(facts).body
    assert "## Blockers\n\nNone." in body
    assert "[to be filled: next steps]" in body


def test_without_an_executive_the_sender_signs() -> None:
    facts = comms_facts(MessageKind.EXECUTIVE_ACKNOWLEDGMENT, "ru", executive=None)
    assert render(facts).body.endswith("Мария Иванова\nменеджер по эскалациям")


def operator_template(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_an_operator_template_overrides_the_built_in_one(tmp_path: Path) -> None:
    path = operator_template(
        tmp_path, "en/acknowledgment.md.j2", "Subject: Got it: {{ facts.case_ref }}\n\nOn it.\n"
    )
    rendered = render(comms_facts(MessageKind.ACKNOWLEDGMENT), operator_dir=tmp_path)
    assert rendered == Rendered("Got it: CASE-42", "On it.", f"operator {path}")
    russian = render(comms_facts(MessageKind.ACKNOWLEDGMENT, "ru"), operator_dir=tmp_path)
    assert russian.template == "built-in ru/acknowledgment.md.j2"
    kinds = template_kinds(tmp_path)
    assert kinds["acknowledgment"] == {"en": f"operator {path}", "ru": "built-in"}


def test_an_operator_may_add_a_kind(tmp_path: Path) -> None:
    path = operator_template(
        tmp_path,
        "en/maintenance_notice.md.j2",
        "Subject: Maintenance for {{ facts.account_name }}\n\n"
        "Window: {{ when(facts.now) }}. {{ fields.window_note }}{{ fields.note }}\n",
    )
    kinds = template_kinds(tmp_path)
    assert kinds["maintenance_notice"] == {"en": f"operator {path}"}
    assert set(template_kinds()) == set(KINDS)
    assert all(langs == {"en": "built-in", "ru": "built-in"} for langs in template_kinds().values())
    facts = comms_facts("maintenance_notice", fields={"window_note": "Brief."})
    rendered = render(facts, operator_dir=tmp_path)
    assert rendered.body == "Window: 26 November 2026, 13:00 UTC+3. Brief."


def test_there_is_no_fallback_to_another_language(tmp_path: Path) -> None:
    operator_template(tmp_path, "en/maintenance_notice.md.j2", "Subject: x\n\ny\n")
    with pytest.raises(TemplateInvalid, match=r"ru/maintenance_notice\.md\.j2: no such") as error:
        render(comms_facts("maintenance_notice", "ru"), operator_dir=tmp_path)
    assert error.value.line is None


def invalid(tmp_path: Path, text: str) -> TemplateInvalid:
    operator_template(tmp_path, "en/acknowledgment.md.j2", text)
    with pytest.raises(
        TemplateInvalid,
        match=r"^template operator en/acknowledgment\.md\.j2, line \d+: ",
    ) as error:
        render(comms_facts(MessageKind.ACKNOWLEDGMENT), operator_dir=tmp_path)
    return error.value


def test_a_syntax_error_names_the_template_and_line(tmp_path: Path) -> None:
    error = invalid(tmp_path, "Subject: x\n\n{% if %}yes{% endif %}\n")
    assert error.line == 3
    assert str(error).startswith("template operator en/acknowledgment.md.j2, line 3: ")


def test_an_unknown_name_names_the_template_and_line(tmp_path: Path) -> None:
    error = invalid(tmp_path, "Subject: x\n\nHello,\n{{ facts.no_such_fact }}\n")
    assert (error.template, error.line) == ("operator en/acknowledgment.md.j2", 4)
    assert "no_such_fact" in error.reason


def test_a_template_must_start_with_its_subject(tmp_path: Path) -> None:
    error = invalid(tmp_path, "Hello {{ facts.account_name }}\n\nBody.\n")
    assert error.line == 1
    assert error.reason == "the first line must be `Subject: ...`"


@pytest.mark.parametrize(
    "hostile",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__.os }}",
        "{{ facts.__class__ }}",
        "{{ when.__self__ }}",
        "{{ facts|attr('__class__') }}",
        "{{ range(10**9)|list|length }}",
    ],
)
def test_the_sandbox_refuses_a_hostile_template(tmp_path: Path, hostile: str) -> None:
    error = invalid(tmp_path, f"Subject: x\n\n{hostile}\n")
    assert (error.template, error.line) == ("operator en/acknowledgment.md.j2", 3)
    for leak in ("<class", "subclasses'", "<module", "<function", "<bound", "object at 0x"):
        assert leak not in str(error)
