"""Benchmark account health: keeping a score for every account of a portfolio.

Run: python bench/health.py [--accounts 300] [--cases-a-month 2] [--repeat 3]
[--skip-sqlite] [--skip-postgres] [--postgres-url URL]. SQLite runs on a temporary file;
PostgreSQL on its own database (bench_health by default, created for every
run, dropped after it), skipped with the reason when the server cannot be reached.

The portfolio: --accounts accounts on the three support plans, each with a year of cases
(--cases-a-month, every severity, most answered and resolved, a quarter escalated, a
tenth paused a while, half rated) and three entered inputs. Timed: the first
`refresh_scores` (every account's score computed from its records and kept, as `escalada
health refresh` does; every band is new, and each move into an alarming band goes on the
open cases' timelines too, re-planning their timers), then best of --repeat: refreshing
again, as a daily refresh finds most bands unchanged (the figure held to the goal),
`portfolio` (the accounts by health, as `escalada accounts`), and `account_health` of one
account (as `escalada health ACCOUNT`).
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
import os
import platform
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import scratch
from results import report
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, insert, select

from escalada.adapters.db.tables import (
    AccountRow,
    CaseRow,
    EscalationRow,
    HealthInputRow,
    PauseRow,
)
from escalada.adapters.policy_file import current_policy
from escalada.bootstrap import wire
from escalada.services.account_health import account_health, refresh_scores
from escalada.services.context import Actor, Context
from escalada.services.portfolio import portfolio
from escalada.testing import FakeClock, ScratchDatabase

REFRESH_GOAL = 2.0  # seconds to keep the scores of 300 accounts
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
PLANS = ("enterprise", "business", "developer")
SEVERITIES = ("P1", "P2", "P3", "P4")
ADMIN = Actor("admin", "admin")
NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}  # as the figures have been named


def load_portfolio(engine: Engine, accounts: int, per_month: int, rng: random.Random) -> int:
    """The accounts, their year of cases (with pauses and escalations) and inputs, inserted
    directly; the number of cases."""
    account_rows = [{"id": f"acct-{n:04d}", "name": f"Account {n}", "tier": "enterprise",
                     "support_plan": PLANS[n % 3], "timezone": "Europe/Moscow",
                     "country": "RU", "language": "ru", "health_score": None,
                     "created_at": NOW - timedelta(days=400)} for n in range(accounts)]
    case_rows: list[dict[str, Any]] = []
    for account in account_rows:
        for _ in range(per_month * 12):
            opened = NOW - timedelta(minutes=rng.randrange(365 * 24 * 60))
            severity = rng.choice(SEVERITIES if account["support_plan"] != "developer"
                                  else SEVERITIES[1:])
            answered = opened + timedelta(minutes=rng.randrange(5, 600))
            resolved = opened + timedelta(minutes=rng.randrange(60, 6 * 24 * 60))
            done = resolved < NOW
            case_rows.append({
                "account_id": account["id"], "title": "bench case", "severity": severity,
                "status": "resolved" if done else "investigating", "tier": "T1",
                "exec_level": None, "opened_at": opened,
                "first_response_at": answered if answered < NOW else None,
                "resolved_at": resolved if done else None,
                "csat": float(rng.randint(1, 5)) if done and rng.random() < 0.5 else None,
                "services": [], "flags": [], "revenue_impact_usd": Decimal(0),
                "business_impact_usd": Decimal(0), "escalating_contact_level": "staff",
                "policy_version": "bench", "updated_at": NOW, "version": 1,
                "timer_generation": 1})
    inputs = [{"account_id": account["id"], "metric": metric, "value": Decimal(value),
               "as_of": NOW - timedelta(days=rng.randrange(120)), "entered_by": "bench",
               "entered_at": NOW, "note": None}
              for account in account_rows
              for metric, value in (("nps", rng.randint(-100, 100)),
                                    ("qbr_attendance", rng.choice(("0", "0.5", "1"))),
                                    ("advocacy", rng.randint(0, 10)))]
    with engine.begin() as connection:
        connection.execute(insert(AccountRow), account_rows)
        connection.execute(insert(CaseRow), case_rows)
        connection.execute(insert(HealthInputRow), inputs)
        cases = list(connection.execute(select(CaseRow.number, CaseRow.opened_at)))
        steps: list[dict[str, Any]] = [
            {"case_number": number, "seq": 1, "track": "executive", "direction": "up",
             "from_level": None, "to_level": "L1", "criteria": ["sla_breach_imminent"],
             "handoff": {}, "overridden_items": [], "requested_by": "bench",
             "requested_at": opened + timedelta(hours=1)}
            for number, opened in cases if rng.random() < 0.25]
        pauses = [{"case_number": number, "started_at": opened + timedelta(minutes=30),
                   "ended_at": opened + timedelta(hours=3)}
                  for number, opened in cases if rng.random() < 0.1]
        connection.execute(insert(EscalationRow), steps)
        connection.execute(insert(PauseRow), pauses)
    return len(case_rows)


def best_of(repeat: int, run: Callable[[], Any]) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return min(times), result


def measure(database: ScratchDatabase, args: argparse.Namespace) -> dict[str, Any]:
    engine = database.engine
    cases = load_portfolio(engine, args.accounts, args.cases_a_month, random.Random(14))
    ctx: Context = wire(lambda: engine, current_policy, FakeClock(NOW))
    # The first keeps every account's first band: each band change goes on the account's
    # open cases' timelines too. Later ones find the same bands.
    first, kept = best_of(1, lambda: refresh_scores(ctx=ctx, actor=ADMIN))
    refresh, _ = best_of(args.repeat, lambda: refresh_scores(ctx=ctx, actor=ADMIN))
    listed, entries = best_of(args.repeat, lambda: portfolio(ctx=ctx, actor=ADMIN))
    one, _ = best_of(args.repeat, lambda: account_health(ctx=ctx, actor=ADMIN,
                                                         account_id="acct-0000"))
    bands: dict[str, int] = {}
    for entry in entries:
        bands[entry.band or "none"] = bands.get(entry.band or "none", 0) + 1
    return {"cases": cases, "first": first, "refresh": refresh, "kept": kept.kept,
            "moved": len(kept.dropped), "portfolio": listed,
            "one": one, "bands": bands}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=300)
    parser.add_argument("--cases-a-month", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    scratch.database_options(parser, "health")
    args = parser.parse_args()

    table = Table(title=f"Account health: {args.accounts} accounts, a year of cases each "
                        f"(goal: refresh < {REFRESH_GOAL:g} s)")
    for column in ("database", "cases", "first refresh", "refresh again", "portfolio",
                   "one account", "bands", "goal"):
        table.add_column(column)

    def figure(name: str) -> str:
        return f"refresh {args.accounts} accounts' health scores, {NAMES[name]}"

    def skipped_on(name: str, why: str) -> None:
        table.add_row(NAMES[name], "—", f"skipped: {why}", "", "", "", "", "")
        report("health", figure(name), None, "s", f"< {REFRESH_GOAL:g}", None, why)

    def measured(database: ScratchDatabase) -> None:
        found = measure(database, args)
        met = found["refresh"] < REFRESH_GOAL
        table.add_row(NAMES[database.name], f"{found['cases']:,}", f"{found['first']:.3f} s "
                      f"({found['kept']} kept)", f"{found['refresh']:.3f} s",
                      f"{found['portfolio'] * 1000:.1f} ms",
                      f"{found['one'] * 1000:.1f} ms",
                      ", ".join(f"{band} {count}" for band, count in sorted(
                          found["bands"].items())), "met" if met else "MISSED")
        report("health", figure(database.name), round(found["refresh"], 3), "s",
               f"< {REFRESH_GOAL:g}", met,
               f"{found['cases']:,} cases; the first refresh, every band new and moves "
               f"into alarming bands on open cases' timelines: {found['first']:.3f} s")

    scratch.on_each_database(args, "health", measured, skipped=skipped_on)
    load = ", ".join(f"{average:.1f}" for average in os.getloadavg())
    table.caption = (f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
                     f"load average {load} (1, 5, 15 min)")
    Console(width=140).print(table)


if __name__ == "__main__":
    main()
