"""Benchmark a write: how many statements opening a case sends, how long it takes, and
whether a case's 5,001st change costs what a fresh case's change does.

Run: python bench/writes.py [--opens N] [--changes N] [--samples N] [--skip-sqlite]
[--skip-postgres] [--postgres-url URL] [--src DIR]. SQLite runs on a temporary file;
PostgreSQL on its own database (bench_writes by default, created for every run, dropped
after it), skipped with the reason when the server cannot be reached. --src runs another
checkout's escalada (its src/ directory) to compare with.

Every write goes through the service functions the CLI and the API call (cases.open_case,
cases.respond), on a clock that moves one minute per write, with no worker running.

1. Statements to open a case: the third case of an account (the account and the policy
   stored already, as on a working day), counted with escalada.testing.count_statements
   (SQLAlchemy's cursor events; SQLite's BEGIN IMMEDIATE counts, a commit does not).
2. Opening a case: p50 and p95 of --opens openings, in milliseconds.
3. A long-lived case: one case gets --changes customer updates (each plans its timers
   again, dropping the pending ones: tens of thousands of dropped timers, thousands of
   timeline entries). Then, interleaved, --samples more updates of that case and the
   second update of as many fresh cases are timed; the figure is the ratio of their
   medians.
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
sys.path.append(str(Path(__file__).resolve().parent))  # results.py, after the standard library

import argparse
import statistics
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import scratch
from results import report
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from escalada.adapters.db.tables import TimelineRow, TimerRow
from escalada.adapters.policy_file import current_policy
from escalada.bootstrap import wire
from escalada.services import cases
from escalada.services.accounts import add_account
from escalada.services.context import Actor, Context
from escalada.testing import FakeClock, count_statements
from escalada.testing import ScratchDatabase as Database

OPEN_STATEMENTS_GOAL = 8
LONG_LIVED_RATIO_GOAL = 1.2  # a change after --changes earlier ones / a fresh case's
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ADMIN, AGENT = Actor("admin", "admin"), Actor("ana", "engineer")

_started = time.perf_counter()


def progress(message: str) -> None:
    print(f"[{time.perf_counter() - _started:7.1f}s] {message}", file=sys.stderr, flush=True)


@dataclass
class Result:
    database: str
    open_statements: int = 0
    open_sql: list[str] = field(default_factory=list)
    opens: list[float] = field(default_factory=list)  # seconds
    long_lived: list[float] = field(default_factory=list)
    fresh: list[float] = field(default_factory=list)
    dropped_timers: int = 0
    timeline_entries: int = 0

    @property
    def ratio(self) -> float:
        return statistics.median(self.long_lived) / statistics.median(self.fresh)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class Writer:
    """Writes through the service functions, one minute apart."""

    def __init__(self, database: Database) -> None:
        self.clock = FakeClock(START)
        self.engine = database.engine
        self.ctx: Context = wire(lambda: database.engine, current_policy, self.clock)
        add_account(ctx=self.ctx, actor=ADMIN, id="acme", name="Acme Corp",
                    tier="enterprise", support_plan="enterprise")

    def open(self, title: str = "Volumes detach under load") -> str:
        self.clock.advance(minutes=1)
        return cases.open_case(ctx=self.ctx, actor=AGENT, account="acme", severity="P1",
                               title=title).snapshot.id

    def respond(self, case_id: str) -> float:
        """One customer update; the seconds it took."""
        self.clock.advance(minutes=1)
        started = time.perf_counter()
        cases.respond(ctx=self.ctx, actor=AGENT, case_id=case_id, note="still on it")
        return time.perf_counter() - started


def measure(database: Database, opens: int, changes: int, samples: int) -> Result:
    result = Result(database.name)
    writer = Writer(database)
    writer.open()
    writer.open()
    with count_statements(writer.engine) as counted:
        writer.open()
    result.open_statements, result.open_sql = counted.count, counted.sql
    progress(f"{database.name}: opening {opens} cases")
    for _ in range(opens):
        started = time.perf_counter()
        writer.open()
        result.opens.append(time.perf_counter() - started)
    progress(f"{database.name}: {changes:,} changes to one case")
    long_lived = writer.open("A long-lived case")
    for done in range(1, changes + 1):
        writer.respond(long_lived)
        if done % 1000 == 0:
            progress(f"{database.name}: {done:,} changes")
    progress(f"{database.name}: {samples} changes of it and of fresh cases, interleaved")
    for _ in range(samples):
        result.long_lived.append(writer.respond(long_lived))
        fresh = writer.open("A fresh case")
        writer.respond(fresh)  # its first response; the second is a customer update too
        result.fresh.append(writer.respond(fresh))
    number = int(long_lived.split("-")[1])
    with writer.engine.connect() as connection:
        result.dropped_timers = connection.scalar(select(func.count()).select_from(TimerRow)
                                                  .where(TimerRow.case_number == number,
                                                         TimerRow.state == "dropped")) or 0
        result.timeline_entries = connection.scalar(
            select(func.count()).select_from(TimelineRow)
            .where(TimelineRow.case_number == number)) or 0
    writer.engine.dispose()
    return result


def table(results: list[Result], skipped: dict[str, str], changes: int) -> Table:
    shown = Table(title=f"a write: opening a case, and a case's change after {changes:,} "
                        "earlier ones against a fresh case's")
    for column in ("database", "statements to open", "open p50", "open p95",
                   "long-lived change p50", "fresh change p50", "ratio",
                   "dropped timers, entries"):
        shown.add_column(column, justify="left" if column == "database" else "right")
    for result in results:
        shown.add_row(
            result.database,
            f"{result.open_statements} (goal <= {OPEN_STATEMENTS_GOAL})",
            f"{percentile(result.opens, 0.5) * 1000:.1f} ms",
            f"{percentile(result.opens, 0.95) * 1000:.1f} ms",
            f"{statistics.median(result.long_lived) * 1000:.1f} ms",
            f"{statistics.median(result.fresh) * 1000:.1f} ms",
            f"{result.ratio:.2f}x (goal <= {LONG_LIVED_RATIO_GOAL}x)",
            f"{result.dropped_timers:,}, {result.timeline_entries:,}")
    for name, reason in skipped.items():
        shown.add_row(name, "-", "-", "-", "-", "-", "-", f"skipped: {reason}")
    return shown


def report_results(results: list[Result], skipped: dict[str, str], changes: int) -> None:
    for result in results:
        name = result.database
        report("writes", f"statements to open a case, {name}", result.open_statements, "",
               f"<= {OPEN_STATEMENTS_GOAL}", result.open_statements <= OPEN_STATEMENTS_GOAL)
        report("writes", f"open a case p50, {name}",
               round(percentile(result.opens, 0.5) * 1000, 1), "ms", "", None,
               f"p95 {percentile(result.opens, 0.95) * 1000:.1f} ms")
        report("writes", f"change after {changes:,} changes / fresh case's, {name}",
               round(result.ratio, 2), "x", f"<= {LONG_LIVED_RATIO_GOAL}",
               result.ratio <= LONG_LIVED_RATIO_GOAL,
               f"medians {statistics.median(result.long_lived) * 1000:.1f} / "
               f"{statistics.median(result.fresh) * 1000:.1f} ms")
    for name, reason in skipped.items():
        report("writes", f"statements to open a case, {name}", None, "",
               f"<= {OPEN_STATEMENTS_GOAL}", None, reason)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--opens", type=int, default=200, help="timed case openings")
    parser.add_argument("--changes", type=int, default=5000,
                        help="changes to the long-lived case before it is timed")
    parser.add_argument("--samples", type=int, default=50,
                        help="timed changes of the long-lived case and of fresh cases")
    scratch.database_options(parser, "writes")
    parser.add_argument("--src", help="the src/ directory of the escalada to measure")
    parser.add_argument("--show-statements", action="store_true",
                        help="list the statements of opening a case")
    options = parser.parse_args()
    import escalada

    progress(f"escalada from {Path(escalada.__file__).parent}")
    results, skipped = scratch.on_each_database(
        options, "writes",
        lambda database: measure(database, options.opens, options.changes, options.samples),
        skipped=lambda name, why: progress(f"{name}: skipped: {why}"), say=progress)
    console = Console(width=150)
    console.print(table(results, skipped, options.changes))
    if options.show_statements:
        for result in results:
            console.print(f"\n[bold]{result.database}: opening a case[/bold]", highlight=False)
            for number, sql in enumerate(result.open_sql, 1):
                console.print(f"  {number}. {' '.join(sql.split())[:140]}", highlight=False,
                              markup=False)
    report_results(results, skipped, options.changes)


if __name__ == "__main__":
    main()
