"""Whether this deployment can take work: the database answers and some worker went
round its loop lately. Workers write a heartbeat as they go (`beat`); `/readyz` reads
the newest one (`readiness`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import OperationalError

from escalada.adapters.db.database import busy, ping
from escalada.adapters.db.tables import WorkerHeartbeatRow
from escalada.domain.errors import StoreUnavailable
from escalada.services.context import Context

# A worker beats at most this often (one small write); a heartbeat older than STALE
# means no worker is running (or none reaches the database).
BEAT_EVERY = timedelta(seconds=10)
STALE = timedelta(seconds=60)
# Heartbeats of workers gone this long (a restart names a new one) are deleted.
FORGOTTEN = timedelta(days=1)


class ReadinessView(BaseModel):
    """Each check by name ("ok", or why not), and the newest worker heartbeat."""

    model_config = ConfigDict(frozen=True)

    ready: bool
    checks: dict[str, str]
    last_heartbeat_at: datetime | None


def beat(ctx: Context, *, worker: str) -> None:
    """Record that `worker` is alive now. Skipped, not waited for, when another writer
    holds the lock: the next round tries again."""
    now = ctx.clock()
    try:
        with ctx.unit_of_work(wait=False) as uow:
            seen = uow.session.execute(update(WorkerHeartbeatRow).where(
                WorkerHeartbeatRow.worker == worker).values(seen_at=now))
            if not getattr(seen, "rowcount", 0):
                uow.session.add(WorkerHeartbeatRow(worker=worker, seen_at=now))
                uow.session.execute(delete(WorkerHeartbeatRow).where(
                    WorkerHeartbeatRow.seen_at < now - FORGOTTEN))
            uow.commit()
    except OperationalError as error:
        if error.orig is None or not busy(error.orig):
            raise


def readiness(*, ctx: Context) -> ReadinessView:
    """The database reached (no lock taken) and a worker heartbeat within STALE."""
    now = ctx.clock()
    try:
        ping(ctx.engine)
        with ctx.reading() as uow:
            last = uow.session.scalar(select(func.max(WorkerHeartbeatRow.seen_at)))
    except StoreUnavailable as error:
        return ReadinessView(ready=False, last_heartbeat_at=None, checks={
            "database": str(error), "workers": "unknown: the database cannot be reached"})
    workers = _workers_check(last, now)
    return ReadinessView(ready=workers == "ok", last_heartbeat_at=last,
                         checks={"database": "ok", "workers": workers})


def _workers_check(last: datetime | None, now: datetime) -> str:
    if last is None:
        return "no worker has recorded a heartbeat (start `escalada worker`, or serve " \
               "without --no-worker)"
    if now - last > STALE:
        return (f"no worker heartbeat for {int((now - last).total_seconds())} s "
                f"(the last at {last.isoformat()}; stale after {int(STALE.total_seconds())} s)")
    return "ok"
