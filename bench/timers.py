"""Benchmark durable timers: claiming behind a large backlog, and how late they fire.

Run: python bench/timers.py [--sizes 10000,1000000] [--repeat R] [--workers 1,2]
[--phases claim,throughput,lateness] [--skip-sqlite] [--skip-postgres] [--postgres-url URL]
[--src DIR]. SQLite runs on a temporary file; PostgreSQL on its own database (bench_timers
by default, created for every run, dropped after it), skipped with the reason when the
server cannot be reached. --src runs another checkout's escalada (its src/ directory), to
compare two versions in one run on the same machine.

1. Claim: the time `services.timer_firing.claim` takes to claim a batch of 100 due timers while
   N pending timers wait in the future, for each N in --sizes; the ratio of the largest N's
   time to the smallest's shows whether the claim walks the partial index or the table.
2. Throughput: 5,000 due reminders over 1,000 open cases, fired by a worker Pool of each
   --workers size (`Pool.drain`); timers fired per second, and statements sent per timer.
3. Lateness: with 100,000 pending future timers over 1,000 cases, 2,000 reminders fall due
   over 20 s of real time (steady), then 5,000 over 5 s (a storm), while a real worker
   Pool of each --workers size runs; lateness is fired_at - due_at of each.

SQLite runs one worker whatever is asked (the Pool serialises its writers).
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
import json
import math
import random
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import scratch
from results import report
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, event, insert, select, text, update

from escalada.adapters.db.tables import AccountRow, CaseRow, TimerRow
from escalada.adapters.policy_file import current_policy
from escalada.bootstrap import wire
from escalada.entrypoints.logs import configure as configure_logs
from escalada.entrypoints.worker import Pool
from escalada.services.context import Context, system_clock
from escalada.services.timer_firing import claim
from escalada.services.timers import PENDING
from escalada.testing import FakeClock
from escalada.testing import ScratchDatabase as Database

CLAIM_RATIO_GOAL = 1.5  # claim time behind the largest backlog / behind the smallest
LATENESS_P99_GOAL = 1.0  # seconds, fired_at - due_at
THROUGHPUT_GOAL = 1_000.0  # timers fired per second, one worker
THROUGHPUT_TIMERS = 5_000
BATCH = 100  # due timers per claim, as Worker.batch
LEASE = timedelta(seconds=60)
CASES = 50  # the claim's timers spread over this many open cases
STORM_CASES = 1_000  # throughput's and lateness's timers spread over this many
LATENESS_BACKLOG = 100_000
# (name, reminders, seconds of real time they fall due over)
LATENESS_WAVES = (("steady", 2_000, 20.0), ("storm", 5_000, 5.0))
REMINDER_LEAD = 2.0  # seconds from scheduling to the first reminder's due time
IDLE = 0.05  # seconds a worker rests when nothing is due
LOAD_CHUNK = 50_000
TIMER_COLUMNS = ("case_number", "kind", "key", "generation", "due_at", "available_at", "state",
                 "attempts", "payload", "created_at")
FUTURE_KINDS = ("sla_threshold", "step_response_due", "step_unanswered")

_started = time.perf_counter()


def progress(message: str) -> None:
    print(f"[{time.perf_counter() - _started:7.1f}s] {message}", file=sys.stderr, flush=True)


def open_cases(engine: Engine, now: datetime, count: int = CASES) -> list[int]:
    """One account and `count` open cases, inserted directly: timers need a case to point
    at."""
    account = {"id": "acct-bench", "name": "Bench Account", "tier": "enterprise",
               "support_plan": "enterprise", "timezone": "UTC", "country": None,
               "language": "en", "health_score": None, "created_at": now}
    cases: list[dict[str, Any]] = [
        {"account_id": "acct-bench", "title": f"bench case {n}", "severity": "P3",
         "status": "investigating", "tier": "T1", "exec_level": None, "opened_at": now,
         "services": [], "flags": [], "revenue_impact_usd": Decimal(0),
         "business_impact_usd": Decimal(0),
         "escalating_contact_level": "staff", "policy_version": "bench",
         "updated_at": now, "version": 1, "timer_generation": 1} for n in range(count)]
    with engine.begin() as connection:
        connection.execute(insert(AccountRow), [account])
        connection.execute(insert(CaseRow), cases)
        return list(connection.scalars(select(CaseRow.number).order_by(CaseRow.number)))


def future_timers(
    cases: list[int], now: datetime, first: int, count: int, rng: random.Random
) -> Iterator[dict[str, Any]]:
    """Pending timers due between an hour and 90 days from `now`, as planning makes them."""
    for n in range(first, first + count):
        due = now + timedelta(hours=1, seconds=rng.random() * 90 * 86_400)
        yield {"case_number": cases[n % len(cases)], "kind": FUTURE_KINDS[n % 3],
               "key": f"bench:{n}", "generation": 1, "due_at": due, "available_at": due,
               "state": PENDING, "attempts": 0, "payload": {"bench": n}, "created_at": now}


def load(database: Database, rows: Iterator[dict[str, Any]]) -> None:
    """Bulk-insert timers: COPY on PostgreSQL, executemany of dicts on SQLite."""
    if database.postgres:
        raw = database.engine.raw_connection()
        try:
            cursor = raw.driver_connection.cursor()  # type: ignore[union-attr]
            columns = ", ".join(TIMER_COLUMNS)
            with cursor.copy(f"COPY timers ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([json.dumps(row[c]) if c == "payload" else row[c]
                                    for c in TIMER_COLUMNS])
            raw.commit()
        finally:
            raw.close()
        return
    with database.engine.begin() as connection:
        chunk: list[dict[str, Any]] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) == LOAD_CHUNK:
                connection.execute(insert(TimerRow), chunk)
                chunk = []
        if chunk:
            connection.execute(insert(TimerRow), chunk)


def vacuum(database: Database) -> None:
    """On PostgreSQL, what autovacuum does after a bulk load: planner statistics, and the
    index entries of the rows earlier claims replaced cleared away.

    SQLite is left as escalada leaves it: without ANALYZE.
    """
    if database.postgres:
        autocommit = database.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        with autocommit as connection:
            connection.exec_driver_sql("VACUUM ANALYZE timers")


def context(engine: Engine, clock: Callable[[], datetime] | None = None) -> Context:
    return wire(lambda: engine, current_policy, clock or system_clock)


# 1. Claiming behind a backlog


@dataclass
class ClaimResult:
    database: str
    backlog: int
    times: list[float]

    @property
    def best(self) -> float:
        return min(self.times)

    @property
    def median(self) -> float:
        return statistics.median(self.times)


@dataclass
class ClaimReport:
    results: list[ClaimResult] = field(default_factory=list)
    plans: dict[str, list[str]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)


def claim_benchmark(
    database: Database, sizes: list[int], repeat: int, report: ClaimReport
) -> None:
    engine = database.engine
    now = datetime.now(UTC).replace(microsecond=0)
    cases = open_cases(engine, now)
    due = [{"case_number": cases[n % len(cases)], "kind": "reminder", "key": f"due:{n}",
            "generation": None, "due_at": now - timedelta(seconds=n + 1),
            "available_at": now - timedelta(seconds=n + 1), "state": PENDING, "attempts": 0,
            "payload": {"note": "due", "by": "bench"}, "created_at": now}
           for n in range(BATCH)]
    with engine.begin() as connection:
        connection.execute(insert(TimerRow), due)
        due_ids = set(connection.scalars(select(TimerRow.id).where(TimerRow.key.like("due:%"))))
    ctx = context(engine, FakeClock(now))
    rng = random.Random(1042)
    loaded = 0
    for size in sizes:
        started = time.perf_counter()
        load(database, future_timers(cases, now, loaded, size - loaded, rng))
        loaded = size
        vacuum(database)
        progress(f"{database.name}: {size:,} future timers loaded "
                 f"in {time.perf_counter() - started:.1f} s")
        times = []
        for run in range(repeat + 1):  # the first claim warms the pool and caches
            reset_due(engine, due_ids)
            started = time.perf_counter()
            claimed = claim(ctx, owner="bench", limit=BATCH, lease=LEASE)
            elapsed = time.perf_counter() - started
            if {timer.id for timer in claimed} != due_ids:
                raise SystemExit(f"{database.name}: claimed {len(claimed)} timers, "
                                 f"not the {BATCH} due ones")
            if run:
                times.append(elapsed)
        result = ClaimResult(database.name, size, times)
        report.results.append(result)
        progress(f"{database.name}: claim behind {size:,}: best {result.best * 1000:.2f} ms, "
                 f"median {result.median * 1000:.2f} ms")
    report.plans[database.name] = claim_plan(database, ctx, due_ids)


def reset_due(engine: Engine, due_ids: set[int]) -> None:
    """Make the claimed batch due again, as it was before the claim."""
    with engine.begin() as connection:
        connection.execute(
            update(TimerRow).where(TimerRow.id.in_(due_ids))
            .values(available_at=TimerRow.due_at, lease_owner=None, attempts=0, state=PENDING))


def claim_plan(database: Database, ctx: Context, due_ids: set[int]) -> list[str]:
    """The plan of the very SELECT that `claim` sends, with its parameters."""
    engine = database.engine
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "LIMIT" in statement.upper():
            captured.append((statement, parameters))

    reset_due(engine, due_ids)
    event.listen(engine, "before_cursor_execute", capture)
    try:
        claim(ctx, owner="bench", limit=BATCH, lease=LEASE)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    reset_due(engine, due_ids)
    statement, parameters = captured[0]
    lines = ["query: " + " ".join(statement.split()), f"parameters: {parameters!r}"]
    with engine.connect() as connection:
        if database.postgres:
            explain = "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF, SUMMARY OFF) "
            lines += [row[0] for row in connection.exec_driver_sql(explain + statement,
                                                                   parameters)]
            # psycopg prepares a statement run 5 times on one connection; PostgreSQL may
            # then plan it once for any parameters (a generic plan).
            prepared = connection.execute(text(
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
                "WHERE statement LIKE :claim"), {"claim": "%FROM timers%LIMIT%"}).all()
            lines += [f"prepared claim statement on this connection: {g} generic plans, "
                      f"{c} custom plans" for g, c in prepared]
        else:
            plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            lines += [row[-1] for row in plan]
        connection.rollback()  # EXPLAIN ANALYZE took the rows' locks
    return lines


# 2. Throughput: a pool firing due timers as fast as it can


@dataclass
class ThroughputResult:
    database: str
    asked: int  # workers asked for
    workers: int  # workers the Pool ran (one on SQLite)
    fired: int
    wall: float
    statements: int

    @property
    def per_second(self) -> float:
        return self.fired / self.wall if self.wall else 0.0


def reminders(
    cases: list[int], now: datetime, first_due: datetime, count: int, span: float, tag: str
) -> list[dict[str, Any]]:
    """`count` pending reminders over the cases, falling due evenly over `span` seconds."""
    step = span / count
    return [{"case_number": cases[n % len(cases)], "kind": "reminder",
             "key": f"reminder:{tag}:{n}", "generation": None,
             "due_at": first_due + timedelta(seconds=n * step),
             "available_at": first_due + timedelta(seconds=n * step), "state": PENDING,
             "attempts": 0, "payload": {"note": f"bench reminder {n}", "by": "bench"},
             "created_at": now} for n in range(count)]


def throughput_benchmark(database: Database, workers: list[int]) -> list[ThroughputResult]:
    engine = database.engine
    now = datetime.now(UTC)
    cases = open_cases(engine, now, STORM_CASES)
    results = []
    for asked in workers:
        rows = reminders(cases, now, now - timedelta(minutes=1), THROUGHPUT_TIMERS, 0.0,
                         f"throughput-{asked}")
        with engine.begin() as connection:
            connection.execute(insert(TimerRow), rows)
        vacuum(database)
        pool = Pool(context(engine), concurrency=asked)
        statements = [0]

        def count(*_: Any, tally: list[int] = statements) -> None:
            tally[0] += 1

        event.listen(engine, "before_cursor_execute", count)
        started = time.perf_counter()
        try:
            fired = pool.drain()
        finally:
            event.remove(engine, "before_cursor_execute", count)
        wall = time.perf_counter() - started
        result = ThroughputResult(database.name, asked, len(pool.workers), fired, wall,
                                  statements[0])
        progress(f"{database.name}: {fired:,} timers fired by {len(pool.workers)} worker(s) "
                 f"in {wall:.1f} s: {result.per_second:,.0f}/s")
        results.append(result)
    return results


# 3. Firing lateness under a real worker pool


@dataclass
class LatenessResult:
    database: str
    wave: str
    backlog: int
    scheduled: int
    span: float
    lateness: list[float]
    workers: int
    wall: float

    def percentile(self, p: float) -> float:
        ordered = sorted(self.lateness)
        return ordered[max(math.ceil(p / 100 * len(ordered)) - 1, 0)]


def lateness_benchmark(database: Database, workers: list[int]) -> list[LatenessResult]:
    engine = database.engine
    now = datetime.now(UTC)
    cases = open_cases(engine, now, STORM_CASES)
    started = time.perf_counter()
    load(database, future_timers(cases, now, 0, LATENESS_BACKLOG, random.Random(7)))
    vacuum(database)
    progress(f"{database.name}: {LATENESS_BACKLOG:,} future timers loaded "
             f"in {time.perf_counter() - started:.1f} s")
    results = []
    for asked in workers:
        for wave, count, span in LATENESS_WAVES:
            results.append(_wave(database, cases, asked, wave, count, span))
    return results


def _wave(
    database: Database, cases: list[int], asked: int, wave: str, count: int, span: float,
) -> LatenessResult:
    engine = database.engine
    now = datetime.now(UTC)
    tag = f"{wave}-{asked}"
    first_due = now + timedelta(seconds=REMINDER_LEAD)
    with engine.begin() as connection:
        connection.execute(insert(TimerRow), reminders(cases, now, first_due, count, span, tag))
    pool = Pool(context(engine), concurrency=asked, idle=IDLE)
    progress(f"{database.name}: {wave}: {count:,} reminders due over the next {span:g} s; "
             f"{len(pool.workers)} workers running")
    started = time.perf_counter()
    pool.start()
    deadline = time.monotonic() + REMINDER_LEAD + span + 60
    try:
        while pool.fired < count and time.monotonic() < deadline:
            time.sleep(0.25)
    finally:
        pool.shutdown()
    wall = time.perf_counter() - started
    with engine.connect() as connection:
        rows = connection.execute(select(TimerRow.due_at, TimerRow.fired_at).where(
            TimerRow.key.like(f"reminder:{tag}:%"), TimerRow.fired_at.is_not(None))).all()
    lateness = [(fired - due).total_seconds() for due, fired in rows
                if fired is not None]  # as the query asked
    progress(f"{database.name}: {wave}: {len(lateness):,} of {count:,} fired in {wall:.1f} s")
    return LatenessResult(database.name, wave, LATENESS_BACKLOG, count, span, lateness,
                          len(pool.workers), wall)


# Output


def claim_table(report: ClaimReport, repeat: int) -> Table:
    table = Table(title=f"claim {BATCH} due timers behind a backlog of future ones "
                        f"(best and median of {repeat} claims)")
    for column in ("database", "future timers", "best", "median", "ratio (best, median)",
                   "goal", "result"):
        table.add_column(column, justify="left" if column == "database" else "right")
    by_database: dict[str, list[ClaimResult]] = {}
    for result in report.results:
        by_database.setdefault(result.database, []).append(result)
    for name, results in by_database.items():
        smallest = results[0]
        for result in results:
            ratio, goal, verdict = "-", "-", "-"
            if result is not smallest:
                best_ratio = result.best / smallest.best
                median_ratio = result.median / smallest.median
                ratio = f"{best_ratio:.2f}, {median_ratio:.2f}"
                goal = f"<= {CLAIM_RATIO_GOAL} vs {smallest.backlog:,}"
                verdict = "PASS" if best_ratio <= CLAIM_RATIO_GOAL else "MISS"
            table.add_row(name, f"{result.backlog:,}", f"{result.best * 1000:.2f} ms",
                          f"{result.median * 1000:.2f} ms", ratio, goal, verdict)
    for name, reason in report.skipped.items():
        table.add_row(name, "-", "-", "-", "-", "-", f"skipped: {reason}")
    return table


def _workers(result: ThroughputResult | LatenessResult, asked: int) -> str:
    return str(result.workers) if result.workers == asked else f"{result.workers} (asked {asked})"


def throughput_table(results: list[ThroughputResult], skipped: dict[str, str]) -> Table:
    table = Table(title=f"timers fired per second: {THROUGHPUT_TIMERS:,} due reminders over "
                        f"{STORM_CASES:,} cases, worker Pool.drain")
    for column in ("database", "workers", "fired", "wall", "timers/s", "statements/timer",
                   "goal", "result"):
        table.add_column(column, justify="left" if column == "database" else "right")
    for result in results:
        one = result.asked == 1
        goal = f">= {THROUGHPUT_GOAL:,.0f}/s" if one else "-"
        verdict = ("PASS" if result.per_second >= THROUGHPUT_GOAL else "MISS") if one else "-"
        table.add_row(result.database, _workers(result, result.asked),
                      f"{result.fired:,}", f"{result.wall:.2f} s",
                      f"{result.per_second:,.0f}",
                      f"{result.statements / max(result.fired, 1):.1f}", goal, verdict)
        report("timers", f"timers fired/s, {result.workers} worker(s), {result.database}",
               round(result.per_second, 1), "/s", goal if one else "",
               (result.per_second >= THROUGHPUT_GOAL) if one else None,
               f"{THROUGHPUT_TIMERS:,} due reminders; "
               f"{result.statements / max(result.fired, 1):.1f} statements each")
    for name, reason in skipped.items():
        table.add_row(name, "-", "-", "-", "-", "-", "-", f"skipped: {reason}")
        report("timers", f"timers fired/s, {name}", None, "/s", f">= {THROUGHPUT_GOAL:,.0f}/s",
               None, f"skipped: {reason}")
    return table


def lateness_table(results: list[LatenessResult], skipped: dict[str, str]) -> Table:
    table = Table(title=f"firing lateness (fired_at - due_at) behind {LATENESS_BACKLOG:,} "
                        f"pending future timers, real worker Pool (idle {IDLE} s)")
    for column in ("database", "wave", "workers", "fired", "p50", "p99", "max",
                   "goal", "result"):
        table.add_column(column, justify="left" if column == "database" else "right")
    for result in results:
        if result.lateness:
            p50, p99 = result.percentile(50), result.percentile(99)
            worst = max(result.lateness)
            cells = (f"{p50 * 1000:.0f} ms", f"{p99 * 1000:.0f} ms", f"{worst * 1000:.0f} ms")
        else:
            p50 = p99 = math.inf
            cells = ("-", "-", "-")
        complete = len(result.lateness) == result.scheduled
        met = complete and p99 < LATENESS_P99_GOAL
        wave = f"{result.wave}: {result.scheduled:,} over {result.span:g} s"
        table.add_row(result.database, wave, str(result.workers),
                      f"{len(result.lateness):,} / {result.scheduled:,}", *cells,
                      f"p99 < {LATENESS_P99_GOAL:g} s", "PASS" if met else "MISS")
        figure = f"timer lateness p99, {wave}, {result.workers} worker(s), {result.database}"
        report("timers", figure, None if math.isinf(p99) else round(p99, 3), "s",
               f"< {LATENESS_P99_GOAL:g} s", met,
               f"{LATENESS_BACKLOG:,} pending; p50 {p50:.3f} s; "
               f"{len(result.lateness):,} of {result.scheduled:,} fired")
    for name, reason in skipped.items():
        table.add_row(name, "-", "-", "-", "-", "-", "-", "-", f"skipped: {reason}")
        report("timers", f"timer lateness p99, {name}", None, "s",
               f"< {LATENESS_P99_GOAL:g} s", None, f"skipped: {reason}")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,1000000",
                        help="future-timer backlogs to claim behind, comma-separated")
    parser.add_argument("--repeat", type=int, default=7, help="timed claims per backlog")
    parser.add_argument("--workers", default="1,2",
                        help="worker Pool sizes for throughput and lateness, comma-separated")
    parser.add_argument("--phases", default="claim,throughput,lateness",
                        help="which of claim, throughput, lateness to run")
    scratch.database_options(parser, "timers")
    parser.add_argument("--src", help="the src/ directory of the escalada to measure")
    options = parser.parse_args()
    sizes = sorted({int(size.replace("_", "")) for size in options.sizes.split(",")})
    workers = [int(n) for n in options.workers.split(",")]
    phases = [phase for phase in ("claim", "throughput", "lateness")
              if phase in options.phases.split(",")]
    configure_logs("WARNING")  # the workers' logs go to stderr; only trouble is shown
    import escalada

    progress(f"escalada from {Path(escalada.__file__).parent}")

    claims = ClaimReport()
    throughput: list[ThroughputResult] = []
    lateness: list[LatenessResult] = []
    skipped: dict[str, str] = {}
    for name, opener in scratch.openers(options, "timers", progress):
        for phase in phases:  # each phase on a fresh database
            with scratch.scratch(opener) as database:
                if isinstance(database, str):
                    progress(f"{name}: skipped: {database}")
                    claims.skipped[name] = skipped[name] = database
                    break
                progress(f"{database.name}: {phase}")
                if phase == "claim":
                    claim_benchmark(database, sizes, options.repeat, claims)
                elif phase == "throughput":
                    throughput += throughput_benchmark(database, workers)
                else:
                    lateness += lateness_benchmark(database, workers)

    console = Console(width=130)
    if "claim" in phases:
        console.print(claim_table(claims, options.repeat))
        for name, lines in claims.plans.items():
            console.print(f"\n[bold]{name}: plan of the claim query[/bold]", highlight=False)
            for line in lines:
                console.print("  " + line, highlight=False, markup=False)
        console.print()
    if "throughput" in phases:
        console.print(throughput_table(throughput, skipped))
        console.print()
    if "lateness" in phases:
        console.print(lateness_table(lateness, skipped))


if __name__ == "__main__":
    main()
