"""Structured logs (structlog): JSON lines for machines, readable lines on a terminal.

structlog is configured the moment it is imported, not before: a command that logs
nothing (`escalada case show`) never imports it (~90 ms with its Rich tracebacks)."""

from __future__ import annotations

import sys
from typing import Any


class _Stderr:
    """Whatever sys.stderr is when a line is written (a test may swap it between commands
    run in one process), not the stream it was when logging was configured."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure(level: str = "INFO") -> None:
    """Route structlog's lines to stderr in one format: now if structlog is loaded, else
    as soon as some module imports it (before that module can log)."""
    if "structlog" in sys.modules:
        _configure(level)
        return
    _ON_IMPORT.level = level
    if _ON_IMPORT not in sys.meta_path:
        sys.meta_path.insert(0, _ON_IMPORT)


def _configure(level: str) -> None:
    import logging

    import structlog

    renderer: structlog.typing.Processor = (
        structlog.dev.ConsoleRenderer() if sys.stderr.isatty()
        else structlog.processors.JSONRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(file=_Stderr()),  # type: ignore[arg-type]
        # Not cached: a logger bound once would keep this configuration for good, and a
        # process that configures logging again (tests running commands in-process, with
        # structlog's capture_logs) would never see the new one.
        cache_logger_on_first_use=False,
    )


class _ConfigureOnImport:
    """An import finder that finds nothing of its own: asked for structlog, it steps
    aside, lets the other finders find it, and has it configured once it has loaded."""

    level = "INFO"

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name != "structlog":
            return None
        sys.meta_path.remove(self)
        for finder in sys.meta_path:
            spec = getattr(finder, "find_spec", lambda *_: None)(name, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = _ThenConfigure(spec.loader, self.level)
                return spec
        return None


class _ThenConfigure:
    """A module loader that runs `loader`, then configures structlog."""

    def __init__(self, loader: Any, level: str) -> None:
        self.loader, self.level = loader, level

    def create_module(self, spec: Any) -> Any:
        return self.loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        self.loader.exec_module(module)
        _configure(self.level)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.loader, name)


_ON_IMPORT = _ConfigureOnImport()
