"""Benchmark the escalation report: a case with a long timeline rendered to Markdown and
to PDF.

Run: python bench/report.py [--entries N] [--rounds R] [--src DIR] (defaults 5,000 and
3; --src runs another checkout's escalada, its src/ directory, to compare two versions in
one run on the same machine). A case of a Russian-speaking account is opened on a
temporary SQLite file, escalated to T2 and L2 with a root cause, two commitments and a
credit, and given N timeline entries besides (bulk
inserted: the chain's hashes are not what is measured). Then `services.report.
escalation_report` (reading the record in one read-only unit of work, building the
sections, rendering) runs R times to Markdown and R times to PDF (HTML from markdown-it-py,
the matplotlib chart, WeasyPrint); the best and median of each are printed with the
machine. Goals (issue 14): Markdown under 0.5 s, PDF under 5 s.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Python puts bench/ first on the path, where bench/calendar.py would shadow the standard
# library's calendar module, which the database drivers' dependencies import.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)
if "--src" in sys.argv:  # another checkout's escalada, imported before the installed one
    sys.path.insert(0, str(Path(sys.argv[sys.argv.index("--src") + 1]).resolve()))

import argparse
import os
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import insert

from escalada.adapters.db.tables import TimelineRow
from escalada.bootstrap import bootstrap
from escalada.services import cases
from escalada.services.accounts import add_account
from escalada.services.commitments import make_commitment
from escalada.services.context import Actor, Context
from escalada.services.escalations import escalate
from escalada.services.people import add_user
from escalada.services.report import escalation_report
from escalada.services.root_cause import record_root_cause

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import report

MARKDOWN_GOAL, PDF_GOAL = 0.5, 5.0
START = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
ADMIN, ANA = Actor("admin", "admin"), Actor("ana", "engineer")
KINDS = ("customer_message", "sla_threshold", "customer_update", "vendor_message", "reminder")


def worked_case(ctx: Context, entries: int) -> str:
    add_user(ctx=ctx, actor=None, name="admin", role="admin")
    add_user(ctx=ctx, actor=ADMIN, name="ana", role="engineer")
    add_account(ctx=ctx, actor=ADMIN, id="meridian-bank", name="АО «Меридиан Банк»",
                tier="strategic", support_plan="enterprise", timezone="Europe/Moscow",
                country="RU", language="ru")
    case_id = cases.open_case(ctx=ctx, actor=ANA, account="meridian-bank", severity="P1",
                              title="Сбой платежей через СБП", services=["load-balancer"],
                              flags=["customer_requested_escalation"]).snapshot.id
    escalate(ctx=ctx, actor=ANA, case_id=case_id, to="L2")
    record_root_cause(ctx=ctx, actor=ANA, case_id=case_id, technical="pgbouncer",
                      process="нет нагрузочной проверки")
    make_commitment(ctx=ctx, actor=ANA, case_id=case_id, what="Отчёт о первопричине",
                    due_at="2026-11-30")
    number = int(case_id.split("-")[1])
    rows: list[dict[str, Any]] = [
        {"case_number": number, "at": START + timedelta(minutes=i // 3),
         "actor": "ana", "kind": KINDS[i % len(KINDS)],
         "summary": f"запись {i}: клиент сообщает о таймаутах 504 в регионе ru-central",
         "reason": None, "data": {}, "prev_hash": None, "hash": None, "key_id": None}
        for i in range(entries)]
    with ctx.unit_of_work() as uow:
        uow.session.execute(insert(TimelineRow), rows)
        uow.session.commit()
    return case_id


def timed(ctx: Context, case_id: str, fmt: str, rounds: int
          ) -> tuple[list[float], list[float], int]:
    """Wall seconds and this process's CPU seconds of each round (on a shared machine the
    two differ by how long the process waited for a core), and the report's size."""
    seconds, cpu, size = [], [], 0
    for _ in range(rounds):
        began, began_cpu = time.perf_counter(), time.process_time()
        rendered = escalation_report(ctx=ctx, actor=ANA, case_id=case_id, fmt=fmt)
        seconds.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
        size = len(rendered.content)
    return seconds, cpu, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--src", help="the src/ directory of the escalada to measure")
    options = parser.parse_args()
    console = Console()
    machine = f"{platform.node()} {platform.machine()} {os.cpu_count()} cores, " \
              f"Python {platform.python_version()}"
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        ctx = bootstrap(url)  # migrated on first use
        ctx.clock = lambda: START + timedelta(days=3)
        case_id = worked_case(ctx, options.entries)
        escalation_report(ctx=ctx, actor=ANA, case_id=case_id, fmt="pdf")  # imports, fonts
        table = Table(title=f"The escalation report of a case with {options.entries:,} "
                            f"timeline entries (SQLite; {machine})", title_justify="left")
        for column in ("format", "best s", "median s", "best CPU s", "size", "goal", "met"):
            table.add_column(column)
        for fmt, goal in (("md", MARKDOWN_GOAL), ("pdf", PDF_GOAL)):
            seconds, cpu, size = timed(ctx, case_id, fmt, options.rounds)
            best = min(seconds)
            met = best < goal
            table.add_row(fmt, f"{best:.3f}", f"{statistics.median(seconds):.3f}",
                          f"{min(cpu):.3f}", f"{size:,} B", f"< {goal} s",
                          "yes" if met else "NO")
            report("report", f"report of {options.entries:,} entries to {fmt}",
                   round(best, 3), "s", f"< {goal} s", met,
                   f"best of {options.rounds} (CPU {min(cpu):.3f} s), SQLite, read and render")
        console.print(table)


if __name__ == "__main__":
    main()
