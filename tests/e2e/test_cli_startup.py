"""A command imports what it needs and nothing else: `escalada --help` lists every command
from the table in cli/app.py without importing their modules, and `escalada case show`
loads neither the HTTP stack nor a vendor's SDK (bench/cli.py times them)."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys

import pytest
from cli_support import Cli
from typer._click.utils import make_default_short_help
from typer.main import get_command

from escalada.adapters.db.database import SCHEMA_HEAD
from escalada.entrypoints.cli.app import GROUPS, app

# Runs the command in a fresh interpreter, as the console script does, then prints which
# modules it left imported (the command's own exit code goes to stderr).
PROBE = """
import json, sys
sys.argv = ["escalada", *json.loads(sys.argv[1])]
from escalada.entrypoints.cli import main
try:
    main()
except SystemExit as done:
    sys.stderr.write(f"exit {done.code}\\n")
sys.stdout.write("\\nMODULES " + json.dumps(sorted(sys.modules)) + "\\n")
"""

HTTP_AND_VENDORS = ("fastapi", "starlette", "uvicorn", "httpx", "boto3", "botocore",
                    "azure", "google", "slack_sdk", "escalada.entrypoints.api",
                    "escalada.adapters.vendors.aws", "escalada.adapters.vendors.azure",
                    "escalada.adapters.vendors.gcp")


def imported(cli: Cli, *args: str) -> tuple[str, set[str]]:
    """What the command printed, and the top modules and escalada modules it imported."""
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args)], env=cli.env,
                          capture_output=True, text=True, timeout=60, check=False)
    output, _, modules = done.stdout.rpartition("\nMODULES ")
    assert modules, done.stderr
    names = set(json.loads(modules))
    return output + done.stderr, names | {name.split(".")[0] for name in names}


def test_help_lists_every_command_without_importing_them(cli: Cli) -> None:
    output, modules = imported(cli, "--help")
    for name in (*GROUPS, "evaluate", "demo", "serve"):
        assert f"\n  {name} " in output
    assert "exit 0" in output
    assert not {"sqlalchemy", "pydantic", "structlog", "rich", "yaml", *HTTP_AND_VENDORS} \
        & modules
    assert not {f"escalada.entrypoints.cli.{entry.module}" for entry in GROUPS.values()} \
        & modules


def test_russian_help_reads_its_own_catalog_and_imports_no_more_than_english(cli: Cli) -> None:
    cli.env.pop("ESCALADA_LANG", None)
    cli.env["LANG"] = "ru_RU.UTF-8"
    output, modules = imported(cli, "--help")
    assert "Команды:" in output and "exit 0" in output
    assert not {"sqlalchemy", "pydantic", "structlog", "rich", "yaml", "escalada.settings",
                "babel", "escalada.adapters.catalogs", *HTTP_AND_VENDORS} & modules
    assert not {f"escalada.entrypoints.cli.{entry.module}" for entry in GROUPS.values()} \
        & modules


def test_case_show_imports_neither_the_http_stack_nor_a_vendor_sdk(cli: Cli) -> None:
    cli.run("account", "add", "--id", "acme", "--name", "Acme Corp", "--tier", "enterprise",
            "--plan", "enterprise", "--timezone", "Europe/Moscow", "--country", "RU")
    case = cli.json("case", "open", "--account", "acme", "--severity", "P1", "--title",
                    "API returns 500")["snapshot"]["id"]
    output, modules = imported(cli, "case", "show", case)
    assert "API returns 500" in output and "exit 0" in output
    assert not set(HTTP_AND_VENDORS) & modules
    assert not {"structlog", "prometheus_client", "escalada.services.timer_planning",
                "escalada.entrypoints.cli.accounts"} & modules  # nothing it does not use


@pytest.mark.parametrize("command", [("case", "show", "CASE-1"), ("case", "list"),
                                     ("case", "list", "--open", "--sort", "sla_due")])
def test_the_read_commands_read_without_sqlalchemy(cli: Cli, command: tuple[str, ...]) -> None:
    # A database at the newest migration is read in plain SQL: SQLAlchemy's import and
    # the tables' mapping were most of a cold `case show` (bench/cli.py).
    cli.run("account", "add", "--id", "acme", "--name", "Acme Corp", "--tier", "enterprise",
            "--plan", "enterprise", "--timezone", "Europe/Moscow", "--country", "RU")
    cli.run("case", "open", "--account", "acme", "--severity", "P1", "--title",
            "API returns 500")
    output, modules = imported(cli, *command)
    assert "API returns 500" in output and "exit 0" in output
    assert not {"sqlalchemy", "alembic", "escalada.adapters.db.tables"} & modules


def test_a_case_opens_in_a_fresh_interpreter(cli: Cli) -> None:
    # The tests' own process has its mappers configured long before; a command run on its
    # own builds the new case first (b5795bc crashed there: 'NoneType' object has no
    # attribute 'set_committed_value').
    cli.run("account", "add", "--id", "acme", "--name", "Acme Corp", "--tier", "enterprise",
            "--plan", "enterprise")
    output, _ = imported(cli, "case", "open", "--account", "acme", "--severity", "P2",
                         "--title", "Checkout fails")
    assert "exit 0" in output, output
    assert "CASE-1" in output and "Traceback" not in output


@pytest.mark.parametrize("name", list(GROUPS))
def test_the_table_says_what_each_command_says_of_itself(name: str) -> None:
    command = get_command(app).get_command(None, name)  # type: ignore[attr-defined]
    assert command.name == name
    for limit in (45, 70, 10_000):
        assert make_default_short_help(GROUPS[name].help, limit) == \
            command.get_short_help_str(limit)


def test_a_mistyped_command_suggests_the_lazy_one(cli: Cli) -> None:
    assert "Did you mean 'case'?" in cli.run("cse", "show", code=2)


def test_a_lazy_group_has_its_help_and_runs(cli: Cli) -> None:
    assert "Run the migrations up to the newest schema." in cli.run("db", "--help")
    assert cli.run("db", "current").strip() == SCHEMA_HEAD


def test_a_command_starts_with_the_collector_relaxed_and_a_long_running_one_restores_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from escalada.entrypoints.cli.output import long_running, starting

    before = gc.get_threshold()
    monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", "")  # an operator who wants the plugins
    try:
        starting()
        assert gc.get_threshold()[0] >= 50 * before[0]
        assert os.environ["PYDANTIC_DISABLE_PLUGINS"] == ""  # left as the operator set it
        long_running()
        assert gc.get_threshold() == before
        monkeypatch.delenv("PYDANTIC_DISABLE_PLUGINS")
        starting()
        assert os.environ["PYDANTIC_DISABLE_PLUGINS"] == "__all__"
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
        monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", "")
