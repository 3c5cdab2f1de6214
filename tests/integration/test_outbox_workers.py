"""Workers delivering side by side, with real concurrency: two worker loops on threads,
a real clock, a slow receiver on loopback. Each message reaches the receiver once."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from channel_support import HttpSink, http_sink, wait_until  # noqa: F401
from examples import ADMIN, ANA
from timer_support import open_case

from escalada.adapters.channels import Outbound, Receipt
from escalada.adapters.db.database import DURABLE, make_engine
from escalada.adapters.policy_file import current_policy
from escalada.bootstrap import wire
from escalada.entrypoints.worker import Worker
from escalada.services import audit, delivering
from escalada.services.context import Context, system_clock
from escalada.services.delivering import SENT_TOGETHER, Attempt
from escalada.services.drafting import draft_message
from escalada.services.endpoints import add_endpoint
from escalada.services.outbox import deliver_due, outbox_status, send_draft, show_delivery
from escalada.testing import FakeClock, count_statements

MESSAGES = 6
LEASE = timedelta(seconds=0.5)
RECEIVER_DELAY = 0.7  # each answer comes just after a worker's lease has run out


@pytest.fixture
def live_ctx(database_url: str) -> Iterator[Context]:
    """A context on the real clock: leases run out in real time."""
    context = wire(lambda: make_engine(database_url), current_policy, system_clock)
    yield context
    context.engine.dispose()


def test_two_workers_and_a_slow_receiver_deliver_each_message_once(
    live_ctx: Context, http_sink: HttpSink, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
) -> None:
    monkeypatch.setenv("ESCALADA_WEBHOOK_SECRET", "s3cret")
    monkeypatch.setenv("ESCALADA_WEBHOOK_TIMEOUT", "3")
    http_sink.answer("/hook", delay=RECEIVER_DELAY)
    add_endpoint(ctx=live_ctx, actor=ADMIN, name="hook", channel="webhook",
                 url=http_sink.url("/hook"))
    open_case(live_ctx)
    draft = draft_message(ctx=live_ctx, actor=ANA, case_id="CASE-1", kind="acknowledgment").id
    keys = [send_draft(ctx=live_ctx, actor=ANA, draft_id=draft, channel="webhook",
                       to="hook", idempotency_key=f"message-{n}",
                       deliver_now=False).idempotency_key for n in range(MESSAGES)]
    stop = threading.Event()
    # Three at a time each: a worker sends its three side by side while the other takes
    # the other three (with the default batch the first would take all six at once).
    workers = [Worker(live_ctx, name, batch=3, lease=LEASE)
               for name in ("worker-a", "worker-b")]
    loops = [threading.Thread(target=w.run, args=(stop, 0.02)) for w in workers]

    for loop in loops:
        loop.start()
    try:
        wait_until(lambda: outbox_status(ctx=live_ctx).counts["delivered"] == MESSAGES,
                   timeout=20, what=f"{MESSAGES} deliveries")
    finally:
        stop.set()
        for loop in loops:
            loop.join(timeout=30)  # a send in flight ends before its worker does

    received = Counter(r.headers["Idempotency-Key"] for r in http_sink.requests_to("/hook"))
    assert received == Counter(keys)  # exactly one request per message
    assert [w.delivered > 0 for w in workers] == [True, True]  # both workers sent


def test_a_delivery_being_sent_is_held_as_long_as_its_channel_may_take(
    ctx: Context, clock: FakeClock,
) -> None:
    taken_meanwhile: list[list[Attempt]] = []

    class Slow:
        """A channel that may take a minute; while it sends, worker-b tries its luck."""

        name = "webhook"
        longest_attempt = 60.0

        def deliver(self, message: Outbound) -> Receipt:
            clock.advance(seconds=59)  # far past worker-a's lease, within the channel's limit
            taken_meanwhile.append(deliver_due(ctx, owner="worker-b", lease=LEASE))
            return Receipt("200")

    ctx.channels = lambda name: Slow()
    add_endpoint(ctx=ctx, actor=ADMIN, name="hook", channel="webhook",
                 url="http://127.0.0.1:9/hook")
    open_case(ctx)
    draft = draft_message(ctx=ctx, actor=ANA, case_id="CASE-1", kind="acknowledgment").id
    queued = send_draft(ctx=ctx, actor=ANA, draft_id=draft, channel="webhook", to="hook",
                        deliver_now=False)

    [attempt] = deliver_due(ctx, owner="worker-a", lease=LEASE)

    assert (attempt.outcome, taken_meanwhile) == ("delivered", [[]])
    assert show_delivery(ctx=ctx, delivery_id=queued.id).attempts == 1


def queued(ctx: Context, count: int) -> list[int]:
    """`count` webhook deliveries of one acknowledgment on CASE-1, none tried yet."""
    add_endpoint(ctx=ctx, actor=ADMIN, name="hook", channel="webhook",
                 url="http://127.0.0.1:9/hook")
    open_case(ctx)
    draft = draft_message(ctx=ctx, actor=ANA, case_id="CASE-1", kind="acknowledgment").id
    return [send_draft(ctx=ctx, actor=ANA, draft_id=draft, channel="webhook", to="hook",
                       idempotency_key=f"message-{n}", deliver_now=False).id
            for n in range(count)]


class SideBySide:
    """A channel whose sends all wait for each other: they pass only if sent at once."""

    name = "webhook"
    longest_attempt = 10.0

    def __init__(self, together: int) -> None:
        self.barrier = threading.Barrier(together, timeout=10)
        self.sent: list[str] = []

    def deliver(self, message: Outbound) -> Receipt:
        self.barrier.wait()  # BrokenBarrierError (a crashed send: retry) if sent one by one
        self.sent.append(message.idempotency_key)
        return Receipt("200")


def test_a_worker_takes_a_batch_of_deliveries_sends_them_side_by_side_and_settles_them(
    ctx: Context,
) -> None:
    channel = SideBySide(SENT_TOGETHER)
    ctx.channels = lambda name: channel
    ids = queued(ctx, SENT_TOGETHER + 2)

    attempts = deliver_due(ctx, owner="worker-a", limit=SENT_TOGETHER)

    assert [(a.id, a.outcome) for a in attempts] == [(i, "delivered") for i in ids[:-2]]
    assert sorted(channel.sent) == sorted(f"message-{n}" for n in range(SENT_TOGETHER))
    assert [show_delivery(ctx=ctx, delivery_id=i).state for i in ids] == (
        ["delivered"] * SENT_TOGETHER + ["pending"] * 2)
    assert audit.verify(ctx=ctx).intact  # eight customer updates chained in one transaction


def test_deliveries_are_held_in_a_durable_transaction_before_they_are_sent(
    ctx: Context, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A hold lost to a power loss after the send would send the message again: the hold
    commits synced to disk (SQLite's synchronous=FULL for it, under the default NORMAL)."""
    ctx.channels = lambda name: SideBySide(1)
    queued(ctx, 1)
    seen: list[tuple[bool, int | None]] = []
    hold = delivering.OUTBOX.hold

    def watched(session: Any, ids: Any, **kwargs: Any) -> Any:
        connection = session.connection()
        level = (int(connection.exec_driver_sql("PRAGMA synchronous").scalar())
                 if connection.dialect.name == "sqlite" else None)
        seen.append((bool(connection.get_execution_options().get(DURABLE)), level))
        return hold(session, ids, **kwargs)

    monkeypatch.setattr(delivering.OUTBOX, "hold", watched)
    deliver_due(ctx, owner="worker-a", limit=1)

    sqlite = ctx.engine.dialect.name == "sqlite"
    assert seen == [(True, 2 if sqlite else None)]


def test_a_delivery_whose_settling_fails_stays_held_and_the_others_settle(
    ctx: Context, monkeypatch: pytest.MonkeyPatch,
) -> None:
    ctx.channels = lambda name: SideBySide(1)
    ids = queued(ctx, 4)
    delivered = delivering._delivered

    def breaks_on_the_third(session: Any, case: Any, draft: Any, row: Any, *rest: Any) -> str:
        outcome = delivered(session, case, draft, row, *rest)  # its entry is on the chain
        if row.id == ids[2]:
            raise RuntimeError("disk full")
        return outcome

    monkeypatch.setattr(delivering, "_delivered", breaks_on_the_third)
    attempts = deliver_due(ctx, owner="worker-a")

    assert [a.outcome for a in attempts] == ["delivered", "delivered", "unsettled", "delivered"]
    stuck = show_delivery(ctx=ctx, delivery_id=ids[2])
    assert (stuck.state, stuck.attempts) == ("pending", 1)  # held: tried again after its hold
    assert deliver_due(ctx, owner="worker-b") == []
    assert audit.verify(ctx=ctx).intact


def test_a_batch_settles_in_one_flush_without_a_savepoint_each(ctx: Context) -> None:
    ctx.channels = lambda name: SideBySide(1)
    ids = queued(ctx, 4)

    with count_statements(ctx.engine) as statements:
        attempts = deliver_due(ctx, owner="worker-a")

    assert [(a.id, a.outcome) for a in attempts] == [(i, "delivered") for i in ids]
    assert not [sql for sql in statements.sql if "SAVEPOINT" in sql.upper()], statements
    assert audit.verify(ctx=ctx).intact


def test_deliveries_whose_settling_transaction_fails_are_settled_one_by_one(
    ctx: Context,
) -> None:
    ctx.channels = lambda name: SideBySide(1)
    ids = queued(ctx, 3)
    planned = ctx.plan_timers
    # The batch's commit fails twice: settled all at once, then again a savepoint each.
    failures = iter([RuntimeError("deadlock detected"), RuntimeError("deadlock detected")])

    def plans_once_in_vain(session: Any, policy: Any, now: Any) -> None:
        # A delivered acknowledgment is a customer update: the case's timers are planned.
        if (failure := next(failures, None)) is not None:
            raise failure
        planned(session, policy, now)

    ctx.plan_timers = plans_once_in_vain
    attempts = deliver_due(ctx, owner="worker-a")

    assert [(a.id, a.outcome) for a in attempts] == [(i, "delivered") for i in ids]
    assert audit.verify(ctx=ctx).intact
