"""The real `escalada` command, one process per call, on a SQLite file of the test's own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ESCALADA = Path(sys.executable).with_name("escalada")


class Cli:
    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.env = {**os.environ, "ESCALADA_DATABASE_URL": f"sqlite:///{tmp_path}/cli.db",
                    "ESCALADA_USER": "irina"}
        self.env.pop("ESCALADA_POLICY", None)

    def run(self, *args: str, code: int = 0, stdin: str | None = None,
            stdout: bool | None = None) -> str:
        """The command's stdout when it succeeds, its stderr when it fails (or stdout
        when asked: a finding such as a broken audit is a report, not an error)."""
        done = subprocess.run(
            [str(ESCALADA), *args], env=self.env, input=stdin, capture_output=True,
            text=True, timeout=60, check=False,
        )
        assert done.returncode == code, (args, done.returncode, done.stdout, done.stderr)
        return done.stdout if (code == 0 if stdout is None else stdout) else done.stderr

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "--format", "json"))

    def file(self, name: str, document: object) -> str:
        path = self.tmp_path / name
        path.write_text(json.dumps(document), encoding="utf-8")
        return str(path)


class InProcessCli:
    """The `escalada` command run in this process (fast, for walking many commands), on
    a SQLite file of the test's own, acting as irina."""

    def __init__(self, tmp_path: Path, monkeypatch: Any) -> None:
        from escalada.entrypoints.cli import output

        monkeypatch.setenv("ESCALADA_DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
        monkeypatch.setenv("ESCALADA_USER", "irina")
        monkeypatch.setenv("COLUMNS", "400")  # whole cells on one line, to find them
        monkeypatch.delenv("ESCALADA_POLICY", raising=False)
        output.bare_context.cache_clear()

    def run(self, *args: str, code: int = 0) -> str:
        """The command's stdout when it succeeds, its stderr when it fails."""
        from typer.testing import CliRunner

        from escalada.entrypoints.cli import output
        from escalada.entrypoints.cli.app import app

        output.console.cache_clear()
        output.actor.cache_clear()
        done = CliRunner().invoke(app, list(args))
        assert done.exit_code == code, (args, done.exit_code, done.output, done.exception)
        return done.stdout if code == 0 else done.stderr
