"""The CLI bounds its options as the API bounds the same fields (domain/validation.py):
an id no row can have exits 4, a date or a text out of bounds exits 2 naming the option
and the limit, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import InProcessCli

HUGE = "99999999999999999999"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> InProcessCli:
    cli = InProcessCli(tmp_path, monkeypatch)
    cli.run("user", "add", "irina", "--role", "admin")
    cli.run("account", "add", "--id", "acme", "--name", "Acme", "--tier", "enterprise",
            "--plan", "enterprise")
    cli.run("case", "open", "--account", "acme", "--severity", "P2", "--title", "Disks")
    return cli


@pytest.mark.parametrize(("command", "error"), [
    (("token", "revoke", HUGE), f"error: no token {HUGE}"),
    (("credit", "show", HUGE), f"error: no service credit {HUGE}"),
    (("comms", "show", str(2**31)), f"error: no draft {2**31}"),
    (("outbox", "retry", HUGE), f"error: no delivery {HUGE}"),
    (("recovery", "task", "0", "--text", "x"), "error: no recovery task 0"),
    (("case", "ack", "CASE-1", "--step", HUGE), f"error: no escalation step {HUGE}"),
])
def test_an_id_no_row_can_have_exits_4(
    cli: InProcessCli, command: tuple[str, ...], error: str
) -> None:
    assert error in cli.run(*command, code=4)


@pytest.mark.parametrize(("command", "error"), [
    (("calendar", "show", "office", "--from", "9999-12-25", "--days", "30"),
     "error: --from: must be between the years 1900 and 9000"),
    (("case", "respond", "CASE-1", "--note", "x" * 4001),
     "error: --note: must be at most 4000 characters (it has 4001)"),
    (("case", "resolve", "CASE-1", "--reason", "\x1b[2J"),
     "error: --reason: must not contain control characters other than newline and tab "
     "(U+001B at character 1)"),
    (("case", "flag", "CASE-1", "low_csat", "--expected-version", HUGE),
     "error: --expected-version: must be between 0 and 2147483647"),
    (("token", "create", "--label", "L" * 201),
     "error: --label: must be at most 200 characters (it has 201)"),
    (("comms", "draft", "CASE-1", "--kind", "progress_update", "--set", "next_steps=\x07"),
     "error: --set next_steps: must not contain control characters other than newline and "
     "tab (U+0007 at character 1)"),
    (("case", "open", "--account", "acme", "--severity", "P2", "--title", "t" * 201),
     "error: --title: must be at most 200 characters"),
])
def test_a_date_or_text_out_of_bounds_exits_2_naming_the_option(
    cli: InProcessCli, command: tuple[str, ...], error: str
) -> None:
    cli.run("calendar", "add", "office", "--timezone", "UTC", "--hours", "09:00-18:00",
            "--days", "mon-fri")
    assert error in cli.run(*command, code=2)
    assert len(json.loads(cli.run("case", "timeline", "CASE-1", "--format", "json"))) == 1
