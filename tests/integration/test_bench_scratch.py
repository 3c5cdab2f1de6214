"""bench/scratch.py: a benchmark's databases are fresh for its run and gone after it (the
SQLite file deleted, the PostgreSQL database dropped), so `make bench` leaves no bench_*
database on the server."""

from __future__ import annotations

import argparse
import importlib.util
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import psycopg
import pytest
from sqlalchemy import Engine, create_engine, inspect, text

from escalada.testing import ScratchDatabase

BENCH = Path(__file__).resolve().parents[2] / "bench"

pytestmark = pytest.mark.postgres


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


scratch = load("scratch")


@pytest.fixture
def bench_name(postgres_admin: Engine) -> Iterator[str]:
    """A benchmark name of this test's own (bench_<name> is its database); the database is
    dropped after the test whatever happened, so a failure leaves nothing either."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    yield name
    with postgres_admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "bench_{name}" WITH (FORCE)'))


def url_of(admin: Engine, name: str) -> str:
    """bench_<name> on the test server (the benchmarks' default is 127.0.0.1)."""
    return admin.url.set(database=f"bench_{name}").render_as_string(hide_password=False)


def options(admin: Engine, name: str, *, sqlite: bool = True) -> argparse.Namespace:
    """The benchmark's own options, as its command line gives them."""
    parser = argparse.ArgumentParser()
    scratch.database_options(parser, name)
    arguments = ["--postgres-url", url_of(admin, name)]
    return parser.parse_args(arguments if sqlite else [*arguments, "--skip-sqlite"])


def databases(admin: Engine, name: str) -> list[str]:
    with admin.connect() as connection:
        return list(connection.execute(
            text("SELECT datname FROM pg_database WHERE datname = :name"),
            {"name": f"bench_{name}"}).scalars())


def test_a_run_on_each_database_leaves_none_behind(postgres_admin: Engine,
                                                    bench_name: str) -> None:
    seen: list[tuple[str, list[str], str]] = []

    def run(database: ScratchDatabase) -> str:
        with database.engine.begin() as connection:  # what a benchmark's run writes
            connection.execute(text("CREATE TABLE measured (n int)"))
            connection.execute(text("INSERT INTO measured VALUES (1)"))
        seen.append((database.name, databases(postgres_admin, bench_name),
                     str(database.engine.url.database)))
        return database.name

    said: list[str] = []
    results, skipped = scratch.on_each_database(options(postgres_admin, bench_name),
                                                bench_name, run, say=said.append)

    assert (results, skipped) == (["sqlite", "postgresql"], {})
    assert said == [f"postgresql: creating database bench_{bench_name}"]
    (_, _, sqlite_file), (_, during, _) = seen
    assert during == [f"bench_{bench_name}"]
    assert not Path(sqlite_file).exists()
    assert not Path(sqlite_file).parent.exists()
    assert databases(postgres_admin, bench_name) == []


def test_one_left_by_an_earlier_run_is_emptied_then_dropped(postgres_admin: Engine,
                                                          bench_name: str) -> None:
    with postgres_admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "bench_{bench_name}"'))
    engine = create_engine(url_of(postgres_admin, bench_name))
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE from_before (n int)"))
    engine.dispose()
    tables: list[list[str]] = []

    def run(database: ScratchDatabase) -> None:
        tables.append(inspect(database.engine).get_table_names())

    said: list[str] = []
    scratch.on_each_database(options(postgres_admin, bench_name, sqlite=False), bench_name,
                             run, say=said.append)

    assert said == []
    assert "accounts" in tables[0] and "from_before" not in tables[0]
    assert databases(postgres_admin, bench_name) == []


def test_a_fresh_database_for_each_phase_is_dropped_after_each(postgres_admin: Engine,
                                                               bench_name: str) -> None:
    """As timers.py and comms.py run their phases: `scratch` per phase, and a connection
    the phase left open (a server not yet stopped) does not keep the database."""
    chosen = options(postgres_admin, bench_name, sqlite=False)
    [(kind, opener)] = scratch.openers(chosen, bench_name, lambda _message: None)
    assert kind == "postgresql"
    for phase in ("claim", "throughput"):
        with scratch.scratch(opener) as database:
            assert isinstance(database, ScratchDatabase), phase
            with database.engine.begin() as connection:
                assert connection.execute(text("SELECT count(*) FROM cases")).scalar() == 0
                connection.execute(text("CREATE TABLE measured (n int)"))
            left_open = psycopg.connect(database.engine.url.set(drivername="postgresql")
                                        .render_as_string(hide_password=False))
        try:
            assert databases(postgres_admin, bench_name) == [], phase
        finally:
            left_open.close()


def test_an_unreachable_server_is_a_skip_and_nothing_to_drop() -> None:
    parser = argparse.ArgumentParser()
    scratch.database_options(parser, "x")
    chosen = parser.parse_args(["--skip-sqlite", "--postgres-url",
                                "postgresql+psycopg://postgres@127.0.0.1:9/bench_x"])

    results, skipped = scratch.on_each_database(chosen, "x", lambda _db: 1)

    assert results == []
    assert skipped["postgresql"].startswith("server unreachable: ")
