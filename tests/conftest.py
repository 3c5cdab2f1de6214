"""Shared fixtures: databases (SQLite file and PostgreSQL), a context with a fake clock."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import OperationalError

from escalada.adapters.db.database import ensure_schema, make_engine
from escalada.adapters.policy_file import current_policy
from escalada.bootstrap import wire
from escalada.services.context import Context
from escalada.testing import FakeClock

# The server to test against; each run creates a database of its own on it (and drops it at
# the end), so two runs on one machine never collide.
POSTGRES_SERVER_URL = os.environ.get(
    "ESCALADA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
START = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def _unreachable(url: str, error: OperationalError) -> None:
    reason = f"PostgreSQL not reachable at {make_url(url).render_as_string()}: {error.orig}"
    if os.environ.get("ESCALADA_REQUIRE_POSTGRES"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_run_database() -> Iterator[str]:
    """A PostgreSQL database for this test run alone, dropped when the run ends."""
    server = make_url(POSTGRES_SERVER_URL)
    name = f"escalada_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        admin.dispose()
        _unreachable(POSTGRES_SERVER_URL, error)
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _reset_postgres(url: str) -> None:
    """Drop escalada's tables so that every test starts from a fresh schema."""
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    except OperationalError as error:
        _unreachable(url, error)
    finally:
        engine.dispose()


def _migrated(url: str) -> str:
    engine = make_engine(url)
    ensure_schema(engine)
    engine.dispose()
    return url


@pytest.fixture
def sqlite_url(tmp_path: os.PathLike[str]) -> str:
    """A fresh, migrated SQLite file."""
    return _migrated(f"sqlite:///{tmp_path}/escalada.db")


@pytest.fixture
def postgres_url(postgres_run_database: str) -> str:
    """This run's PostgreSQL database, emptied and migrated."""
    _reset_postgres(postgres_run_database)
    return _migrated(postgres_run_database)


@pytest.fixture(params=["sqlite_url", "postgres_url"], ids=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """A fresh, migrated database: a SQLite file, then PostgreSQL."""
    url: str = request.getfixturevalue(request.param)
    return url


def context_on(url: str, clock: FakeClock) -> Context:
    return wire(lambda: make_engine(url), current_policy, clock)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def ctx(database_url: str, clock: FakeClock) -> Iterator[Context]:
    """A service-layer context on a fresh database with a fake clock."""
    context = context_on(database_url, clock)
    yield context
    context.engine.dispose()


@pytest.fixture
def postgres_ctx(postgres_url: str, clock: FakeClock) -> Iterator[Context]:
    """A context on PostgreSQL only, for what only a row-locking database shows."""
    context = context_on(postgres_url, clock)
    yield context
    context.engine.dispose()


@pytest.fixture
def sqlite_ctx(sqlite_url: str, clock: FakeClock) -> Iterator[Context]:
    """A context on a SQLite file only."""
    context = context_on(sqlite_url, clock)
    yield context
    context.engine.dispose()
