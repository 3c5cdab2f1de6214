"""Logs are configured before anything logs, yet structlog loads only when a module that
logs is imported (a fresh interpreter each, as a command's process)."""

from __future__ import annotations

import subprocess
import sys

LATER = """
import sys
from escalada.entrypoints import logs
logs.configure()
assert "structlog" not in sys.modules
import escalada.services.endpoints  # logs to escalada.audit
import structlog
assert structlog.is_configured()
structlog.get_logger("escalada.audit").info("endpoint added", name="ops")
"""

NOW = """
import structlog
from escalada.entrypoints import logs
logs.configure("WARNING")
structlog.get_logger("x").info("not shown")
structlog.get_logger("x").warning("shown")
"""


def run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False)


def test_structlog_is_configured_the_moment_a_module_imports_it() -> None:
    done = run(LATER)
    assert done.returncode == 0, done.stderr
    assert '"event": "endpoint added"' in done.stderr and '"name": "ops"' in done.stderr
    assert done.stdout == ""


def test_structlog_already_loaded_is_configured_at_once() -> None:
    done = run(NOW)
    assert done.returncode == 0, done.stderr
    assert "shown" in done.stderr and "not shown" not in done.stderr
