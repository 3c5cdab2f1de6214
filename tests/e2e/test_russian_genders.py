"""A state's Russian agrees with the noun it is said of (issue 15): the English word is
one ("open"), the Russian is «открыт» of a post-mortem (разбор), «открыта» of a recovery
task (задача), «открыто» of a case (обращение). Read on the demo's data, as a person
running `LANG=ru_RU.UTF-8 escalada --as admin ...` reads it."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import Cli


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
