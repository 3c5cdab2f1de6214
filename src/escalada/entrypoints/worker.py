"""Workers: claim due timers, fire them, and audit the ones nobody fires.

`escalada worker` runs a pool standalone; `escalada serve` runs one in-process.
No scheduler lives in memory: everything a worker does is claimed from the
`timers` table, so workers on any number of machines share the work.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import structlog

from escalada.domain.errors import StoreUnavailable
from escalada.services.context import Context
from escalada.services.health_refresh import next_refresh_at, refresh_due
from escalada.services.outbox import deliver_due, next_delivery_at, outbox_status
from escalada.services.readiness import BEAT_EVERY, beat
from escalada.services.timer_firing import FIRED_TOGETHER, claim, fire_batch, next_available_at
from escalada.services.timer_views import purge_dropped, timers_status
from escalada.services.vendor_health import next_poll_at, poll_due
from escalada.services.vendor_sync import sync_due

log = structlog.get_logger("escalada.worker")
_HEALTH_BATCH = 100  # accounts scored in one transaction


@dataclass
class Worker:
    """One claiming loop. Several run side by side as a pool."""

    ctx: Context
    name: str
    batch: int = 50
    lease: timedelta = timedelta(seconds=60)
    fired: int = field(default=0, init=False)
    delivered: int = field(default=0, init=False)
    _beaten_at: float | None = field(default=None, init=False)

    def beat(self) -> None:
        """Record a heartbeat (for `/readyz`), at most once every BEAT_EVERY."""
        now = time.monotonic()
        if self._beaten_at is None or now - self._beaten_at >= BEAT_EVERY.total_seconds():
            beat(self.ctx, worker=self.name)
            self._beaten_at = now

    def run_once(self) -> int:
        """Claim one batch of due timers and fire them (FIRED_TOGETHER to a transaction),
        one batch of due deliveries and try them, the vendor cases due a sync, the
        vendors' service-health feeds due a poll and the accounts due a health score; how
        many were claimed."""
        attempts = deliver_due(self.ctx, owner=self.name, limit=self.batch, lease=self.lease)
        self.delivered += sum(attempt.outcome == "delivered" for attempt in attempts)
        synced = sync_due(self.ctx, owner=self.name)
        polled = poll_due(self.ctx, owner=self.name)
        self._refresh_health()
        claimed = [timer.id for timer in claim(self.ctx, owner=self.name, limit=self.batch,
                                                 lease=self.lease)]
        for start in range(0, len(claimed), FIRED_TOGETHER):
            outcomes = fire_batch(self.ctx, claimed[start:start + FIRED_TOGETHER],
                                  owner=self.name)
            self.fired += sum(outcome == "fired" for outcome in outcomes.values())
        return len(claimed) + len(attempts) + synced + polled

    def _refresh_health(self) -> None:
        """Keep the scores of every account due a refresh (a hundred at a time). Not
        counted as claimed: a score kept makes no more work for the loop."""
        while refresh_due(self.ctx, owner=self.name, limit=_HEALTH_BATCH) == _HEALTH_BATCH:
            pass

    def drain(self, stop: threading.Event | None = None) -> None:
        """Fire everything due now, then return."""
        while (stop is None or not stop.is_set()) and self.run_once():
            pass

    def run(self, stop: threading.Event, idle: float = 0.5) -> None:
        """Fire timers until told to stop. When none is due, rest until the next one
        is, or `idle` seconds at most (a timer planned meanwhile may be due sooner).
        While the database cannot be reached, try again less and less often."""
        failures = 0
        while not stop.is_set():
            rest = idle
            try:
                self.beat()
                if self.run_once():
                    failures = 0
                    continue
                known = [at for at in (next_available_at(self.ctx), next_delivery_at(self.ctx),
                                       next_refresh_at(self.ctx), next_poll_at(self.ctx))
                         if at is not None]
                upcoming = min(known, default=None)
                if upcoming is not None:
                    until = (upcoming - self.ctx.clock()).total_seconds()
                    rest = min(idle, max(until, 0.01))
                failures = 0
            except StoreUnavailable as error:  # one line each time, not a traceback
                failures += 1
                rest = backoff(failures, first=idle)
                log.warning("database_unavailable", worker=self.name, error=str(error),
                            failures=failures, retry_in=rest)
            except Exception:  # a fault of ours: keep its traceback, and keep trying
                failures += 1
                rest = backoff(failures, first=idle)
                log.exception("claim_failed", worker=self.name, retry_in=rest)
            stop.wait(rest)


# After the first failure a worker waits `first` seconds, then twice as long each time,
# never longer than this: a database back after an outage is used within half a minute.
BACKOFF_CAP = 30.0


def backoff(failures: int, *, first: float = 0.5, cap: float = BACKOFF_CAP) -> float:
    """Seconds to wait after `failures` failures in a row (1 -> first, doubling, capped)."""
    doublings: int = min(max(failures - 1, 0), 32)
    return min(cap, first * float(2**doublings))


def audit(ctx: Context) -> int:
    """Report timers overdue by more than a minute, deliveries no worker picked up and
    dead letters; how many timers are overdue."""
    status = timers_status(ctx=ctx)
    if status.overdue:
        log.warning("timers_overdue", overdue=status.overdue,
                    oldest_due_at=status.oldest_overdue_due_at, due_now=status.due_now)
    outbox = outbox_status(ctx=ctx)
    if outbox.overdue or outbox.dead:
        log.warning("outbox_attention", overdue=outbox.overdue, dead=outbox.dead,
                    oldest_overdue_at=outbox.oldest_overdue_at)
    return status.overdue


def _auditor(ctx: Context, stop: threading.Event, every: float) -> None:
    while not stop.wait(every):
        try:
            audit(ctx)
            purged = purge_dropped(ctx=ctx)
            if purged:
                log.info("timers_purged", dropped=purged)
        except StoreUnavailable as error:
            log.warning("database_unavailable", worker="auditor", error=str(error))
        except Exception:
            log.exception("audit_failed")


@dataclass
class Pool:
    """`concurrency` workers and an auditor, on threads."""

    ctx: Context
    concurrency: int = 1
    batch: int = 50
    lease: timedelta = timedelta(seconds=60)
    idle: float = 0.5
    audit_every: float = 30.0
    stop: threading.Event = field(default_factory=threading.Event)
    workers: list[Worker] = field(default_factory=list, init=False)
    _threads: list[threading.Thread] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        if self.concurrency > 1 and self.ctx.engine.dialect.name == "sqlite":
            # SQLite lets one writer in at a time and makes the others sleep and retry:
            # more workers add no throughput, only seconds of lateness.
            log.info("one_worker_on_sqlite", asked=self.concurrency)
            self.concurrency = 1
        prefix = f"{socket.gethostname()}:{os.getpid()}"
        self.workers = [Worker(self.ctx, f"{prefix}:{n}", self.batch, self.lease)
                        for n in range(1, self.concurrency + 1)]

    def start(self) -> None:
        """Run the workers and the auditor in the background until `shutdown`."""
        for worker in self.workers:
            self._spawn(worker.name, worker.run, self.stop, self.idle)
        self._spawn("auditor", _auditor, self.ctx, self.stop, self.audit_every)
        log.info("workers_started", workers=len(self.workers), lease=self.lease.total_seconds())

    def drain(self) -> int:
        """Fire everything due now with all workers; how many timers fired."""
        for worker in self.workers:
            self._spawn(worker.name, worker.drain, self.stop)
        self.join()
        audit(self.ctx)
        return self.fired

    def _spawn(self, name: str, target: Callable[..., object], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def join(self, timeout: float | None = None) -> None:
        for thread in self._threads:
            thread.join(timeout)

    def shutdown(self, timeout: float = 10.0) -> None:
        self.stop.set()
        self.join(timeout)
        log.info("workers_stopped", fired=self.fired)

    @property
    def fired(self) -> int:
        return sum(worker.fired for worker in self.workers)
