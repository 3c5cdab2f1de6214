"""Shared fixtures: databases (SQLite file and PostgreSQL), a context with a fake clock."""

from __future__ import annotations

import itertools
import os
import queue
import shutil
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

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
# The tests read English whatever the machine's locale (LANG=ru_RU would make the CLI speak
# Russian); a test of another language sets ESCALADA_LANG or LANG itself.
os.environ["ESCALADA_LANG"] = "en"
# Network traffic only to loopback: a vendor SDK with no credentials configured (a poll or
# an opening the schemathesis run calls) would otherwise probe the clouds' instance
# metadata services at 169.254.169.254; here each probe meets a closed loopback port.
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
os.environ["AZURE_POD_IDENTITY_AUTHORITY_HOST"] = "http://127.0.0.1:9"
os.environ["GCE_METADATA_HOST"] = "127.0.0.1:9"
os.environ["GCE_METADATA_IP"] = "127.0.0.1:9"
os.environ["NO_GCE_CHECK"] = "True"

# Property tests (and schemathesis, a tenth of it per operation) draw "fast" in
# `make test`; `make test-deep` passes --hypothesis-profile=thorough for ten times more.
settings.register_profile("fast", max_examples=100)
settings.register_profile("thorough", max_examples=1000)
settings.load_profile("fast")


def _unreachable(url: str, error: OperationalError) -> None:
    reason = f"PostgreSQL not reachable at {make_url(url).render_as_string()}: {error.orig}"
    if os.environ.get("ESCALADA_REQUIRE_POSTGRES"):
        pytest.fail(reason)
    pytest.skip(reason)


def _run_name(config: pytest.Config) -> str:
    """This run's (and this xdist worker's) own name: two runs at once, or two workers
    of one run, never share a database."""
    worker = getattr(config, "workerinput", {}).get("workerid", "main")
    return f"escalada_test_{worker}_{os.getpid()}_{uuid.uuid4().hex[:8]}"


def _migrated(url: str) -> str:
    engine = make_engine(url)
    ensure_schema(engine)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per session (per worker); each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "escalada.db"
    _migrated(f"sqlite:///{path}")
    # The engine is disposed: its write-ahead log is checkpointed into the file and gone,
    # so the one file is the whole database.
    assert not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Engine]:
    """An AUTOCOMMIT connection to the server's `postgres` database, to create and drop
    this run's databases."""
    admin = create_engine(make_url(POSTGRES_SERVER_URL).set(database="postgres"),
                          isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect():
            pass
    except OperationalError as error:
        admin.dispose()
        _unreachable(POSTGRES_SERVER_URL, error)
    yield admin
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_run_database(
    postgres_admin: Engine, pytestconfig: pytest.Config
) -> Iterator[str]:
    """A PostgreSQL database for this test run (and xdist worker) alone, migrated once:
    the template each test's database is cloned from. Dropped when the run ends; nothing
    may stay connected to it (a clone needs its template idle)."""
    name = _run_name(pytestconfig)
    with postgres_admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield _migrated(make_url(POSTGRES_SERVER_URL).set(database=name)
                        .render_as_string(hide_password=False))
    finally:
        with postgres_admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


class _Dropper:
    """Drops a test's database in the background: DROP DATABASE waits for a checkpoint
    (seconds on a busy machine), which the next test need not wait for. `close` waits
    until every database is gone and says which could not be dropped."""

    def __init__(self, admin: Engine) -> None:
        self.admin = admin
        self.names: queue.Queue[str | None] = queue.Queue()
        self.failures: list[str] = []
        self.thread = threading.Thread(target=self._drop_all, name="drop-databases",
                                       daemon=True)
        self.thread.start()

    def _drop_all(self) -> None:
        while (name := self.names.get()) is not None:
            try:
                with self.admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            except Exception as error:  # reported by close()
                self.failures.append(f"{name}: {error}")

    def close(self) -> None:
        self.names.put(None)
        self.thread.join()
        assert not self.failures, f"test databases left behind: {self.failures}"


@pytest.fixture(scope="session")
def postgres_dropper(postgres_admin: Engine) -> Iterator[_Dropper]:
    dropper = _Dropper(postgres_admin)
    yield dropper
    dropper.close()


# What a test may change beyond rows: triggers (and whether they fire), the schema's
# revision, columns and indexes. A database whose shape a test changed is replaced.
_SHAPE = """
SELECT (SELECT string_agg(tgname::text || tgenabled::text, ',' ORDER BY tgname)
          FROM pg_trigger WHERE NOT tgisinternal)
    || '|' || (SELECT string_agg(version_num, ',') FROM alembic_version)
    || '|' || (SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public')
    || '|' || (SELECT count(*) FROM pg_indexes WHERE schemaname = 'public')
"""


class _Workbench:
    """This worker's PostgreSQL database for one test at a time: a clone of the run's
    migrated template, emptied before each test (its rows deleted, triggers aside, and
    its sequences restarted: as fresh as a new clone, in ~20 ms instead of ~250 ms). A
    test that changed more than rows (a trigger dropped, a migration undone) leaves it to
    be dropped, and the next test gets a new clone."""

    def __init__(self, admin: Engine, dropper: _Dropper, template_url: str) -> None:
        self.admin, self.dropper = admin, dropper
        self.template = make_url(template_url)
        self.clones = itertools.count(1)
        self.name: str | None = None
        self.shape = ""
        self.reset_sql = ""

    def url(self) -> str:
        return self.template.set(database=self.name).render_as_string(hide_password=False)

    def fresh(self) -> str:
        if self.name is None:
            self._clone()
        else:
            self._empty()
        return self.url()

    def after_test(self) -> None:
        """Replace the database if the test changed its shape."""
        if self.name is not None and self._read_shape() != self.shape:
            self.dropper.names.put(self.name)
            self.name = None

    def close(self) -> None:
        if self.name is not None:
            self.dropper.names.put(self.name)

    def _clone(self) -> None:
        self.name = f"{self.template.database}_{next(self.clones)}"
        with self.admin.connect() as connection:
            connection.execute(text(
                f'CREATE DATABASE "{self.name}" TEMPLATE "{self.template.database}"'))
        with self._connect() as connection:
            tables = connection.scalars(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version'")).all()
            sequences = connection.scalars(text(
                "SELECT sequence_name FROM information_schema.sequences "
                "WHERE sequence_schema = 'public'")).all()
        # Deleting with triggers off (session_replication_role): the append-only logs
        # refuse a DELETE, as they should from anyone but the test bench.
        self.reset_sql = ("SET session_replication_role = replica;"
                          + "".join(f'DELETE FROM "{table}";' for table in tables)
                          + "".join(f'ALTER SEQUENCE "{name}" RESTART;' for name in sequences)
                          + "SET session_replication_role = DEFAULT;")
        self.shape = self._read_shape()

    def _empty(self) -> None:
        with self.admin.connect() as connection:  # whatever a test left connected goes
            connection.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": self.name})
        with self._connect() as connection:
            connection.exec_driver_sql(self.reset_sql)

    def _read_shape(self) -> str:
        with self._connect() as connection:
            return str(connection.scalar(text(_SHAPE)))

    def _connect(self) -> Any:
        engine = create_engine(self.url(), isolation_level="AUTOCOMMIT", poolclass=NullPool)
        return engine.connect()


@pytest.fixture(scope="session")
def postgres_workbench(
    postgres_admin: Engine, postgres_dropper: _Dropper, postgres_run_database: str
) -> Iterator[_Workbench]:
    bench = _Workbench(postgres_admin, postgres_dropper, postgres_run_database)
    yield bench
    bench.close()


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A fresh, migrated SQLite file (a copy of the session's migrated template)."""
    path = tmp_path / "escalada.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def postgres_url(postgres_workbench: _Workbench) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test alone (this worker's, emptied
    for it; replaced after a test that changed its shape)."""
    yield postgres_workbench.fresh()
    postgres_workbench.after_test()


@pytest.fixture(params=["sqlite_url",
                        pytest.param("postgres_url", marks=pytest.mark.postgres)],
                ids=["sqlite", "postgresql"])
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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Whatever runs on PostgreSQL carries the `postgres` mark (`-m "not postgres"` runs
    the rest): the postgresql case of `database_url` has it from its parameter, a test
    asking for PostgreSQL alone gets it here."""
    for item in items:
        if "postgres_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)
