"""Benchmark the API as people use it: against one server, requests per second for `/healthz`,
opening a case and listing a page of the board, and the cost of each request to one client,
with 10,000 open cases stored.

Run: python bench/api.py [--cases 10000] [--rounds 200] [--page 100] [--clients 8]
[--seconds 5] [--skip-sqlite] [--skip-postgres] [--postgres-url URL]. For SQLite (a
temporary file) and PostgreSQL (its own database, bench_api by default, dropped after every
run; skipped with the reason when the server cannot be reached): the database is seeded
with --cases open cases (bulk-inserted, each with its next SLA due time worked out by the
same rule timer planning uses), then `escalada serve --no-worker` is started on loopback.

One client first sends, round after round, each of the requests below in turn (the first
rounds are a warm-up, not counted):

- `/healthz`: the floor, what any request costs on this server;
- open a case: `POST /api/v1/cases` (an engineer's token);
- list a page: `GET /api/v1/cases?status=open&sort=sla_due&limit=--page`, each round
  following the previous page's `X-Next-Cursor` (back to the first after the last), so
  pages from the whole board are sampled;
- list one case: the same with limit=1, what any page costs whatever its length (the
  token checked, a read-only transaction);
- read one case: `GET /api/v1/cases/{id}` of the case opened that round;
- metrics: `GET /metrics`, whose case gauges (open escalations by tier and level, SLA
  breaches) count every open case at scrape time in one grouped query.

Then requests per second: for `/healthz`, open a case and list a page (the same requests,
each client following its own cursors), one after the other, --clients threads each with
its own keep-alive connection send that request back to back for 1 s of warm-up and then
--seconds; the requests that complete in those seconds, divided by them, are its
requests/s. Any answer other than 2xx stops the bench with it.

Printed: p50/p95/p99 of each request to one client, and p50 of healthz / p50 of it (a
latency ratio, shown beside the others: one client waits out every commit's fsync that a
loaded server overlaps); then every open case over the API (pages of 500) and `escalada
case list --open` (a page, a new process each time, median of 3) and `--all`, beside
`escalada --help` (what any command pays to start); then requests/s of each with
--clients clients and open/healthz, list/healthz of those. Goals (issues 13 and 15): with
8 clients open/healthz >= 0.4 and list/healthz >= 0.5 in requests/s, a board page p95 <
150 ms, the CLI's page < 1 s; /metrics p95 < 150 ms.
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
import compileall
import os
import random
import statistics
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import processes
import scratch
from processes import Server
from results import report
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import Engine, insert

import escalada as escalada_package
from escalada.adapters.db.tables import AccountRow, CaseRow
from escalada.adapters.policy_file import current_policy
from escalada.bootstrap import wire
from escalada.domain.snapshot import AccountSnapshot, CaseSnapshot
from escalada.services.context import Actor, Context, system_clock
from escalada.services.people import add_user, create_token
from escalada.testing import ScratchDatabase

try:  # a checkout from before the board (--src) has no next SLA due time to keep
    from escalada.domain.sla import next_due
except ImportError:
    next_due = None  # type: ignore[assignment]
KEEPS_DUE = hasattr(CaseRow, "sla_due_at")

BOARD_P95_GOAL = 0.150  # seconds, a page of the board
LIST_RATIO_GOAL = 0.5  # list a page / healthz, in requests/s with --clients clients
OPEN_RATIO_GOAL = 0.4  # open a case / healthz, likewise
CLI_PAGE_GOAL = 1.0  # seconds, `escalada case list --open`, a new process
ACCOUNTS = 50
WARMUP = 20
PLANS = ("enterprise", "business", "developer")
SEVERITIES = ("P1", "P2", "P3", "P4")
STATUSES = ("new", "investigating", "investigating", "mitigating")
OPERATIONS = ("healthz", "open a case", "list a page", "list one case", "read one case",
              "metrics")
LOADS = ("healthz", "open a case", "list a page")  # requests/s with --clients clients
LOAD_WARMUP = 1.0  # seconds of each load not counted
METRICS_P95_GOAL = 0.150  # seconds, /metrics with its case gauges: a read like a board page
API = "/api/v1"

_started = time.perf_counter()
console = Console(width=None if sys.stdout.isatty() else 150)


def progress(message: str) -> None:
    print(f"[{time.perf_counter() - _started:7.1f}s] {message}", file=sys.stderr, flush=True)


# Seeding


def seed(engine: Engine, cases: int, rng: random.Random) -> None:
    """ACCOUNTS accounts and `cases` open cases opened over the last 30 days, inserted in
    chunks; each case's next SLA due time is worked out by domain.sla.next_due, as timer
    planning would have stored it."""
    now = datetime.now(UTC)
    policy = current_policy()
    accounts: list[dict[str, Any]] = [
        {"id": f"acct-{n:03}", "name": f"Account {n}", "tier": "enterprise",
         "support_plan": PLANS[n % len(PLANS)], "timezone": "UTC", "country": None,
         "language": "en", "health_score": None, "monthly_fee_usd": None,
         "created_at": now - timedelta(days=400)} for n in range(ACCOUNTS)]
    snapshots = {a["id"]: AccountSnapshot.model_validate(
        {k: a[k] for k in ("id", "name", "tier", "support_plan", "timezone")})
        for a in accounts}
    with engine.begin() as connection:
        connection.execute(insert(AccountRow), accounts)
    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("seeding open cases", total=cases)
        for chunk in _chunks(_case_rows(cases, now, rng, snapshots, policy), 1_000):
            with engine.begin() as connection:
                connection.execute(insert(CaseRow), chunk)
            bar.advance(task, len(chunk))


def _case_rows(count: int, now: datetime, rng: random.Random,
               accounts: dict[str, AccountSnapshot], policy: Any) -> Iterator[dict[str, Any]]:
    for n in range(count):
        account = f"acct-{rng.randrange(ACCOUNTS):03}"
        opened = now - timedelta(minutes=rng.randrange(30 * 24 * 60))
        severity, status = rng.choice(SEVERITIES), rng.choice(STATUSES)
        responded = opened + timedelta(minutes=5) if status != "new" else None
        snapshot = CaseSnapshot(id=f"CASE-{n + 1}", account=accounts[account],
                                severity=severity, status=status, opened_at=opened,
                                first_response_at=responded)
        row = {"account_id": account, "title": f"Seeded case {n + 1}: volumes detach",
               "severity": severity, "status": status, "tier": "T1", "exec_level": None,
               "opened_at": opened, "first_response_at": responded,
               "services": ["compute"], "flags": [], "csat": None,
               "revenue_impact_usd": Decimal(0), "business_impact_usd": Decimal(0),
               "escalating_contact_level": "staff", "policy_version": policy.version,
               "updated_at": responded or opened, "version": 1, "timer_generation": 0}
        if KEEPS_DUE:
            row["sla_due_at"] = next_due(snapshot, policy, now)
        yield row


def _chunks(rows: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def tokens(engine: Engine) -> dict[str, str]:
    """An admin and an engineer with a token each (the engineer opens and reads)."""
    ctx: Context = wire(lambda: engine, current_policy, system_clock)
    add_user(ctx=ctx, actor=None, name="admin", role="admin")
    add_user(ctx=ctx, actor=Actor("admin", "admin"), name="ana", role="engineer")
    return {"ana": create_token(ctx=ctx, actor=Actor("ana", "engineer")).token}


# The server


def escalada(args: argparse.Namespace) -> tuple[list[str], dict[str, str]]:
    """The command (this interpreter's escalada, or --src's) and its environment."""
    env = dict(os.environ)
    if args.src:
        env["PYTHONPATH"] = str(Path(args.src).resolve())
    return [sys.executable, "-m", "escalada"], env


def start_server(database_url: str, args: argparse.Namespace) -> Server:
    command, env = escalada(args)
    return processes.start_server(dict(env, ESCALADA_DATABASE_URL=database_url), command)


# Measuring


@dataclass
class Result:
    database: str
    times: dict[str, list[float]] = field(default_factory=dict)
    page_bytes: int = 0
    everything: tuple[float, int, int] | None = None  # seconds, cases, bytes
    cli_page: float | None = None
    cli_all: float | None = None
    cli_help: float | None = None
    rates: dict[str, float] = field(default_factory=dict)  # requests/s with --clients

    def rate_ratio(self, operation: str) -> float:
        return self.rates[operation] / self.rates["healthz"]

    def p(self, operation: str, q: float) -> float:
        values = sorted(self.times[operation])
        return values[min(len(values) - 1, round(q * (len(values) - 1)))]

    def ratio(self, operation: str) -> float:
        return statistics.median(self.times["healthz"]) / statistics.median(
            self.times[operation])


def measure(server: Server, token: str, rounds: int, page: int, database: str) -> Result:
    result = Result(database, {name: [] for name in OPERATIONS})
    headers = {"Authorization": f"Bearer {token}"}
    board: dict[str, str | int] = {"status": "open", "sort": "sla_due", "limit": page}
    cursor: str | None = None
    with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
        for n in range(WARMUP + rounds):
            timed: dict[str, float] = {}
            started = time.perf_counter()
            assert client.get("/healthz").status_code == 200
            timed["healthz"] = time.perf_counter() - started

            started = time.perf_counter()
            opened = client.post(f"{API}/cases", json={
                "account": f"acct-{n % ACCOUNTS:03}", "severity": SEVERITIES[n % 4],
                "title": f"Bench case {n}: API returns 500", "services": ["compute"]})
            timed["open a case"] = time.perf_counter() - started
            assert opened.status_code == 201, opened.text

            started = time.perf_counter()
            listed = client.get(f"{API}/cases", params={**board, "cursor": cursor}
                                if cursor else board)
            timed["list a page"] = time.perf_counter() - started
            assert listed.status_code == 200, listed.text
            cursor = listed.headers.get("X-Next-Cursor")
            result.page_bytes = max(result.page_bytes, len(listed.content))

            started = time.perf_counter()  # what any page costs, whatever its length
            one = client.get(f"{API}/cases", params={**board, "limit": 1})
            timed["list one case"] = time.perf_counter() - started
            assert one.status_code == 200, one.text

            started = time.perf_counter()
            read = client.get(f"{API}/cases/{opened.json()['snapshot']['id']}")
            timed["read one case"] = time.perf_counter() - started
            assert read.status_code == 200, read.text

            started = time.perf_counter()  # the case gauges count every open case
            scraped = client.get("/metrics")
            timed["metrics"] = time.perf_counter() - started
            assert scraped.status_code == 200, scraped.text
            if n >= WARMUP:
                for name, seconds in timed.items():
                    result.times[name].append(seconds)
        result.everything = every_open_case(client)
    return result


def load(server: Server, token: str, operation: str, clients: int, seconds: float,
         page: int) -> float:
    """Requests/s of one operation: `clients` threads, each with its own keep-alive
    httpx.Client, send it back to back; the requests completed between LOAD_WARMUP and
    LOAD_WARMUP + seconds after the start are counted. A non-2xx answer fails the bench."""
    headers = {"Authorization": f"Bearer {token}"}
    board: dict[str, Any] = {"status": "open", "sort": "sla_due", "limit": page}
    started = time.perf_counter()
    counted_from, until = started + LOAD_WARMUP, started + LOAD_WARMUP + seconds
    counts = [0] * clients
    failures: list[str] = []

    def client_loop(number: int) -> None:
        cursor: str | None = None
        n = 0
        with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
            while not failures and time.perf_counter() < until:
                if operation == "healthz":
                    answer = client.get("/healthz")
                elif operation == "open a case":
                    answer = client.post(f"{API}/cases", json={
                        "account": f"acct-{(number + n) % ACCOUNTS:03}",
                        "severity": SEVERITIES[n % 4],
                        "title": f"Load case {number}-{n}: API returns 500",
                        "services": ["compute"]})
                else:
                    answer = client.get(f"{API}/cases", params={**board, "cursor": cursor}
                                        if cursor else board)
                    cursor = answer.headers.get("X-Next-Cursor")
                n += 1
                if not answer.is_success:
                    failures.append(f"{operation}: {answer.status_code} {answer.text[:500]}")
                    return
                if counted_from <= time.perf_counter() <= until:
                    counts[number] += 1

    def guarded(number: int) -> None:
        try:
            client_loop(number)
        except Exception as error:  # a refused connection, a timeout: the bench fails
            failures.append(f"{operation}: {error!r}")

    threads = [threading.Thread(target=guarded, args=(number,)) for number in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"{len(failures)} client(s) failed under load: {failures[0]}")
    return sum(counts) / seconds


def every_open_case(client: httpx.Client) -> tuple[float, int, int]:
    """Every open case over the API, following the cursors in pages of 500."""
    started, count, size = time.perf_counter(), 0, 0
    params: dict[str, Any] = {"status": "open", "limit": 500}
    while True:
        page = client.get(f"{API}/cases", params=params)
        count, size = count + len(page.json()), size + len(page.content)
        if "X-Next-Cursor" not in page.headers:
            return time.perf_counter() - started, count, size
        params["cursor"] = page.headers["X-Next-Cursor"]


def cli_times(database_url: str, args: argparse.Namespace) -> tuple[float, float | None]:
    """`escalada case list --open` (median of 3 new processes) and `--all` (one; a
    checkout without it prints every case anyway)."""
    command, env = escalada(args)
    env.update(ESCALADA_DATABASE_URL=database_url, ESCALADA_USER="admin")

    def run(*options: str) -> float:
        started = time.perf_counter()
        subprocess.run([*command, "case", "list", "--open", *options], env=env, check=True,
                       capture_output=True)
        return time.perf_counter() - started

    page = statistics.median(run() for _ in range(3))
    return page, run("--all") if KEEPS_DUE else None


def help_time(args: argparse.Namespace) -> float:
    """`escalada --help` in a new process (median of 3): what any command pays to start."""
    command, env = escalada(args)
    times = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run([*command, "--help"], env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def bench(database: ScratchDatabase, args: argparse.Namespace) -> Result:
    rng = random.Random(13)
    engine = database.engine
    progress(f"{database.name}: seeding {args.cases:,} open cases")
    started = time.perf_counter()
    seed(engine, args.cases, rng)
    progress(f"{database.name}: seeded in {time.perf_counter() - started:.1f} s")
    token = tokens(engine)["ana"]
    database_url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    server = start_server(database_url, args)
    try:
        progress(f"{database.name}: {args.rounds} rounds against {server.url}")
        result = measure(server, token, args.rounds, args.page, database.name)
        for name in LOADS:
            progress(f"{database.name}: {name}, {args.clients} clients for "
                     f"{LOAD_WARMUP:.0f} + {args.seconds:g} s")
            result.rates[name] = load(server, token, name, args.clients, args.seconds,
                                      args.page)
    finally:
        server.stop()
    progress(f"{database.name}: escalada case list --open")
    result.cli_page, result.cli_all = cli_times(database_url, args)
    result.cli_help = help_time(args)
    return result


# Printing


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def verdict(met: bool) -> str:
    return "[green]met[/]" if met else "[red]missed[/]"


def table(results: list[Result], skipped: dict[str, str], args: argparse.Namespace) -> Table:
    checkout = f", escalada from {args.src}" if args.src else ""
    shown = Table(title=f"API against one server, {args.cases:,} open cases "
                        f"({args.rounds} rounds after {WARMUP} warm-up{checkout})",
                  title_justify="left")
    for column in ("database", "request", "p50", "p95", "p99", "healthz p50 / its p50",
                   "goal", ""):
        shown.add_column(column, justify="left" if column in ("database", "request", "goal")
                         else "right")
    # The p50 ratio is one client's latency ratio, shown beside the others: the goals on
    # opening a case and a page against /healthz are judged in requests/s (rates_table).
    goals = {"list a page": f"p95 < {BOARD_P95_GOAL * 1000:.0f} ms",
             "metrics": f"p95 < {METRICS_P95_GOAL * 1000:.0f} ms"}
    for result in results:
        for name in OPERATIONS:
            ratio = result.ratio(name)
            judged = {"list a page": [result.p(name, 0.95) < BOARD_P95_GOAL],
                      "metrics": [result.p(name, 0.95) < METRICS_P95_GOAL]}.get(name, [])
            label = name if name != "list a page" else (
                f"list a page ({args.page}, {result.page_bytes / 1000:.1f} kB)")
            shown.add_row(result.database, label, ms(result.p(name, 0.5)),
                          ms(result.p(name, 0.95)), ms(result.p(name, 0.99)), f"{ratio:.2f}",
                          goals.get(name, ""), ", ".join(verdict(met) for met in judged))
        if result.everything is not None:
            seconds, count, size = result.everything
            shown.add_row(result.database, f"every open case ({count:,}, pages of 500, "
                          f"{size / 1e6:.2f} MB)", ms(seconds), "", "", "", "", "")
        if result.cli_page is not None:
            shown.add_row(result.database, "escalada case list --open (a page, new process)",
                          ms(result.cli_page), "", "", "", f"< {CLI_PAGE_GOAL:.0f} s",
                          verdict(result.cli_page < CLI_PAGE_GOAL))
        if result.cli_help is not None:
            shown.add_row(result.database, "escalada --help (a new process: starting)",
                          ms(result.cli_help), "", "", "", "", "")
        if result.cli_all is not None:
            shown.add_row(result.database, "escalada case list --open --all",
                          ms(result.cli_all), "", "", "", "", "")
    for name, reason in skipped.items():
        shown.add_row(name, f"skipped: {reason}", "", "", "", "", "", "")
    return shown


def rates_table(results: list[Result], args: argparse.Namespace) -> Table:
    shown = Table(title=f"Requests/s with {args.clients} clients (each {args.seconds:g} s "
                        f"after {LOAD_WARMUP:.0f} s warm-up), same server",
                  title_justify="left")
    for column in ("database", "request", "requests/s", "vs /healthz", "goal", ""):
        shown.add_column(column, justify="left" if column in ("database", "request", "goal")
                         else "right")
    goals = {"open a case": OPEN_RATIO_GOAL, "list a page": LIST_RATIO_GOAL}
    for result in results:
        for name in LOADS:
            ratio = result.rate_ratio(name)
            goal = goals.get(name)
            shown.add_row(result.database, name if name != "list a page"
                          else f"list a page ({args.page})", f"{result.rates[name]:,.1f}",
                          f"{ratio:.2f}", f">= {goal}" if goal else "",
                          verdict(ratio >= goal) if goal else "")
    return shown


def report_all(results: list[Result], args: argparse.Namespace) -> None:
    for result in results:
        db = "SQLite" if result.database == "sqlite" else "PostgreSQL"
        board = result.p("list a page", 0.95) * 1000
        report("api", f"board page p95 ({args.page} of {args.cases:,} open), {db}", board,
               "ms", f"< {BOARD_P95_GOAL * 1000:.0f} ms", board < BOARD_P95_GOAL * 1000)
        scrape = result.p("metrics", 0.95) * 1000
        report("api", f"/metrics p95 ({args.cases:,} open), {db}", scrape, "ms",
               f"< {METRICS_P95_GOAL * 1000:.0f} ms", scrape < METRICS_P95_GOAL * 1000,
               note="the case gauges: one grouped query at scrape time")
        for name, goal in (("list a page", LIST_RATIO_GOAL), ("open a case", OPEN_RATIO_GOAL)):
            rate_ratio = result.rate_ratio(name)
            report("api", f"{name} / healthz, requests/s with {args.clients} clients, {db}",
                   round(rate_ratio, 3), "x", f">= {goal}", rate_ratio >= goal,
                   note=f"{result.rates[name]:,.0f}/s against /healthz's "
                        f"{result.rates['healthz']:,.0f}/s, {args.seconds:g} s each")
            ratio = result.ratio(name)
            report("api", f"{name} / healthz p50, one client, {db}", round(ratio, 3), "x",
                   "", None, note="one client: latency ratio")
        if result.cli_page is not None:
            report("api", f"escalada case list --open (a page), {db}",
                   round(result.cli_page, 3), "s", f"< {CLI_PAGE_GOAL:.0f} s",
                   result.cli_page < CLI_PAGE_GOAL, note="a new process each time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--page", type=int, default=100)
    parser.add_argument("--clients", type=int, default=8,
                        help="concurrent clients for requests/s (default 8)")
    parser.add_argument("--seconds", type=float, default=5.0,
                        help="seconds each request is counted under load, after 1 s of "
                             "warm-up (default 5)")
    scratch.database_options(parser, "api")
    parser.add_argument("--src", help="measure another checkout's escalada (its src/): "
                                      "a before figure; it is not reported to results")
    args = parser.parse_args()
    # The server and the CLI run as processes of their own: compiled as an install would be,
    # where PYTHONDONTWRITEBYTECODE would have each compile escalada again as it starts.
    compileall.compile_dir(Path(escalada_package.__file__).parent, quiet=1)

    def skipped_on(name: str, why: str) -> None:
        if not args.src:
            report("api", f"board page p95, {name}", None, "ms",
                   f"< {BOARD_P95_GOAL * 1000:.0f} ms", None, note=why)

    results, skipped = scratch.on_each_database(
        args, "api", lambda database: bench(database, args), skipped=skipped_on, say=progress)
    console.print(table(results, skipped, args))
    if results:
        console.print(rates_table(results, args))
    if not args.src:
        report_all(results, args)


if __name__ == "__main__":
    main()
