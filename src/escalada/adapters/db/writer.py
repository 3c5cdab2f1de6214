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

from sqlalchemy import Engine, event
from sqlalchemy.engine.base import OptionEngine
from sqlalchemy.pool import Pool, QueuePool

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
    writer = _OwnPool(engine, QueuePool(
        pool._creator, pool_size=1, max_overflow=0, timeout=BUSY_TIMEOUT.total_seconds(),
        pre_ping=pool._pre_ping, recycle=pool._recycle, reset_on_return=pool._reset_on_return,
        _dispatch=pool.dispatch, dialect=pool._dialect))

    @event.listens_for(engine, "engine_disposed")
    def _disposed(_engine: Engine) -> None:  # its connection closes with the engine's
        writer.pool.dispose()  # (writer.dispose() would tell the engine's listeners again)

    return writer


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
