"""Shared fixtures: databases (SQLite file and PostgreSQL), a context with a fake clock."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from escalada.adapters.db.database import ensure_schema, make_engine
from escalada.adapters.policy_file import current_policy
from escalada.services.context import Context
from escalada.testing import FakeClock

POSTGRES_URL = os.environ.get(
    "ESCALADA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
START = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def _reset_postgres(url: str) -> None:
    """Drop escalada's tables so that every test starts from a fresh schema."""
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    except OperationalError as error:
        reason = f"PostgreSQL not reachable at {url}: {error.orig}"
        if os.environ.get("ESCALADA_REQUIRE_POSTGRES"):
            pytest.fail(reason)
        pytest.skip(reason)
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
def postgres_url() -> str:
    """The test PostgreSQL database, emptied and migrated."""
    _reset_postgres(POSTGRES_URL)
    return _migrated(POSTGRES_URL)


@pytest.fixture(params=["sqlite_url", "postgres_url"], ids=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """A fresh, migrated database: a SQLite file, then PostgreSQL."""
    url: str = request.getfixturevalue(request.param)
    return url


def context_on(url: str, clock: FakeClock) -> Context:
    return Context(database=lambda: make_engine(url), policy=current_policy, clock=clock)


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
