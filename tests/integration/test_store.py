"""The store itself on real SQLite and PostgreSQL: an append-only timeline enforced by
the database, exact money, UTC times, migrations in step with the ORM, WAL on SQLite."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from case_support import open_case
from examples import ADMIN, ANA
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from escalada.adapters.db.database import (
    BUSY_TIMEOUT,
    SCHEMA_HEAD,
    durably,
    ensure_schema,
    make_engine,
    reading,
    schema_version,
    without_waiting,
)
from escalada.adapters.db.tables import OUTSIDE_METADATA, Base
from escalada.domain.errors import InvalidInput
from escalada.services import cases
from escalada.services.accounts import add_account
from escalada.services.case_board import list_page
from escalada.services.context import Context
from escalada.services.records import timeline_of
from escalada.services.repositories import load_case
from escalada.testing import FakeClock

MOSCOW = timezone(timedelta(hours=3))


def timeline_rows(ctx: Context) -> list[tuple[Any, ...]]:
    with ctx.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(
            text("SELECT id, kind, summary FROM timeline ORDER BY id"))]


# The append-only timeline


@pytest.mark.parametrize(
    "statement",
    ["UPDATE timeline SET summary = 'nothing happened'", "DELETE FROM timeline"],
    ids=["update", "delete"],
)
def test_the_database_itself_refuses_to_rewrite_the_timeline(
    ctx: Context, statement: str
) -> None:
    open_case(ctx)
    cases.respond(ctx=ctx, actor=ANA, case_id="CASE-1")
    before = timeline_rows(ctx)

    with pytest.raises(DBAPIError, match="the timeline is append-only"), \
            ctx.engine.begin() as connection:
        connection.execute(text(statement))

    assert timeline_rows(ctx) == before
    assert len(before) == 2


# Money


def test_revenue_impact_survives_to_the_cent(ctx: Context) -> None:
    open_case(ctx, revenue_impact_usd=Decimal("10000.01"),
              business_impact_usd=Decimal("99999999.99"))

    view = cases.show_case(ctx=ctx, case_id="CASE-1")
    [summary] = list_page(ctx=ctx).items

    assert view.snapshot.revenue_impact_usd == Decimal("10000.01")
    assert str(view.snapshot.revenue_impact_usd) == "10000.01"
    assert view.snapshot.business_impact_usd == Decimal("99999999.99")
    assert summary.revenue_impact_usd == Decimal("10000.01")
    with ctx.engine.connect() as connection:
        stored = connection.execute(
            text("SELECT revenue_impact_usd, business_impact_usd FROM cases")).one()
    assert tuple(stored) == (1000001, 9999999999)


def test_a_cent_above_ten_thousand_dollars_fires_the_revenue_criterion_after_a_round_trip(
    ctx: Context,
) -> None:
    open_case(ctx, revenue_impact_usd=Decimal("10000.01"))
    add_account(ctx=ctx, actor=ADMIN, id="globex", name="Globex", tier="enterprise",
                support_plan="enterprise")
    cases.open_case(ctx=ctx, actor=ANA, account="globex", severity="P1", title="Down",
                    revenue_impact_usd=Decimal("10000.00"))

    fired = {
        case_id: [r.criteria for r in cases.show_case(ctx=ctx, case_id=case_id)
                  .evaluation.recommendations if r.to == "L2"]
        for case_id in ("CASE-1", "CASE-2")
    }

    assert fired == {"CASE-1": [["revenue_impact_over_10k"]], "CASE-2": []}


# Time


def test_times_come_back_timezone_aware_in_utc(ctx: Context, clock: FakeClock) -> None:
    clock.now = datetime(2026, 11, 26, 13, 0, tzinfo=MOSCOW)
    open_case(ctx)
    clock.advance(minutes=7)
    cases.respond(ctx=ctx, actor=ANA, case_id="CASE-1")

    with ctx.unit_of_work() as uow:
        case = load_case(uow.session, "CASE-1")
        moments = [case.opened_at, case.first_response_at, case.updated_at]
        moments += [entry.at for entry in timeline_of(uow.session, case)]

    assert moments == [datetime(2026, 11, 26, 10, 0, tzinfo=UTC),
                       datetime(2026, 11, 26, 10, 7, tzinfo=UTC),
                       datetime(2026, 11, 26, 10, 7, tzinfo=UTC),
                       datetime(2026, 11, 26, 10, 0, tzinfo=UTC),
                       datetime(2026, 11, 26, 10, 7, tzinfo=UTC)]
    assert all(moment is not None and moment.tzinfo is UTC for moment in moments)
    view = cases.show_case(ctx=ctx, case_id="CASE-1")
    assert view.snapshot.opened_at.utcoffset() == timedelta(0)
    assert view.snapshot.account.id == "acme"


# Migrations


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", "escalada.adapters.db:migrations")
    return config


def test_schema_head_names_alembics_head(ctx: Context) -> None:
    heads = ScriptDirectory.from_config(_alembic_config()).get_heads()

    assert heads == [SCHEMA_HEAD]
    assert schema_version(ctx.engine) == SCHEMA_HEAD


def test_the_migrated_schema_matches_the_orm_metadata(ctx: Context) -> None:
    with ctx.engine.connect() as connection:
        migration = MigrationContext.configure(connection, opts={
            "compare_type": True,
            "include_name": lambda name, *_: not (name or "").startswith(OUTSIDE_METADATA)})
        differences = compare_metadata(migration, Base.metadata)

    assert differences == []


# SQLite


def test_sqlite_runs_in_wal_mode(sqlite_ctx: Context) -> None:
    with sqlite_ctx.engine.connect() as connection:
        mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
        foreign_keys = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()

    assert mode == "wal"
    assert foreign_keys == 1


def test_sqlite_commits_are_synced_at_checkpoints_unless_full_is_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    def synchronous() -> int:
        engine = make_engine(f"sqlite:///{tmp_path / 'escalada.db'}")
        try:
            with engine.connect() as connection:
                return int(connection.exec_driver_sql("PRAGMA synchronous").scalar() or 0)
        finally:
            engine.dispose()

    monkeypatch.delenv("ESCALADA_SQLITE_SYNCHRONOUS", raising=False)
    assert synchronous() == 1  # NORMAL
    monkeypatch.setenv("ESCALADA_SQLITE_SYNCHRONOUS", "full")
    assert synchronous() == 2  # FULL
    monkeypatch.setenv("ESCALADA_SQLITE_SYNCHRONOUS", "off")
    with pytest.raises(InvalidInput, match="ESCALADA_SQLITE_SYNCHRONOUS: must be normal or full"):
        synchronous()


def test_a_pooled_connection_switches_as_each_transaction_wants_and_no_more(
    tmp_path: Path,
) -> None:
    """A connection keeps its switches when given back (no PRAGMA at check-in): the next
    transaction switches what it needs before it begins, and one that wants the same
    switches as the last issues no PRAGMA at all."""
    engine = make_engine(f"sqlite:///{tmp_path / 'escalada.db'}")
    sent: list[str] = []

    def run(chosen: Any, sql: str) -> Any:
        with chosen.connect() as connection, connection.begin():
            connection.connection.dbapi_connection.set_trace_callback(sent.append)
            result = connection.exec_driver_sql(sql)
            return result.scalar() if result.returns_rows else None

    try:
        run(engine, "CREATE TABLE notes (body TEXT)")
        sent.clear()
        assert run(reading(engine), "PRAGMA query_only") == 1
        assert run(reading(engine), "SELECT count(*) FROM notes") == 0
        assert run(engine, "PRAGMA query_only") == 0  # switched back as this one began
        run(engine, "INSERT INTO notes VALUES ('written')")  # so it writes
        assert run(without_waiting(engine), "PRAGMA busy_timeout") == 0
        assert run(engine, "PRAGMA busy_timeout") == 1000 * BUSY_TIMEOUT.total_seconds()
    finally:
        engine.dispose()
    pragmas = [sql for sql in sent if sql.startswith("PRAGMA") and "=" in sql]
    # The first reading switched writes off; the second switched nothing, as a server's
    # readings switch nothing all day; the write after them switched writes on again, the
    # no-wait write the wait off, and the next write the wait on again.
    assert pragmas == ["PRAGMA query_only=ON", "PRAGMA query_only=OFF", "PRAGMA busy_timeout=0",
                       f"PRAGMA busy_timeout={int(1000 * BUSY_TIMEOUT.total_seconds())}"]


def test_a_durable_write_is_synced_at_its_commit_and_the_connection_goes_back_to_normal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A write followed by what cannot be taken back (an outbox hold before the send) is
    on disk when it commits, under the default NORMAL too; the next transaction on the
    same pooled connection syncs at checkpoints again."""
    monkeypatch.delenv("ESCALADA_SQLITE_SYNCHRONOUS", raising=False)
    engine = make_engine(f"sqlite:///{tmp_path / 'escalada.db'}")
    used = set()

    def level(durable: bool) -> int:
        chosen = durably(engine) if durable else engine
        with chosen.connect() as connection, connection.begin():
            used.add(id(connection.connection.dbapi_connection))
            return int(connection.exec_driver_sql("PRAGMA synchronous").scalar() or 0)

    try:
        assert [level(False), level(True), level(False), level(True)] == [1, 2, 1, 2]
    finally:
        engine.dispose()
    assert len(used) == 1  # the pool gave the same connection back each time


def test_a_new_sqlite_database_and_its_wal_files_are_readable_by_their_owner_only(
    tmp_path: Path,
) -> None:
    path = tmp_path / "escalada.db"
    previous = os.umask(0o022)  # the usual umask, which would leave the file world-readable
    try:
        engine = make_engine(f"sqlite:///{path}")
        ensure_schema(engine)
        with engine.connect() as connection:  # open: the -wal and -shm files exist
            connection.exec_driver_sql("SELECT 1")
            modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()}
        engine.dispose()
    finally:
        os.umask(previous)

    assert modes == {"escalada.db": 0o600, "escalada.db-wal": 0o600, "escalada.db-shm": 0o600}


def test_an_existing_sqlite_file_keeps_the_permissions_its_operator_gave_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "shared.db"
    path.touch(mode=0o640)
    path.chmod(0o640)

    make_engine(f"sqlite:///{path}").dispose()

    assert stat.S_IMODE(path.stat().st_mode) == 0o640
