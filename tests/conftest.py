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


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: os.PathLike[str]) -> str:
    """A fresh, migrated database: a SQLite file, then PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/escalada.db"
    else:
        request.applymarker(pytest.mark.postgres)
        _reset_postgres(POSTGRES_URL)
        url = POSTGRES_URL
    engine = make_engine(url)
    ensure_schema(engine)
    engine.dispose()
    return url


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def ctx(database_url: str, clock: FakeClock) -> Iterator[Context]:
    """A service-layer context on a fresh database with a fake clock."""
    context = Context(engine=make_engine(database_url), policy=current_policy, clock=clock)
    yield context
    context.engine.dispose()
