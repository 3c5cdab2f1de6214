"""A state's Russian agrees with the noun it is said of (issue 15): the English word is
one ("open"), the Russian is «открыт» of a post-mortem (разбор), «открыта» of a recovery
task (задача), «открыто» of a case (обращение). Read on the demo's data, as a person
running `LANG=ru_RU.UTF-8 escalada --as admin ...` reads it."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import Cli, russian_cli


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    cli = Cli(tmp_path_factory.mktemp("demo"))
    cli.env["ESCALADA_USER"] = "root"
    cli.run("demo")
    cli.env.pop("ESCALADA_LANG", None)
    cli.env.update(LANG="ru_RU.UTF-8", COLUMNS="400", ESCALADA_USER="admin")
    return cli


def _row(table: str, first: str) -> str:
    return next(line for line in table.splitlines() if f"│ {first} " in line)


def test_an_overdue_post_mortem_is_open_and_overdue_in_the_masculine(demo: Cli) -> None:
    overdue = _row(demo.run("postmortem", "list", "--overdue"), "CASE-1")
    listed = demo.run("postmortem", "list")
    shown = demo.run("postmortem", "show", "CASE-1")

    assert "открыт, просрочен" in overdue and "открыто" not in overdue
    assert "завершён" in _row(listed, "CASE-2")
    assert "разбор инцидента CASE-1: открыт, срок " in shown and "ПРОСРОЧЕН\n" in shown


def test_the_english_post_mortem_words_stay_as_they_were(demo: Cli, tmp_path: Path) -> None:
    english = Cli(tmp_path)
    english.env.update({**demo.env, "LANG": "en_US.UTF-8"})
    assert "open, overdue" in english.run("postmortem", "list", "--overdue")
    assert "CASE-1 post-mortem: open, due " in english.run("postmortem", "show", "CASE-1")


def test_recovery_tasks_are_open_overdue_and_done_in_the_feminine(demo: Cli) -> None:
    plan = demo.run("recovery", "show", "CASE-1")

    assert "открыта ПРОСРОЧЕНА" in _row(plan, "2") and "выполнена" in _row(plan, "1")
    assert "открыто ПРОСРОЧЕНО" not in plan and "│ открыто " not in plan
    assert "разбор инцидента: задача 5, открыта, срок " in plan


def test_war_room_checklist_items_are_not_done_or_overdue_in_the_masculine(demo: Cli) -> None:
    closed = _row(demo.run("war-room", "show", "CASE-2"), "немедленно")
    open_ = _row(demo.run("war-room", "show", "CASE-8"), "немедленно")

    assert closed.endswith("│ не выполнен │") and open_.endswith("│ ПРОСРОЧЕН │")


def test_a_credit_entered_by_hand_is_feminine_like_its_state(demo: Cli) -> None:
    credit = _row(demo.run("credit", "list"), "1")
    assert "введена вручную" in credit and "одобрена" in credit and "введён" not in credit


def test_a_platform_incident_is_open_then_resolved_in_the_masculine(tmp_path: Path) -> None:
    cli = russian_cli(tmp_path)
    for n in (1, 2):
        cli.run("case", "open", "--account", "acme", "--severity", "P1", "--title",
                f"RDS down {n}", "--service", "rds", "--region", "eu-central-1")
    cli.run("incident", "open", "--service", "rds", "--region", "eu-central-1")
    cli.run("incident", "link", "INC-1", "--case", "CASE-1", "--case", "CASE-2")
    opened = _row(cli.run("incident", "list"), "INC-1")
    case = cli.run("case", "show", "CASE-1")
    cli.run("incident", "resolve", "INC-1", "--resolution", "заменили узел")
    resolved = cli.run("incident", "show", "INC-1")

    assert "│ открыт " in opened and "открыто" not in opened
    assert "(открыт, " in case and "(открыто, " not in case
    assert ": решён, " in resolved


def test_the_reports_tasks_are_open_and_done_in_the_feminine(demo: Cli) -> None:
    report = demo.run("report", "CASE-2", "--lang", "ru")

    action = next(line for line in report.splitlines() if line.startswith("| Задача: "))
    recovery = report.split("## 8. ")[1]
    assert action.endswith("| открыта |") and "| открыто |" not in recovery
    assert "| выполнена |" in recovery and "| сделано |" not in recovery
