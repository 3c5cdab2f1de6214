"""Figures a benchmark reports for `make bench`'s one table (bench/summary.py).

Each benchmark prints its own tables as before and, for every figure that has a goal,
calls `report(...)`. When ESCALADA_BENCH_RESULTS names a file (make bench sets it), the
figure is appended to it as one JSON line; otherwise `report` does nothing.
"""

from __future__ import annotations

import json
import os
import platform
from datetime import UTC, datetime

RESULTS_ENV = "ESCALADA_BENCH_RESULTS"


def report(bench: str, figure: str, value: float | None, unit: str, goal: str,
           met: bool | None, note: str = "") -> None:
    """One figure: e.g. report("timers", "timers fired/s, one worker, PostgreSQL", 1840.0,
    "/s", ">= 1,000", True). `value` None (and met None) when it could not be measured;
    `note` says why, or what the figure is against (a ratio's baseline)."""
    path = os.environ.get(RESULTS_ENV)
    if not path:
        return
    line = {"bench": bench, "figure": figure, "value": value, "unit": unit, "goal": goal,
            "met": met, "note": note, "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} cores"}
    with open(path, "a", encoding="utf-8") as results:
        results.write(json.dumps(line, ensure_ascii=False) + "\n")
