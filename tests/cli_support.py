"""The `escalada` command on a SQLite file of the test's own: in this process (fast) with
the environment a process of its own would have, or as a real process (`RealCli`)."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, NamedTuple

import typer.testing

ESCALADA = Path(sys.executable).with_name("escalada")


class Done(NamedTuple):
    """What one call of the command gave back."""

    code: int
    stdout: str
    stderr: str


class Cli:
    """The `escalada` command run in this process (Typer's CliRunner), as a process of its
    own would run: with exactly `env` as its environment, a fresh context, console and
    user, stdout and stderr apart, no tty, and a program name of `escalada`. An
    unexpected exception fails the test with its traceback (a process would exit 1)."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.env = {**os.environ, "ESCALADA_DATABASE_URL": f"sqlite:///{tmp_path}/cli.db",
                    "ESCALADA_USER": "irina"}
        self.env.pop("ESCALADA_POLICY", None)
        # Output piped to a program, not a terminal of some width (pytest-xdist's workers
        # inherit COLUMNS=80): tables print 160 wide, as `escalada ... | grep` does.
        for name in ("COLUMNS", "LINES"):
            self.env.pop(name, None)

    def run(self, *args: str, code: int = 0, stdin: str | None = None,
            stdout: bool | None = None) -> str:
        """The command's stdout when it succeeds, its stderr when it fails (or stdout
        when asked: a finding such as a broken audit is a report, not an error)."""
        done = self.call(*args, stdin=stdin)
        assert done.code == code, (args, done.code, done.stdout, done.stderr)
        return done.stdout if (code == 0 if stdout is None else stdout) else done.stderr

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "--format", "json"))

    def file(self, name: str, document: object) -> str:
        path = self.tmp_path / name
        path.write_text(json.dumps(document), encoding="utf-8")
        return str(path)

    def call(self, *args: str, stdin: str | None = None) -> Done:
        import structlog
        from typer.testing import CliRunner

        from escalada.entrypoints.cli import output
        from escalada.entrypoints.cli.app import app

        saved_environ = dict(os.environ)
        logs_configured, saved_logs = structlog.is_configured(), structlog.get_config()
        os.environ.clear()
        os.environ.update(self.env)
        _forget(output)
        try:
            result = CliRunner().invoke(app, list(args), input=stdin, prog_name="escalada",
                                        catch_exceptions=False)
        finally:
            if output.bare_context.cache_info().currsize and "engine" in vars(
                    context := output.bare_context()):
                context.engine.dispose()
            _forget(output)
            os.environ.clear()
            os.environ.update(saved_environ)
            if logs_configured:
                structlog.configure(**saved_logs)
            else:
                structlog.reset_defaults()
        return Done(result.exit_code, result.stdout, result.stderr)


@functools.cache
def _command(app: Any) -> Any:
    """The Click command Typer builds from the app, built once as a process builds it
    (rebuilding it was most of an in-process call's time)."""
    from typer.main import get_command

    return get_command(app)


# Typer's runner rebuilds the command on every call; a process builds it once.
typer.testing._get_command = _command


def _forget(output: Any) -> None:
    """What the CLI keeps for the life of its process: a new process starts without it."""
    output.bare_context.cache_clear()
    output.console.cache_clear()
    output.actor.cache_clear()


class RealCli(Cli):
    """The installed `escalada` executable, one process per call: for what only a real
    process shows (the entry point, exit codes, what lands on stdout and on stderr)."""

    def call(self, *args: str, stdin: str | None = None) -> Done:
        done = subprocess.run(
            [str(ESCALADA), *args], env=self.env, input=stdin, capture_output=True,
            text=True, timeout=60, check=False,
        )
        return Done(done.returncode, done.stdout, done.stderr)


class InProcessCli(Cli):
    """The in-process command with a wide console: whole table cells on one line, to find
    them (the monkeypatch is no longer needed: each call has its own environment)."""

    def __init__(self, tmp_path: Path, monkeypatch: Any = None) -> None:
        super().__init__(tmp_path)
        self.env["COLUMNS"] = "400"


def russian_cli(tmp_path: Path) -> Cli:
    """The command under LANG=ru_RU (no ESCALADA_LANG), wide enough that tables do not wrap,
    with irina (an admin) and acme, a Russian-speaking enterprise account in Moscow."""
    cli = Cli(tmp_path)
    cli.env.pop("ESCALADA_LANG", None)
    cli.env.update(LANG="ru_RU.UTF-8", COLUMNS="400")
    cli.run("user", "add", "irina", "--role", "admin")
    cli.run("account", "add", "--id", "acme", "--name", "Acme Corp", "--tier", "enterprise",
            "--plan", "enterprise", "--timezone", "Europe/Moscow", "--language", "ru")
    return cli
