"""The plain reads (adapters.db.plain and .reads, services.case_reads): a case read on a
connection of the process's own, without SQLAlchemy (as `escalada case show` reads it
cold), is the very view the ORM builds from its rows, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy.exc import DBAPIError

from escalada.adapters.db.database import SCHEMA_HEAD, make_engine
from escalada.adapters.db.plain import connect, newest_migration
from escalada.adapters.policy_file import current_policy
from escalada.bootstrap import wire
from escalada.domain.errors import WritesRefused
from escalada.services.acting_user import actor_named
from escalada.services.case_board import list_page
from escalada.services.case_reads import show_case
from escalada.services.context import Actor, Context
from escalada.services.demo import load_demo
from escalada.services.knowledge_base import similar_to
from escalada.services.paging import every_item
from escalada.services.people import add_user, authenticate, create_token
from escalada.services.policies import policy_of
from escalada.services.records import case_view
from escalada.testing import FakeClock, count_statements


def context_on(url: str, clock: FakeClock) -> Context:
    return wire(lambda: make_engine(url), current_policy, clock)


def test_the_plain_reads_know_the_newest_migration() -> None:
    assert newest_migration() == SCHEMA_HEAD


def test_a_case_read_cold_is_the_view_the_orm_builds(database_url: str,
                                                      clock: FakeClock) -> None:
    ctx = context_on(database_url, clock)
    load_demo(ctx=ctx)  # escalations, pauses, contacts, frozen policies, the knowledge base
    cold = replace(context_on(database_url, clock), direct_reads=lambda: connect(database_url))
    try:
        views = []
        for summary in every_item(list_page, ctx=ctx):
            with ctx.reading() as uow:
                case = uow.cases.get(summary.id)
                built = case_view(uow.session, case, policy_of(uow.session, case, ctx.policy()),
                                  clock()).model_copy(
                    update={"similar": similar_to(uow.session, case)})
            assert show_case(ctx=cold, case_id=summary.id) == built
            assert show_case(ctx=ctx, case_id=summary.id) == built  # on the engine's connection
            views.append(built)
        assert "engine" not in vars(cold)  # every read went on a connection of its own
        assert all(any(getattr(view, part) for view in views)
                   for part in ("similar", "escalations", "contact", "contact_title"))
        assert any(view.snapshot.paused for view in views)
        for sort in ("number", "sla_due", "updated"):
            query = {"sort": sort, "limit": 4}
            assert list_page(ctx=cold, **query) == list_page(ctx=ctx, **query)
        assert actor_named(ctx=cold, name="admin") == Actor("admin", "admin")
    finally:
        ctx.engine.dispose()


def test_a_cold_read_goes_through_the_engine_when_it_cannot_read_plainly(
        tmp_path: Path, sqlite_url: str) -> None:
    missing = f"sqlite:///{tmp_path / 'missing.db'}"
    with connect(missing) as reader:
        assert reader is None
    assert not (tmp_path / "missing.db").exists()  # not created empty: migrating is not ours
    with connect(sqlite_url) as reader:
        assert reader is not None
    behind = Path(sqlite_url.removeprefix("sqlite:///"))
    with sqlite3.connect(behind) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0001'")
    with connect(sqlite_url) as reader:
        assert reader is None  # a schema behind the code: SQLAlchemy's path migrates it


def test_plain_readings_inside_sharing_reads_are_one_reading(database_url: str,
                                                              clock: FakeClock) -> None:
    """An API page checks its token and reads its rows in one reading (board.py)."""
    ctx = context_on(database_url, clock)
    with ctx.plain_reading() as first, ctx.plain_reading() as second:
        assert first is not second  # outside, each its own
    with ctx.sharing_reads():
        with ctx.plain_reading() as first:
            pass
        with ctx.sharing_reads(), ctx.plain_reading() as second:  # nested: the same one
            assert second is first
            assert second.value("SELECT 1") == 1
    with pytest.raises(LookupError, match="refused"), ctx.sharing_reads(), \
            ctx.plain_reading() as failed:
        raise LookupError("a page's read refused")
    with ctx.plain_reading() as after:
        assert after is not first and after is not failed  # given back when it ended


def test_a_plain_reading_runs_on_the_driver_and_the_engines_events_see_it(
        database_url: str, clock: FakeClock) -> None:
    """database.driver_reads: the statement goes to the DB-API cursor (no SQLAlchemy
    result), the engine's cursor events still see it (the statement counts), and a driver
    error comes out as SQLAlchemy's, with the statement."""
    ctx = context_on(database_url, clock)
    with count_statements(ctx.engine) as counted, ctx.plain_reading() as db:
        rows = db.rows("SELECT 1, 'one'")
        assert type(rows[0]) is tuple  # the driver's row, not a SQLAlchemy Row
        assert list(rows[0]) == [1, "one"]
        with pytest.raises(DBAPIError, match="no_such_table"):
            db.rows("SELECT * FROM no_such_table")
    assert "SELECT 1, 'one'" in counted.sql  # (SQLite's BEGIN before it)


def test_a_one_statement_reading_is_that_statement_alone(database_url: str,
                                                          clock: FakeClock) -> None:
    """The API's token check: no BEGIN and ROLLBACK around its SELECT on SQLite (nor on
    PostgreSQL, whose plain reads are each on their own); a write refused; a second
    statement a bug; inside sharing_reads, the shared reading (a page's rows follow)."""
    ctx = context_on(database_url, clock)
    with count_statements(ctx.engine) as counted, \
            ctx.plain_reading(one_statement=True) as db:
        assert db.value("SELECT 2") == 2
        with pytest.raises(RuntimeError, match="another statement: 'SELECT 3'"):
            db.value("SELECT 3")
    assert counted.sql == ["SELECT 2"]
    with pytest.raises(WritesRefused, match="DELETE FROM users"), \
            ctx.plain_reading(one_statement=True) as db:
        db.rows("DELETE FROM users")
    with ctx.sharing_reads():
        with ctx.plain_reading(one_statement=True) as first:
            assert first.value("SELECT 1") == 1
        with ctx.plain_reading() as second:
            assert second is first and second.value("SELECT 4") == 4


def test_a_token_check_on_sqlite_reads_beside_a_writer(sqlite_url: str,
                                                       clock: FakeClock) -> None:
    ctx = context_on(sqlite_url, clock)
    add_user(ctx=ctx, actor=None, name="admin", role="admin")
    token = create_token(ctx=ctx, actor=Actor("admin", "admin")).token
    with ctx.engine.connect() as writer:
        writer.begin()  # BEGIN IMMEDIATE: another writer holds the lock
        writer.exec_driver_sql("DELETE FROM api_tokens WHERE id = -1")
        with count_statements(ctx.engine) as counted:
            assert authenticate(ctx=ctx, token=token).name == "admin"
        writer.rollback()
    # The SELECT alone, no BEGIN before it; then the stamp of its first use, which found
    # the lock held and was skipped (people._stamp_use).
    assert "FROM api_tokens" in counted.sql[0], counted.sql
    assert counted.sql[1:] == ["BEGIN IMMEDIATE"], counted.sql
