"""Test doubles shipped as real code: a clock that only moves when told, and scratch
databases for benchmarks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine


class FakeClock:
    """A callable clock for `Context.clock`; `advance` moves it forward."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class ScratchDatabase:
    """A database of a benchmark's or a test's own, migrated and empty; `cleanup` ends it."""

    name: str
    engine: Engine
    cleanup: Callable[[], None] = field(default=lambda: None)

    @property
    def postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"


def scratch_postgres(url: str, say: Callable[[str], None] = print) -> ScratchDatabase | str:
    """The PostgreSQL database at `url` (created when missing), emptied and migrated; or
    why there is none (the server cannot be reached)."""
    from sqlalchemy import create_engine, make_url, text
    from sqlalchemy.exc import OperationalError

    from escalada.adapters.db.database import ensure_schema, make_engine

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                        {"name": target.database}).scalar()
            if not exists:
                say(f"postgresql: creating database {target.database}")
                connection.exec_driver_sql(f'CREATE DATABASE "{target.database}"')
    except OperationalError as error:
        return f"server unreachable: {str(error.orig).strip().splitlines()[0]}"
    finally:
        admin.dispose()
    engine = make_engine(url)
    with engine.begin() as connection:  # the database is the caller's own: start empty
        connection.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")
    ensure_schema(engine)
    return ScratchDatabase("postgresql", engine, engine.dispose)


def scratch_sqlite(prefix: str) -> ScratchDatabase:
    """A fresh SQLite file (WAL, as escalada runs it) in a temporary directory."""
    import tempfile
    from pathlib import Path

    from escalada.adapters.db.database import ensure_schema, make_engine

    directory = tempfile.TemporaryDirectory(prefix=f"{prefix}-")
    engine = make_engine(f"sqlite:///{Path(directory.name) / 'escalada.db'}")
    ensure_schema(engine)

    def cleanup() -> None:
        engine.dispose()
        directory.cleanup()

    return ScratchDatabase("sqlite", engine, cleanup)
