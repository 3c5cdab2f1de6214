"""The CLI's own lines in Russian (issue 15): the clocks, timers, the outbox, the audit's
verdicts, commitments and reports speak the shell's language; the English of each stays
as it was, and counts take the language's plural form."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from audit_support import keys_setting
from cli_support import Cli, russian_cli

MOSCOW_OFFICE = ("calendar", "add", "moscow-office", "--timezone", "Europe/Moscow",
                 "--country", "RU", "--hours", "09:00-18:00", "--days", "mon-fri")


@pytest.fixture
def russian(tmp_path: Path) -> Cli:
    return russian_cli(tmp_path)


def _open_case(cli: Cli, title: str) -> str:
    case = cli.json("case", "open", "--account", "acme", "--severity", "P2", "--title", title)
    return str(case["snapshot"]["id"])


def test_the_audit_says_intact_then_broken_in_russian(russian: Cli) -> None:
    russian.env["ESCALADA_AUDIT_KEYS"] = keys_setting("k1")
    case = _open_case(russian, "Сбой репликации")
    russian.run("case", "respond", case, "--note", "смотрим")
    checkpoint = russian.tmp_path / "checkpoint.json"

    written = russian.run("audit", "checkpoint", "--out", str(checkpoint))
    intact = russian.run("audit", "verify", "--against", str(checkpoint))
    with sqlite3.connect(russian.tmp_path / "cli.db") as connection:
        connection.execute("DROP TRIGGER timeline_no_update")
        connection.execute("UPDATE timeline SET summary = 'x' WHERE id = (SELECT min(id) "
                           "FROM timeline)")
    broken = russian.run("audit", "verify", code=1, stdout=True)
    del russian.env["ESCALADA_AUDIT_KEYS"]
    unkeyed = russian.run("audit", "verify", code=1, stdout=True)

    assert "Контрольная точка для 1 обращения подписана ключом аудита k1" in written
    assert "Ключи аудита: k1." in intact
    assert "Сверено с контрольной точкой для 1 обращения, снятой " in intact
    assert "Хронология цела: 1 обращение, проверены 2 записи, по состоянию на " in intact
    assert "Хронология НАРУШЕНА: 1 обращение, проверена 1 запись, по состоянию на " in broken
    assert "запись" in broken and "причина" in broken and case in broken
    assert "Timeline" not in broken and "entries" not in broken
    assert "Ключ аудита не задан (ESCALADA_AUDIT_KEYS)" in unkeyed


def test_clocks_and_timers_read_russian(russian: Cli) -> None:
    russian.run(*MOSCOW_OFFICE, "--override", "2024-11-05=off")
    shown = russian.run("calendar", "show", "moscow-office", "--from", "2024-11-02",
                        "--days", "4")
    russian.run("account", "calendar", "acme", "moscow-office")
    replaced = russian.run(*MOSCOW_OFFICE, "--replace")
    _open_case(russian, "Медленные ответы API")

    assert "праздники" in shown and "исключения" in shown and "Исключения" in shown
    assert "Дни (Europe/Moscow)" in shown and "перенесённый рабочий день" in shown
    assert "выходной по недельному графику" in shown and "праздник: " in shown
    assert "Календарь использует 1 клиент: выполните `escalada sla recompute`" in replaced
    assert "пересчитано 1 открытое обращение; сроки сдвинулись в " in russian.run(
        "sla", "recompute")
    status = russian.run("timers", "status")
    assert "Таймеры на " in status and "количество" in status and "в очереди" in status
    assert "срок наступил" in status and "следующий срок: " in status
    listed = russian.run("timers", "list")
    assert "попытки" in listed and "итог" in listed and "в очереди" in listed
    assert "сработали 0 таймеров" in russian.call("worker", "--once").stderr


def test_the_outbox_commitments_and_a_report_read_russian(russian: Cli) -> None:
    case = _open_case(russian, "Потеря вебхуков")
    russian.run("case", "commit", case, "--what", "отчёт о первопричине", "--due",
                "2030-01-10")
    russian.run("case", "rca", case, "--technical", "утечка соединений")
    report = russian.tmp_path / "report.md"
    wrote = russian.call("report", case, "--output", str(report))

    assert "в очереди 0, доставлено 0, не доставлено 0; просрочено 0" in russian.run(
        "outbox", "status")
    assert "доставлено 0, повтор 0, не доставлено 0, пропущено 0" in russian.run(
        "outbox", "deliver")
    assert "встроенный" in russian.run("comms", "templates")
    commitments = russian.run("case", "commitments", case)
    assert "обязательство" in commitments and "открыто" in commitments
    rca = russian.run("case", "rca", case)
    assert f"{case}: первопричина (автор irina, " in rca
    assert "техническая: утечка соединений" in rca and "процессная: — (не введена)" in rca
    assert wrote.code == 0
    assert re.fullmatch(rf"записан {re.escape(str(report))} \([0-9\xa0]+ байта?, ru\)\n",
                        wrote.stderr)


def test_english_stays_as_it_was_and_counts_its_plurals(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    cli.run("user", "add", "irina", "--role", "admin")

    assert "0 timer(s) fired" in cli.call("worker", "--once").stderr
    assert "pending 0, delivered 0, dead 0; overdue 0 (oldest due —); dead letters 0" in cli.run(
        "outbox", "status")
    assert "built-in" in cli.run("comms", "templates")


@pytest.mark.parametrize(("count", "said"), [(1, "сработал 1 таймер"), (3, "сработали 3 таймера"),
                                             (11, "сработали 11 таймеров"),
                                             (21, "сработал 21 таймер")])
def test_a_count_of_timers_takes_the_russian_plural_form(count: int, said: str) -> None:
    from escalada.entrypoints.cli.words import ntr

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ESCALADA_LANG", "ru")
        assert ntr("{count} timer(s) fired", "{count} timer(s) fired", count) == said
        patch.setenv("ESCALADA_LANG", "en")
        english = ntr("{count} timer(s) fired", "{count} timer(s) fired", count)
    assert english == f"{count} timer(s) fired"  # read by scripts: as it always was


def test_case_lists_columns_line_up_under_russian_headers_and_long_ids(russian: Cli) -> None:
    # Russian headers are longer than the usual columns and an account id may be longer
    # than 16: a page is measured, so each column starts where its header does; a stream
    # (`--all`) keeps room for the longest status word.
    russian.run("account", "add", "--id", "kestrel-analytics-gmbh", "--name", "Kestrel",
                "--tier", "standard", "--plan", "developer", "--timezone", "Europe/Berlin")
    russian.run("case", "open", "--account", "kestrel-analytics-gmbh", "--severity", "P3",
                "--title", "Autoscaler")
    _open_case(russian, "Каталог")
    page, stream = russian.run("case", "list"), russian.run("case", "list", "--all")
    for listing, fits in ((page, "CASE"), (stream, "acme")):
        header, *lines = listing.splitlines()
        assert len(lines) == 2, listing
        rows = [line for line in lines if fits in line]  # a stream does not measure ids
        assert rows, listing
        for word, value in (("серьёзн.", "P"), ("статус", "новое"), ("линия", "T1")):
            starts = {row.index(value, len("CASE-1 ")) for row in rows}
            assert starts == {header.index(word)}, listing
