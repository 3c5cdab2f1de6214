"""Benchmark readers beside a writer on SQLite: do reads wait for another's write lock?

Run: python bench/sqlite_readers.py [--cases N] [--samples N] [--locked-samples N]
[--hold SECONDS] [--rounds N] [--src DIR] (defaults 100, 200, 30, 3 and 10; --src measures another
checkout's src/, e.g. one from before readers stopped waiting).

The API runs in this process (uvicorn on 127.0.0.1, a SQLite file of its own with --cases
open cases of one account); requests go over HTTP with an admin's bearer token, so each
one also authenticates. Three reads are timed: `GET /healthz`, the case list
(`GET /api/v1/cases`) and one case (`GET /api/v1/cases/CASE-1`):

1. unlocked: --samples requests each, one after the other, nothing else writing;
2. locked: --locked-samples requests each, every one sent while another connection holds
   SQLite's write lock (BEGIN IMMEDIATE and an insert, uncommitted), which it keeps for
   --hold seconds, lets go for 0.2 s, and takes again.

Both are measured in --rounds alternating rounds (a tenth of each per round by default),
so that load coming and going on the machine falls on both alike.

It prints p50 and p95 of both, and the locked p95 against the unlocked one. Goal: a
reader never waits for the writer, i.e. locked p95 within 1.5x of unlocked, or under 150 ms.
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
import math
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import uvicorn
from results import report
from rich.console import Console
from rich.table import Table
from sqlalchemy import make_url

from escalada.adapters.policy_file import current_policy
from escalada.bootstrap import wire
from escalada.entrypoints.api import create_app
from escalada.services import cases
from escalada.services.accounts import add_account
from escalada.services.context import Actor, Context
from escalada.services.people import add_user, create_token
from escalada.testing import scratch_sqlite

GOAL_RATIO = 1.5
GOAL_MS = 150.0
GAP_SECONDS = 0.2  # the writer lets go this long between holds
READS = {"/healthz": "/healthz", "case list": "/api/v1/cases",
         "one case": "/api/v1/cases/CASE-1"}
_started = time.perf_counter()


def progress(message: str) -> None:
    print(f"[{time.perf_counter() - _started:7.1f}s] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(math.ceil(p / 100 * len(ordered)) - 1, 0)]


def seed(ctx: Context, count: int) -> str:
    """An admin (whose token is returned), an account and `count` open cases."""
    add_user(ctx=ctx, actor=None, name="admin", role="admin")
    admin = Actor("admin", "admin")
    add_account(ctx=ctx, actor=admin, id="acme", name="Acme Corp", tier="enterprise",
                support_plan="enterprise")
    for number in range(count):
        cases.open_case(ctx=ctx, actor=admin, account="acme", severity="P2",
                        title=f"Volumes detach under load ({number})")
    return create_token(ctx=ctx, actor=admin).token


@contextmanager
def serving(ctx: Context) -> Iterator[str]:
    """The API on a loopback port of its own, in a thread of this process."""
    listener = socket.socket()
    # Without it every response waits ~40 ms for a delayed ACK (Nagle) on loopback.
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(ctx), log_level="warning",
                                           access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join()
        listener.close()


class Writer:
    """Another connection that keeps taking SQLite's write lock: BEGIN IMMEDIATE and an
    insert, held `hold` seconds, rolled back, and again after a short gap."""

    def __init__(self, database: str, hold: float) -> None:
        self.database, self.hold = database, hold
        self.holding = threading.Event()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="writer", daemon=True)

    def __enter__(self) -> Writer:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join()

    def _run(self) -> None:
        connection = sqlite3.connect(self.database, isolation_level=None, timeout=600)
        try:
            while not self.stop.is_set():
                connection.execute("BEGIN IMMEDIATE")
                connection.execute("INSERT INTO users (name, role, created_at) "
                                   "VALUES ('bench-writer', 'engineer', '2026-11-26 10:00:00')")
                self.holding.set()
                self.stop.wait(self.hold)
                self.holding.clear()
                connection.execute("ROLLBACK")
                self.stop.wait(GAP_SECONDS)
        finally:
            connection.close()


def timed(client: httpx.Client, path: str) -> float:
    started = time.perf_counter()
    response = client.get(path)
    elapsed = (time.perf_counter() - started) * 1000
    response.raise_for_status()
    return elapsed


def measure(client: httpx.Client, database: str, options: argparse.Namespace
            ) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """The reads without and with a writer, in --rounds alternating rounds, so that both
    see the same machine (other work on it comes and goes)."""
    for path in READS.values():  # warm up: imports, caches, the pool
        for _ in range(5):
            timed(client, path)
    free: dict[str, list[float]] = {name: [] for name in READS}
    held: dict[str, list[float]] = {name: [] for name in READS}
    for round_number in range(1, options.rounds + 1):
        progress(f"round {round_number} of {options.rounds}")
        for name, path in READS.items():
            free[name] += [timed(client, path) for _ in range(share(options.samples, options))]
        with Writer(database, options.hold) as writer:
            for name, path in READS.items():
                for _ in range(share(options.locked_samples, options)):
                    writer.holding.wait()  # each request starts while the lock is held
                    held[name].append(timed(client, path))
    return free, held


def share(samples: int, options: argparse.Namespace) -> int:
    rounds: int = options.rounds
    return max(1, math.ceil(samples / rounds))


@dataclass
class Row:
    name: str
    free: list[float]
    held: list[float]

    @property
    def ratio(self) -> float:
        return percentile(self.held, 95) / percentile(self.free, 95)

    @property
    def met(self) -> bool:
        return self.ratio <= GOAL_RATIO or percentile(self.held, 95) < GOAL_MS


def show(rows: list[Row], options: argparse.Namespace) -> None:
    """The table; the figures go to make bench's table too, unless --src measured another
    checkout (a before figure)."""
    table = Table(title=f"Reads beside a writer on SQLite ({options.cases} cases; the writer "
                        f"holds the lock {options.hold:g} s at a time)")
    for column in ("read", "unlocked p50", "unlocked p95", "locked p50", "locked p95",
                   "locked/unlocked p95", "goal", "met"):
        table.add_column(column, justify="left" if column in ("read", "goal") else "right")
    goal = f"<= {GOAL_RATIO:g}x or < {GOAL_MS:g} ms"
    for row in rows:
        table.add_row(row.name, f"{percentile(row.free, 50):.1f} ms",
                      f"{percentile(row.free, 95):.1f} ms", f"{percentile(row.held, 50):.1f} ms",
                      f"{percentile(row.held, 95):.1f} ms", f"{row.ratio:.2f}x", goal,
                      "met" if row.met else "MISSED")
        if not options.src:
            report("sqlite_readers", f"{row.name}: p95 while a writer holds the lock (SQLite)",
                   round(percentile(row.held, 95), 1), "ms", goal, row.met,
                   note=f"unlocked p95 {percentile(row.free, 95):.1f} ms, {row.ratio:.2f}x")
    Console(width=130).print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100, help="open cases in the database")
    parser.add_argument("--samples", type=int, default=200, help="unlocked requests per read")
    parser.add_argument("--locked-samples", type=int, default=30,
                        help="requests per read while the writer holds the lock")
    parser.add_argument("--hold", type=float, default=3.0,
                        help="seconds the writer holds the lock at a time")
    parser.add_argument("--rounds", type=int, default=10,
                        help="rounds, each of unlocked then locked requests")
    parser.add_argument("--src", help="the src/ directory of the escalada to measure "
                                      "(e.g. an older checkout's, for a before figure)")
    options = parser.parse_args()

    database = scratch_sqlite("bench-readers")
    try:
        ctx = wire(lambda: database.engine, current_policy)
        progress(f"seeding {options.cases} cases")
        token = seed(ctx, options.cases)
        path = make_url(str(database.engine.url)).database or ""
        with serving(ctx) as url, httpx.Client(
                base_url=url, headers={"Authorization": f"Bearer {token}"},
                timeout=600) as client:
            free, held = measure(client, path, options)
    finally:
        database.cleanup()
    show([Row(name, free[name], held[name]) for name in READS], options)


if __name__ == "__main__":
    main()
