"""`make run DEMO=1` twice: the real `escalada demo` loads once, then says it is there,
and `escalada serve` says truly where the API answers and who can use it."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from cli_support import Cli

from escalada.entrypoints.cli.output import bare_context

cli_app = importlib.import_module("escalada.entrypoints.cli.app")


def test_loading_the_demo_again_says_it_is_loaded_whoever_runs_it(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    cli.env["ESCALADA_USER"] = "root"  # the login of whoever runs `make run`, no demo person
    loaded = cli.run("demo")
    assert "Loaded 5 accounts" in loaded
    assert "`escalada --as admin user password NAME`" in " ".join(loaded.split())

    again = cli.run("demo")

    assert "The demo is already loaded (accounts kestrel-analytics, ledgerly" in again
    assert "no user" not in again
    assert cli.run("--as", "admin", "case", "list").count("CASE-") == 12
    overdue = cli.run("--as", "admin", "postmortem", "list", "--overdue")
    assert overdue.count("CASE-") == 1 and "open, overdue" in overdue
    assert "Live news streams buffer" in overdue


def test_serve_says_where_the_api_answers_and_how_to_start_on_an_empty_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ESCALADA_DATABASE_URL", f"sqlite:///{tmp_path}/serve.db")
    bare_context.cache_clear()
    try:
        cli_app._serving("127.0.0.1", 8000)
    finally:
        bare_context.cache_clear()
    said = capsys.readouterr().out
    assert "the API answers on http://127.0.0.1:8000/api/v1" in said
    assert "The web console is at http://127.0.0.1:8000/ (a person signs in with a password" in said
    assert "serve.db; no people yet: add the first admin with `escalada user add" in said
