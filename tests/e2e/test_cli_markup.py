"""Whatever people typed is printed as they typed it: no command reads data as Rich
markup (a title like `[/] broken [red]markup` once made every list exit 1)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import InProcessCli

MARKUP = "[/] broken [red]markup[/x] :smile: [link=https://x]"


@pytest.fixture
def marked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> InProcessCli:
    """A database where every free text a person can type carries markup."""
    cli = InProcessCli(tmp_path, monkeypatch)
    cli.run("user", "add", "irina", "--role", "admin", "--display-name", MARKUP)
    cli.run("account", "add", "--id", "acme", "--name", MARKUP, "--tier", "enterprise",
            "--plan", "enterprise")
    cli.run("case", "open", "--account", "acme", "--severity", "P2", "--title", MARKUP)
    cli.run("case", "respond", "CASE-1", "--note", MARKUP)
    cli.run("case", "flag", "CASE-1", "low_csat", "--reason", MARKUP)
    cli.run("case", "remind", "CASE-1", "--in", "1h", "--note", MARKUP)
    cli.run("case", "message", "CASE-1", "--text", MARKUP, "--author", MARKUP)
    cli.run("credit", "propose", "CASE-1", "--amount", "10", "--reason", MARKUP)
    cli.run("user", "add", "lena", "--role", "team_lead", "--display-name", MARKUP)
    cli.run("--as", "lena", "recovery", "create", "CASE-1", "--reason", MARKUP)
    cli.run("recovery", "add", "CASE-1", "--phase", "immediate", "--text", MARKUP)
    cli.run("token", "create", "--label", MARKUP)
    cli.run("account", "contact", "add", "acme", "--name", MARKUP, "--title", MARKUP)
    cli.run("account", "update", "acme", "--tier", "strategic", "--reason", MARKUP)
    cli.run("endpoint", "add", "ops", "--channel", "webhook",
            "--url", "https://hooks.example/[red]x[/]")
    cli.run("comms", "draft", "CASE-1", "--kind", "progress_update", "--status",
            "INVESTIGATING", "--set", f"next_steps={MARKUP}")
    return cli


@pytest.mark.parametrize("command", [
    ("account", "list"), ("account", "show", "acme"),
    ("case", "list"), ("case", "show", "CASE-1"), ("case", "timeline", "CASE-1"),
    ("case", "messages", "CASE-1"),
    ("credit", "list"), ("credit", "show", "1"), ("recovery", "show", "CASE-1"),
    ("user", "list"), ("token", "list"), ("comms", "drafts", "CASE-1"),
    ("account", "contact", "list", "acme"), ("account", "history", "acme"),
])
def test_every_list_and_show_prints_markup_as_typed(
    marked: InProcessCli, command: tuple[str, ...]
) -> None:
    shown = marked.run(*command)
    assert "[/] broken [red]markup" in shown
    assert "\\[" not in shown  # printed as typed, not escaped twice


def test_an_endpoint_list_shows_its_masked_url_without_escapes(marked: InProcessCli) -> None:
    shown = marked.run("endpoint", "list")
    assert "https://hooks.example/…/****" in shown and "\\" not in shown


def test_an_error_naming_markup_is_reported_as_typed(marked: InProcessCli) -> None:
    error = marked.run("account", "show", "[/x] [red]", code=4)
    assert "error: no account '[/x] [red]'" in error
    assert "error: case: '[/x]' is not a case id" in marked.run("case", "show", "[/x]", code=2)
