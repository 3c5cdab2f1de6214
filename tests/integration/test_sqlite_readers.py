"""Readers never wait for writers: on SQLite a unit of work that only reads takes no
lock, so it completes while another connection holds the write lock; a write in it is
refused (WritesRefused), on SQLite and PostgreSQL.

No timing is asserted. The writer holds its lock until the read has returned, and the
database's busy_timeout is cut to a second: a read that needed the lock would fail with
"database is locked" instead of completing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from case_support import open_case
from examples import ADMIN
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from escalada.adapters.db import database
from escalada.adapters.db.tables import CaseRow, TokenRow
from escalada.domain.errors import WritesRefused
from escalada.entrypoints.api import create_app
from escalada.services import cases
from escalada.services.case_board import list_page
from escalada.services.context import Actor, Context
from escalada.services.people import add_user, authenticate, create_token
from escalada.testing import FakeClock

VERA = Actor("vera", "viewer")


@contextmanager
def writer_holding_the_lock(ctx: Context) -> Iterator[None]:
    """Another connection in the middle of a write: BEGIN IMMEDIATE and an insert, not
    committed until the block ends (then rolled back)."""
    writer = sqlite3.connect(make_url(str(ctx.engine.url)).database or "",
                             isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO users (name, role, created_at) "
                       "VALUES ('writer', 'engineer', '2026-11-26 10:00:00')")
        yield
    finally:
        writer.execute("ROLLBACK")
        writer.close()


@pytest.fixture
def impatient(monkeypatch: pytest.MonkeyPatch) -> None:
    """A second's busy_timeout: whatever waits for the writer fails fast and loudly."""
    monkeypatch.setattr(database, "BUSY_TIMEOUT", timedelta(seconds=1))


@pytest.fixture
def ctx_with_a_case(impatient: None, sqlite_ctx: Context) -> Context:
    open_case(sqlite_ctx)
    return sqlite_ctx


# The lock is really held: what writes cannot have it


def test_a_unit_that_writes_cannot_begin_while_another_connection_writes(
    ctx_with_a_case: Context,
) -> None:
    ctx = ctx_with_a_case
    with (writer_holding_the_lock(ctx),
          pytest.raises(OperationalError, match="database is locked") as raised,
          ctx.unit_of_work() as uow):
        uow.session.execute(text("SELECT 1"))
    assert database.busy(raised.value.orig)


def test_a_unit_that_need_not_wait_fails_at_once_as_busy(ctx_with_a_case: Context) -> None:
    ctx = ctx_with_a_case
    with (writer_holding_the_lock(ctx), pytest.raises(OperationalError) as raised,
          ctx.unit_of_work(wait=False) as uow):
        uow.session.execute(text("SELECT 1"))
    assert database.busy(raised.value.orig)
    # and the connection waits as long as ever again afterwards
    with ctx.engine.connect() as connection:
        timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
    assert timeout == 1000


# Readers do not wait


def test_a_reading_unit_reads_while_another_connection_holds_the_write_lock(
    ctx_with_a_case: Context,
) -> None:
    ctx = ctx_with_a_case
    with writer_holding_the_lock(ctx), ctx.reading() as uow:
        titles = uow.session.scalars(select(CaseRow.title)).all()
    assert titles == ["Volumes detach under load"]


def test_a_case_its_timeline_and_the_case_list_are_read_while_another_connection_writes(
    ctx_with_a_case: Context,
) -> None:
    ctx = ctx_with_a_case
    with writer_holding_the_lock(ctx):
        shown = cases.show_case(ctx=ctx, case_id="CASE-1")
        timeline = cases.case_timeline(ctx=ctx, case_id="CASE-1")
        listed = list_page(ctx=ctx, status="open").items
    assert shown.title == "Volumes detach under load"
    assert [entry.kind for entry in timeline] == ["case_opened"]
    assert [case.id for case in listed] == ["CASE-1"]


def test_the_api_authenticates_and_answers_healthz_and_reads_while_another_connection_writes(
    ctx_with_a_case: Context,
) -> None:
    ctx = ctx_with_a_case
    token = a_token(ctx)
    with TestClient(create_app(ctx), headers={"Authorization": f"Bearer {token}"}) as client:
        with writer_holding_the_lock(ctx):
            health = client.get("/healthz")
            listed = client.get("/api/v1/cases")
            shown = client.get("/api/v1/cases/CASE-1")
        assert health.status_code == 200, health.text
        assert listed.status_code == 200, listed.text
        assert shown.status_code == 200, shown.text
        assert shown.json()["title"] == "Volumes detach under load"


def test_a_write_with_a_bad_token_is_refused_without_waiting_for_another_connections_write(
    ctx_with_a_case: Context,
) -> None:
    # A request with no valid token never queues for the write lock: anyone on the network
    # could otherwise hold back every engineer's writes by sending bad tokens.
    ctx = ctx_with_a_case
    body = {"account": "acme", "severity": "P2", "title": "Refused"}
    with TestClient(create_app(ctx)) as client, writer_holding_the_lock(ctx):
        refused = client.post("/api/v1/cases", json=body,
                              headers={"Authorization": "Bearer not-a-token"})
    assert refused.status_code == 401, refused.text


# A token's last use: stamped when no one is writing, skipped (never waited for) otherwise


def a_token(ctx: Context) -> str:
    """Vera's token (a viewer, added by the first admin)."""
    add_user(ctx=ctx, actor=None, name=ADMIN.name, role=ADMIN.role)
    add_user(ctx=ctx, actor=ADMIN, name=VERA.name, role=VERA.role)
    return create_token(ctx=ctx, actor=VERA).token


def last_used(ctx: Context) -> object:
    with ctx.reading() as uow:
        return uow.session.scalars(select(TokenRow.last_used_at)).one()


def test_a_tokens_use_is_not_stamped_while_another_connection_writes_and_is_stamped_after(
    ctx_with_a_case: Context, clock: FakeClock,
) -> None:
    ctx = ctx_with_a_case
    token = a_token(ctx)
    with writer_holding_the_lock(ctx):
        assert authenticate(ctx=ctx, token=token) == VERA
    assert last_used(ctx) is None

    assert authenticate(ctx=ctx, token=token) == VERA
    assert last_used(ctx) == clock()


def test_a_tokens_use_is_stamped_at_most_once_a_minute(ctx: Context, clock: FakeClock) -> None:
    token = a_token(ctx)
    authenticate(ctx=ctx, token=token)
    first = clock()
    clock.advance(seconds=59)
    authenticate(ctx=ctx, token=token)
    assert last_used(ctx) == first
    clock.advance(seconds=2)
    authenticate(ctx=ctx, token=token)
    assert last_used(ctx) == clock()


def test_a_tokens_use_is_not_stamped_while_another_transaction_locks_its_row_on_postgresql(
    postgres_ctx: Context,
) -> None:
    ctx = postgres_ctx
    token = a_token(ctx)
    other = create_engine(ctx.engine.url, poolclass=NullPool)
    try:
        with other.begin() as locking:
            locking.execute(select(TokenRow.id).with_for_update())
            assert authenticate(ctx=ctx, token=token) == VERA
    finally:
        other.dispose()
    assert last_used(ctx) is None


# Writes in a reading unit are refused


def test_a_write_in_a_reading_unit_is_refused_and_names_the_statement(ctx: Context) -> None:
    open_case(ctx)
    with (pytest.raises(WritesRefused, match="tried to write: UPDATE cases"),
          ctx.reading() as uow):
        uow.session.execute(update(CaseRow).values(title="Changed in a read"))
    assert cases.show_case(ctx=ctx, case_id="CASE-1").title == "Volumes detach under load"


def test_a_changed_row_flushed_in_a_reading_unit_is_refused(ctx: Context) -> None:
    open_case(ctx)
    with pytest.raises(WritesRefused, match="UPDATE cases"), ctx.reading() as uow:
        row = uow.session.scalars(select(CaseRow)).one()
        row.title = "Changed in a read"
        uow.session.flush()
    assert cases.show_case(ctx=ctx, case_id="CASE-1").title == "Volumes detach under load"


def test_a_write_in_a_plain_read_is_refused(ctx: Context) -> None:
    # On PostgreSQL a plain read runs each SELECT on its own, with no read-only transaction
    # around it: the reader itself refuses anything else.
    open_case(ctx)
    with pytest.raises(WritesRefused, match="UPDATE cases"), ctx.plain_reading() as db:
        db.rows("UPDATE cases SET title = 'Changed in a read'")
    assert cases.show_case(ctx=ctx, case_id="CASE-1").title == "Volumes detach under load"


def test_a_reading_unit_has_nothing_to_commit(ctx: Context) -> None:
    with pytest.raises(WritesRefused, match="nothing to commit"), ctx.reading() as uow:
        uow.commit()


def test_a_unit_that_writes_after_a_reading_one_writes(ctx: Context) -> None:
    """The pooled connection a reading unit switched to read-only is switched back."""
    open_case(ctx)
    for _ in range(2):
        with ctx.reading() as uow:
            uow.session.scalars(select(CaseRow)).one()
        with ctx.unit_of_work() as uow:
            uow.session.execute(update(CaseRow).values(title="Renamed"))
            uow.commit()
    assert cases.show_case(ctx=ctx, case_id="CASE-1").title == "Renamed"
