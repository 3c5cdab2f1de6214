"""What the timer suites share: opening cases, reading timers and the timeline back,
policies with other timer settings, bulk reminders, and the `escalada` executable."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from case_support import open_case as open_acme_case
from examples import ANA
from sqlalchemy import Engine, create_engine, func, insert, select

from escalada.adapters.db.database import make_engine
from escalada.adapters.db.tables import TimelineRow, TimerRow
from escalada.bootstrap import wire
from escalada.domain.policy import Policy
from escalada.entrypoints.worker import Worker
from escalada.services import cases
from escalada.services.account_list import account_page
from escalada.services.context import Context
from escalada.services.paging import every_item
from escalada.services.timer_views import timer_page
from escalada.services.views import CaseView, TimerView


def at(hour: int, minute: int = 0, second: int = 0, *, day: int = 26, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


def open_case(
    ctx: Context, *, severity: str = "P1", tier: str = "enterprise",
    support_plan: str = "enterprise", account: str = "acme", **fields: Any,
) -> CaseView:
    """A case of `account` (added on first use), by default a P1 on the enterprise plan."""
    return open_acme_case(ctx, account=account, name=f"{account.title()} Corp", tier=tier,
                          support_plan=support_plan,
                          new_account=not any(a.id == account for a in _accounts(ctx)),
                          severity=severity, **fields)


def _accounts(ctx: Context) -> list[Any]:
    return list(every_item(account_page, ctx=ctx))


def timers(ctx: Context, case: str | None = "CASE-1", state: str | None = None) -> list[TimerView]:
    return list(every_item(timer_page, ctx=ctx, case=case, state=state))


def label(timer: TimerView) -> str:
    """'first_response 0.5' for an SLA threshold, the key for any other timer."""
    if timer.kind == "sla_threshold":
        return f"{timer.key.split(':')[1]} {timer.key.rsplit(':', 1)[1]}"
    return timer.key


def pending(ctx: Context, case: str = "CASE-1") -> list[tuple[str, datetime]]:
    """The case's pending timers as (label, due), by due time."""
    return [(label(t), t.due_at) for t in timers(ctx, case, state="pending")]


def drain(ctx: Context, name: str = "worker-1") -> int:
    """Fire everything due at the context's clock with one worker; how many fired."""
    worker = Worker(ctx, name)
    worker.drain()
    return worker.fired


def timeline(ctx: Context, case: str = "CASE-1") -> list[Any]:
    return cases.case_timeline(ctx=ctx, case_id=case)


def kinds_since(ctx: Context, entries_before: int, case: str = "CASE-1") -> list[str]:
    return [entry.kind for entry in timeline(ctx, case)[entries_before:]]


def entries_of_timer(ctx: Context, timer_id: int, case: str = "CASE-1") -> list[Any]:
    return [entry for entry in timeline(ctx, case) if entry.data.get("timer") == timer_id]


def with_timers(policy: Policy, **changes: Any) -> Policy:
    """The policy with other timer settings (sla_thresholds, auto_escalate, ...)."""
    return policy.model_copy(update={"timers": policy.timers.model_copy(update=changes)})


def policy_document(policy: Policy, change: Callable[[dict[str, Any]], None]) -> Policy:
    """The policy's document, changed in place by `change`, validated again."""
    document = policy.model_dump(mode="json", by_alias=True)
    change(document)
    return Policy.model_validate(document)


class PolicyInForce:
    """A `Context.policy` callable whose policy a test can replace, as an operator would."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    def __call__(self) -> Policy:
        return self.policy


def context_with(url: str, clock: Callable[[], datetime], policy: Callable[[], Policy]) -> Context:
    return wire(lambda: make_engine(url), policy, clock)


# Many timers at once, and what became of them


def bulk_reminders(
    engine: Engine, case_numbers: Iterable[int], count: int, due: datetime, created: datetime,
) -> None:
    """`count` pending reminders spread round-robin over the cases, written the way
    set_reminder writes one (without its timeline entry): thousands in a second."""
    numbers = list(case_numbers)
    rows = [
        {"case_number": numbers[n % len(numbers)], "kind": "reminder",
         "key": f"reminder:bulk:{n}", "generation": None, "due_at": due, "available_at": due,
         "state": "pending", "attempts": 0, "lease_owner": None,
         "payload": {"note": f"bulk reminder {n}", "by": ANA.name}, "created_at": created}
        for n in range(count)
    ]
    with engine.begin() as connection:
        for start in range(0, len(rows), 2_000):
            connection.execute(insert(TimerRow), rows[start:start + 2_000])


def plain_engine(url: str) -> Engine:
    """An engine that only reads: no BEGIN IMMEDIATE on SQLite, so it never blocks a worker."""
    return create_engine(url)


def reminder_counts(engine: Engine) -> dict[str, int]:
    """Reminder timers by state."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(TimerRow.state, func.count()).where(TimerRow.kind == "reminder")
            .group_by(TimerRow.state))
        return {state: count for state, count in rows}


def reminder_entries(engine: Engine) -> list[int]:
    """The timer id of every `reminder` entry on any timeline (repeats included)."""
    with engine.connect() as connection:
        datas = connection.scalars(select(TimelineRow.data).where(TimelineRow.kind == "reminder"))
        return [data["timer"] for data in datas]


def reminder_ids(engine: Engine) -> set[int]:
    with engine.connect() as connection:
        return set(connection.scalars(select(TimerRow.id).where(TimerRow.kind == "reminder")))


def escalada_executable() -> Path:
    """The `escalada` console script installed beside this interpreter."""
    executable = Path(sys.executable).parent / "escalada"
    assert executable.exists(), f"no escalada executable at {executable}"
    return executable
