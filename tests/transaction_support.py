"""Counting the units of work a use case opens: a page read in one read-only transaction."""

from __future__ import annotations

from typing import Any

import pytest

from escalada.services.context import Context


def count_units(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How many read-only and writing units of work the context opens from now on."""
    counts = {"reading": 0, "writing": 0}

    def counted(kind: str, opener: Any) -> Any:
        def open_unit(*args: Any, **kwargs: Any) -> Any:
            counts[kind] += 1
            return opener(*args, **kwargs)
        return open_unit

    monkeypatch.setattr(ctx, "reading", counted("reading", ctx.reading))
    monkeypatch.setattr(ctx, "unit_of_work", counted("writing", ctx.unit_of_work))
    return counts
