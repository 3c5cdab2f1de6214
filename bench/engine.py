"""Benchmark the escalation engine; prints one table (bench/cli.py times the CLI's cold
starts).

Run: python bench/engine.py [--snapshots N] [--seed S] [--repeat R]. Everything runs in one
thread, so on one core.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Python puts this directory first on the path, and its calendar.py would shadow the
# standard library's `calendar` for every module that imports it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]
sys.path.append(str(Path(__file__).resolve().parent))  # results.py, after the standard library

import argparse
import gc
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from results import report
from rich.console import Console
from rich.table import Table

from escalada.adapters.policy_file import default_policy_path, load_policy
from escalada.domain.engine import evaluate
from escalada.domain.policy import Policy
from escalada.domain.snapshot import CaseSnapshot

EVALUATIONS_GOAL = 50_000  # per second, one core
ZONES = ("UTC", "Europe/Moscow", "America/New_York", "Asia/Kolkata", "Australia/Sydney")
FLAGS = ("beyond_tier_knowledge", "customer_requested_escalation", "customer_requested_manager",
         "potential_product_bug", "multi_service_issue", "vendor_platform_issue",
         "multi_service_outage", "legal_or_pr_implications", "strategic_account_at_risk",
         "churn_threat", "team_lead_unable_to_resolve")
Row = tuple[str, str, str, str, str, str]


def snapshot_document(rng: random.Random, number: int) -> tuple[dict[str, Any], datetime]:
    """One varied case snapshot (as the JSON document) and the moment to evaluate it at."""
    opened = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(525_600))
    now = opened + timedelta(minutes=rng.choice((5, 45, 240, 1_500, 8_000)) * rng.random())
    document: dict[str, Any] = {
        "id": f"CASE-{number}",
        "account": {
            "id": f"acct-{number % 500}", "name": "Bench Account",
            "tier": rng.choice(("standard", "enterprise", "strategic")),
            "support_plan": rng.choice(("developer", "business", "enterprise")),
            "timezone": rng.choice(ZONES), "health_score": rng.choice((None, 35, 72, 95)),
        },
        "severity": rng.choice(("P1", "P2", "P3", "P4")),
        "status": rng.choice(("new", "investigating", "mitigating", "waiting_on_customer",
                              "resolved")),
        "tier": rng.choice(("T1", "T2", "T3", "VENDOR")),
        "exec_level": rng.choice((None, None, "L1", "L2", "L3", "L4")),
        "opened_at": opened.isoformat(),
        "services": rng.sample(("compute", "block-storage", "network", "dns"), rng.randint(0, 3)),
        "flags": rng.sample(FLAGS, rng.choice((0, 0, 1, 2))),
        "csat": rng.choice((None, 1, 2, 3, 4, 5)),
        "revenue_impact_usd": rng.choice((0, 2_500, 10_000, 25_000.5)),
        "business_impact_usd": rng.choice((0, 50_000, 250_000)),
        "escalating_contact_level": rng.choice(("staff", "manager", "vp", "c_level")),
        "account_cases_30d": rng.randint(1, 5),
    }
    if rng.random() < 0.5:
        responded = opened + (now - opened) * rng.random()
        document["first_response_at"] = responded.isoformat()
        if rng.random() < 0.5:
            document["last_customer_update_at"] = (responded + (now - responded) / 2).isoformat()
    document["paused"] = _pauses(rng, opened, now)
    return document, now


def _pauses(rng: random.Random, opened: datetime, now: datetime) -> list[dict[str, str]]:
    pauses = []
    for _ in range(rng.choice((0, 0, 0, 1, 2))):
        start = opened + (now - opened) * rng.random()
        end = None if rng.random() < 0.2 else start + timedelta(minutes=rng.randint(1, 600))
        pauses.append({"from": start.isoformat()} | ({"to": end.isoformat()} if end else {}))
    return pauses


def throughput_row(
    label: str, count: int, work: Callable[[], object], goal: int | None, repeat: int
) -> Row:
    """Time `repeat` passes of `work` over `count` snapshots; judge the best one.

    The best pass is the machine's speed with the least interference from other
    processes (timeit's convention); the median is shown beside it.
    """
    passes = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        passes.append(time.perf_counter() - started)
    best, median = min(passes), statistics.median(passes)
    rate = count / best
    verdict = "-" if goal is None else ("PASS" if rate >= goal else "MISS")
    if goal is not None:
        report("engine", f"{label}, one core", round(rate), "/s", f">= {goal:,}/s",
               rate >= goal, f"{count:,} snapshots, best of {repeat}")
    goal_text = "-" if goal is None else f">= {goal:,}/s"
    seconds = f"{best:.3f} best, {median:.3f} median of {repeat}"
    return label, f"{count:,}", seconds, f"{rate:,.0f}/s", goal_text, verdict


def _business_hours_share(cases: list[tuple[CaseSnapshot, datetime]], policy: Policy) -> str:
    open_cases = [case for case, _ in cases if case.status.is_open]
    targets = [policy.targets(case.account.support_plan, case.severity) for case in open_cases]
    share = sum(1 for t in targets if t is not None and t.calendar == "business") / len(cases)
    return f"{share:.0%} of snapshots run their SLA clocks on business hours"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--snapshots", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1042)
    parser.add_argument("--repeat", type=int, default=3, help="passes per row; the best counts")
    options = parser.parse_args()
    policy = load_policy(default_policy_path())
    rng = random.Random(options.seed)
    documents = [snapshot_document(rng, number) for number in range(options.snapshots)]
    cases = [(CaseSnapshot.model_validate(doc), now) for doc, now in documents]
    gc.collect()
    gc.freeze()  # the inputs live all run long: collections should only see the engine's garbage

    def evaluate_all() -> None:
        for case, now in cases:
            evaluate(case, policy, now)

    def parse_and_evaluate_all() -> None:
        for document, now in documents:
            evaluate(CaseSnapshot.model_validate(document), policy, now)

    evaluate_all()  # warm the calendars' day spans, as in a long-running process
    rows = [
        throughput_row("evaluate", len(cases), evaluate_all, EVALUATIONS_GOAL, options.repeat),
        throughput_row("parse + evaluate", len(cases), parse_and_evaluate_all, None,
                       options.repeat),
    ]
    table = Table(title=f"escalada engine benchmark (seed {options.seed}, one core)",
                  caption=_business_hours_share(cases, policy))
    for column in ("what", "snapshots", "seconds", "per second", "goal", "result"):
        table.add_column(column, justify="left" if column == "what" else "right")
    for row in rows:
        table.add_row(*row)
    Console(width=130).print(table)


if __name__ == "__main__":
    main()
