"""Writes on a SQLite file go through one connection (adapters.db.writer), which keeps its
cache of pages from one write to the next; the engine still sees every statement."""

from __future__ import annotations

from typing import Any

from case_support import open_case
from concurrency_support import run_at_once
from examples import ANA
from sqlalchemy import event

from escalada.services import cases
from escalada.services.context import Context
from escalada.testing import count_statements


def _case_inserts(ctx: Context) -> list[Any]:
    """The DB-API connection of each INSERT of a case from now on, as the engine sees it."""
    seen: list[Any] = []

    @event.listens_for(ctx.engine, "before_cursor_execute")
    def _seen(connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("INSERT INTO cases"):
            seen.append(connection.connection.dbapi_connection)

    return seen


def _another(ctx: Context, title: str) -> str:
    return cases.open_case(ctx=ctx, actor=ANA, account="acme", severity="P2",
                           title=title).snapshot.id


def test_writes_on_a_sqlite_file_share_one_connection_that_the_engine_watches(
        sqlite_ctx: Context) -> None:
    # (PostgreSQL's pages are the server's: its writes take any pooled connection.)
    ctx = sqlite_ctx
    seen = _case_inserts(ctx)
    open_case(ctx)
    with ctx.sharing_reads(), ctx.plain_reading():  # a reading holds another connection
        _another(ctx, "Checkout times out")
    with count_statements(ctx.engine) as counted:
        _another(ctx, "Search is slow")
    assert len(seen) == 3
    assert seen[0] is seen[1] is seen[2]
    assert any(sql.startswith("INSERT INTO cases") for sql in counted.sql)


def test_writers_at_once_queue_for_the_connection(ctx: Context) -> None:
    open_case(ctx)
    opened = run_at_once([lambda n=n: _another(ctx, f"Case {n}") for n in range(6)])
    assert sorted(opened) == sorted(f"CASE-{n}" for n in range(2, 8))


def test_disposing_the_engine_closes_the_writers_connection(ctx: Context) -> None:
    open_case(ctx)
    writer = ctx.sessions.kw["bind"]
    ctx.engine.dispose()
    assert writer.pool.checkedin() == 0
    assert _another(ctx, "After the restart") == "CASE-2"
