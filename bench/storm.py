"""Benchmark an outage storm arriving through the help desks' webhooks: 2,000 signed
Zendesk tickets from 300 accounts about one service and region, posted to running servers.

Run: python bench/storm.py [--tickets 2000] [--accounts 300] [--servers 2] [--workers 2]
[--clients 8]
[--skip-sqlite] [--skip-postgres] [--postgres-url URL]. For SQLite (a temporary file) and
PostgreSQL (its own database, bench_storm by default, dropped after every run; skipped with
the reason when the server cannot be reached): --accounts accounts are inserted, then
--workers `escalada worker` processes (firing due timers, delivering the outbox) and
--servers `escalada serve --no-worker` processes are started on loopback with a Zendesk
webhook secret, and --clients threads post the tickets to them in turn (`POST
/api/v1/hooks/zendesk`, each signed as Zendesk signs it, tagged `service_rds` and
`region_eu-central-1`; ticket n is account n mod --accounts's), as fast as they are
answered.

Printed: tickets accepted per second (all of them, from the first sent to the last
answered) and p50/p95 of one delivery; the time from the first ticket sent to the
incident's opening (its opened_at, on the same machine's clock) and how many tickets had
been accepted by then; and the check that the storm came out whole: exactly one platform
incident, one case per ticket, every case linked, the incident spanning every account.
A check that fails makes the run fail. Goals: at least 50 tickets/s accepted, and the
incident open within 2 s of the first ticket.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Python puts bench/ first on the path, where bench/calendar.py would shadow the standard
# library's calendar module, which the database drivers' dependencies import.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)
sys.path.append(str(Path(__file__).resolve().parent))  # results.py, after the standard library

import argparse
import compileall
import itertools
import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import processes
import scratch
from processes import Server
from results import report
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, func, insert, select

import escalada as escalada_package
from escalada.adapters.db.tables import AccountRow, CaseRow, IncidentCaseRow, IncidentRow
from escalada.domain.hook_signatures import zendesk_signature
from escalada.testing import ScratchDatabase

RATE_GOAL = 50.0  # tickets accepted per second
INCIDENT_GOAL = 2.0  # seconds from the first ticket sent to the incident's opening
SECRET = "YmVuY2ggc3Rvcm0gc2VjcmV0"
SERVICE, REGION = "rds", "eu-central-1"

_started = time.perf_counter()
console = Console(width=None if sys.stdout.isatty() else 150)


def progress(message: str) -> None:
    print(f"[{time.perf_counter() - _started:7.1f}s] {message}", file=sys.stderr, flush=True)


def seed(engine: Engine, accounts: int) -> None:
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(insert(AccountRow), [
            {"id": f"acct-{n:03}", "name": f"Customer {n}", "tier": "enterprise",
             "support_plan": "enterprise", "timezone": "UTC", "country": None,
             "language": "en", "health_score": None, "monthly_fee_usd": None,
             "created_at": now - timedelta(days=400)} for n in range(accounts)])


# The servers


def _env(database_url: str) -> dict[str, str]:
    return dict(os.environ, ESCALADA_DATABASE_URL=database_url,
                ESCALADA_ZENDESK_WEBHOOK_SECRET=SECRET)


def start_worker(database_url: str) -> Server:
    return processes.start_worker(_env(database_url))


def start_server(database_url: str) -> Server:
    return processes.start_server(_env(database_url))


# The storm


def ticket(n: int, accounts: int) -> dict[str, Any]:
    """Zendesk's ticket.created event of ticket n (its time is set when it is sent)."""
    return {
        "account_id": 22129848, "id": f"storm-{n}", "subject": f"zen:ticket:{n}",
        "type": "zen:event-type:ticket.created", "zendesk_event_version": "2022-11-06",
        "event": {},
        "detail": {"id": str(100_000 + n), "organization_id": f"acct-{n % accounts:03}",
                   "priority": "URGENT", "status": "NEW", "type": "INCIDENT",
                   "subject": "Database connections time out",
                   "tags": ["outage", f"service_{SERVICE}", f"region_{REGION}"],
                   "via": {"channel": "web"}}}


def signed(document: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = json.dumps({**document, "time": stamp}).encode()
    return body, {"X-Zendesk-Webhook-Signature": zendesk_signature(SECRET, stamp, body),
                  "X-Zendesk-Webhook-Signature-Timestamp": stamp,
                  "Content-Type": "application/json"}


@dataclass
class Result:
    database: str
    tickets: int
    accounts: int
    seconds: float = 0.0
    times: list[float] = field(default_factory=list)
    to_incident: float | None = None
    before_incident: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.tickets / self.seconds

    def p(self, q: float) -> float:
        values = sorted(self.times)
        return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def post_storm(servers: list[Server], args: argparse.Namespace, result: Result
               ) -> datetime:
    """Every ticket posted by --clients threads, spread over the servers; the moment the
    first was sent."""
    local = threading.local()
    urls = itertools.cycle([server.url for server in servers])
    lock = threading.Lock()
    refused: list[str] = []

    def send(n: int) -> None:
        if not hasattr(local, "client"):
            with lock:
                local.client = httpx.Client(base_url=next(urls), timeout=120)
        body, headers = signed(ticket(n, args.accounts))
        started = time.perf_counter()
        answer = local.client.post("/api/v1/hooks/zendesk", content=body, headers=headers)
        seconds = time.perf_counter() - started
        with lock:
            result.times.append(seconds)
            if answer.status_code != 200 or answer.json().get("state") != "applied":
                refused.append(f"ticket {n}: {answer.status_code} {answer.text[:200]}")

    first = datetime.now(UTC)
    started = time.perf_counter()
    with ThreadPoolExecutor(args.clients) as pool:
        list(pool.map(send, range(args.tickets)))
    result.seconds = time.perf_counter() - started
    result.problems += refused[:5] + ([f"... {len(refused) - 5} more refused"]
                                      if len(refused) > 5 else [])
    return first


def check(engine: Engine, first: datetime, result: Result) -> None:
    """One incident, one case per ticket, every case linked, every account counted."""
    with engine.connect() as connection:
        incidents = connection.execute(
            select(IncidentRow.id, IncidentRow.opened_at, IncidentRow.accounts,
                   IncidentRow.service, IncidentRow.region)).all()
        cases = connection.scalar(select(func.count()).select_from(CaseRow)) or 0
        linked = connection.scalar(select(func.count(func.distinct(
            IncidentCaseRow.case_number)))) or 0
        if len(incidents) == 1:
            opened_at = _aware(incidents[0].opened_at)
            result.to_incident = (opened_at - first).total_seconds()
            result.before_incident = connection.scalar(
                select(func.count()).select_from(CaseRow)
                .where(CaseRow.opened_at <= incidents[0].opened_at)) or 0
    wanted_accounts = min(result.accounts, result.tickets)
    if len(incidents) != 1:
        result.problems.append(f"{len(incidents)} platform incidents, not one")
    elif (incidents[0].service, incidents[0].region, incidents[0].accounts) != (
            SERVICE, REGION, wanted_accounts):
        result.problems.append(f"the incident is {tuple(incidents[0])[3:]} spanning "
                               f"{incidents[0].accounts} accounts, not {wanted_accounts}")
    if cases != result.tickets:
        result.problems.append(f"{cases} cases for {result.tickets} tickets")
    if linked != result.tickets:
        result.problems.append(f"{linked} cases linked of {result.tickets}")


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def bench(database: ScratchDatabase, args: argparse.Namespace) -> Result:
    engine = database.engine
    seed(engine, args.accounts)
    database_url = engine.url.render_as_string(hide_password=False)
    result = Result(database.name, args.tickets, args.accounts)
    servers: list[Server] = []
    workers: list[Server] = []
    try:
        for _ in range(args.workers):
            workers.append(start_worker(database_url))
        for _ in range(args.servers):
            servers.append(start_server(database_url))
        progress(f"{database.name}: {args.tickets:,} tickets of {args.accounts} accounts "
                 f"to {len(servers)} servers from {args.clients} clients, "
                 f"{len(workers)} workers beside them")
        first = post_storm(servers, args, result)
        result.problems += [f"escalada worker exited with {worker.process.returncode} "
                            f"during the storm" for worker in workers
                            if worker.process.poll() is not None]
    finally:
        for server in servers + workers:
            server.stop()
    check(engine, first, result)
    return result


# Printing


def verdict(met: bool) -> str:
    return "[green]met[/]" if met else "[red]missed[/]"


def table(results: list[Result], skipped: dict[str, str], args: argparse.Namespace) -> Table:
    shown = Table(title=f"An outage storm through the Zendesk webhook: {args.tickets:,} "
                        f"tickets of {args.accounts} accounts, {args.servers} servers, "
                        f"{args.workers} workers, {args.clients} clients", title_justify="left")
    for column in ("database", "figure", "value", "goal", ""):
        shown.add_column(column, justify="right" if column == "value" else "left")
    for result in results:
        shown.add_row(result.database, "tickets accepted per second", f"{result.rate:,.1f}",
                      f">= {RATE_GOAL:.0f}", verdict(result.rate >= RATE_GOAL))
        shown.add_row(result.database, "one delivery p50 / p95",
                      f"{result.p(0.5) * 1000:,.0f} / {result.p(0.95) * 1000:,.0f} ms", "", "")
        if result.to_incident is not None:
            shown.add_row(result.database, f"first ticket to the incident's opening "
                                           f"({result.before_incident} tickets in)",
                          f"{result.to_incident:,.2f} s", f"< {INCIDENT_GOAL:.0f} s",
                          verdict(result.to_incident < INCIDENT_GOAL))
        shown.add_row(result.database, "one incident, every ticket a case, every case linked",
                      "yes" if not result.problems else "; ".join(result.problems), "",
                      verdict(not result.problems))
    for name, reason in skipped.items():
        shown.add_row(name, f"skipped: {reason}", "", "", "")
    return shown


def report_all(results: list[Result], args: argparse.Namespace) -> None:
    for result in results:
        db = "SQLite" if result.database == "sqlite" else "PostgreSQL"
        where = f"{args.tickets:,} of {args.accounts} accounts, {db}"
        report("storm", f"webhook tickets accepted/s ({where})", round(result.rate, 1), "/s",
               f">= {RATE_GOAL:.0f}", result.rate >= RATE_GOAL and not result.problems,
               note="; ".join(result.problems) or f"{args.servers} servers, "
                                                  f"{args.workers} workers, "
                                                  f"{args.clients} clients")
        report("storm", f"first ticket to the incident's opening ({db})",
               None if result.to_incident is None else round(result.to_incident, 2), "s",
               f"< {INCIDENT_GOAL:.0f} s",
               None if result.to_incident is None else result.to_incident < INCIDENT_GOAL,
               note=f"{result.before_incident} tickets accepted by then")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=2_000)
    parser.add_argument("--accounts", type=int, default=300)
    parser.add_argument("--servers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    scratch.database_options(parser, "storm")
    args = parser.parse_args()
    if (args.tickets < 1 or args.accounts < 5 or args.servers < 1 or args.clients < 1
            or args.workers < 0):
        parser.error("--tickets, --servers and --clients must be at least 1, --workers at "
                     "least 0, and --accounts at least 5 (a storm spans five accounts)")
    # The servers run as processes of their own: compiled as an install would be.
    compileall.compile_dir(Path(escalada_package.__file__).parent, quiet=1)

    def skipped_on(name: str, why: str) -> None:
        report("storm", f"webhook tickets accepted/s, {name}", None, "/s",
               f">= {RATE_GOAL:.0f}", None, note=why)

    results, skipped = scratch.on_each_database(
        args, "storm", lambda database: bench(database, args), skipped=skipped_on,
        say=progress)
    console.print(table(results, skipped, args))
    report_all(results, args)
    if any(result.problems for result in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
