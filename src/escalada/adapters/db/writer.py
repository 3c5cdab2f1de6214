"""One connection for a SQLite file's writes (`one_writer`).

SQLite lets one transaction write at a time, and each connection keeps its own cache of
the file's pages, which it drops whenever another connection has written since its last
transaction. Writes that took whichever pooled connection came next found their cache
dropped almost every time, and read again every page they touched: a third of the CPU of
opening a case (the INSERT of the case alone touches its table and six indexes). On one
connection, each write finds the pages the writes before it left (unless another writer,
a worker process, wrote in between), and writers queue for it in the pool rather than
polling SQLite's lock.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event
from sqlalchemy.engine.base import OptionEngine
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.pool import ConnectionPoolEntry, Pool, QueuePool
from sqlalchemy.util import queue

from escalada.adapters.db.database import BUSY_TIMEOUT


def one_writer(engine: Engine) -> Engine:
    """`engine` for writing transactions: on a SQLite file, a view of it (its events,
    listeners, options and compiled statements, as `Engine.execution_options` gives) with
    a pool of its own holding one connection, which a writer waits for as long as it
    would have waited for SQLite's lock; otherwise `engine` itself (PostgreSQL keeps its
    pages in the server, shared by every connection; an in-memory SQLite database lives
    in its one connection already)."""
    pool = engine.pool
    if engine.dialect.name != "sqlite" or not isinstance(pool, QueuePool):
        return engine
    # As QueuePool.recreate builds a pool like it (sharing its connect and check-in
    # listeners), holding one connection and no overflow.
    writer = _OwnPool(engine, _WriterPool(
        pool._creator, pool_size=1, max_overflow=0, timeout=BUSY_TIMEOUT.total_seconds(),
        pre_ping=pool._pre_ping, recycle=pool._recycle, reset_on_return=pool._reset_on_return,
        _dispatch=pool.dispatch, dialect=pool._dialect))

    @event.listens_for(engine, "engine_disposed")
    def _disposed(_engine: Engine) -> None:  # its connection closes with the engine's
        writer.pool.dispose()  # (writer.dispose() would tell the engine's listeners again)

    return writer


class WriterInUse(PoolTimeout):
    """The writer's connection was in use when a write that does not wait for it (`at
    once`) asked for it: nothing was done."""


_turn = threading.local()


@contextmanager
def at_once() -> Iterator[None]:
    """Inside, this thread's next checkout of the writer's connection does not wait: it
    raises WriterInUse at once when another thread has it (a server's event loop must
    not wait for a thread's write, which may itself be waiting for another process's
    lock). Later checkouts wait as ever."""
    _turn.at_once = True
    try:
        yield
    finally:
        _turn.at_once = False


class _WriterPool(QueuePool):
    """A QueuePool of one connection whose checkout can be asked not to wait (`at_once`)."""

    def _do_get(self) -> ConnectionPoolEntry:
        if getattr(_turn, "at_once", False):
            _turn.at_once = False  # the first checkout only
            if self._overflow >= self._max_overflow:  # its connection exists: free or not
                try:
                    return self._pool.get(False)
                except queue.Empty:
                    raise WriterInUse("the writer's connection is in use") from None
        return super()._do_get()


class _OwnPool(OptionEngine):
    """An engine's view (`OptionEngine`) whose connections come from a pool of its own,
    not the engine's."""

    def __init__(self, proxied: Engine, pool: Pool) -> None:
        super().__init__(proxied, {})
        self._own_pool = pool

    @property
    def pool(self) -> Pool:
        return self._own_pool

    @pool.setter
    def pool(self, pool: Pool) -> None:  # Engine.dispose puts a new one in its place
        self._own_pool = pool
