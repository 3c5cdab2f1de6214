"""Connections: SQLite (WAL) embedded by default, PostgreSQL in production."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.engine import URL, ExceptionContext
from sqlalchemy.orm import Session, sessionmaker

from escalada.domain.errors import StoreUnavailable
from escalada.settings import Settings

DATABASE_ENV = "ESCALADA_DATABASE_URL"
# The newest migration; a test checks it against Alembic's head.
SCHEMA_HEAD = "0009"


def default_database_url(settings: Settings | None = None) -> str:
    """ESCALADA_DATABASE_URL, else a SQLite file in the user's data directory."""
    configured = (settings or Settings()).text("database_url")
    if configured:
        return configured
    from platformdirs import user_data_dir

    directory = Path(user_data_dir("escalada", appauthor=False))
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    return f"sqlite:///{directory / 'escalada.db'}"


def make_engine(url: str) -> Engine:
    """An engine whose transactions serialise writers on SQLite, as PostgreSQL's rows do."""
    if url.startswith("sqlite"):
        _create_private(make_url(url).database)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        _configure_sqlite(engine)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    event.listen(engine, "handle_error", _unreachable)
    return engine


def _unreachable(context: ExceptionContext) -> None:
    """A database that cannot be connected to (or that went away) is one clear error,
    StoreUnavailable, instead of the driver's traceback."""
    if context.is_pre_ping or context.engine is None:
        return  # the pool reconnects after a failed ping; a real failure comes back here
    if context.connection is not None and not context.is_disconnect:
        return  # a statement failed on a live connection: not ours to rename
    raise StoreUnavailable(unreachable_message(context.engine.url, context.original_exception))


def unreachable_message(url: URL, error: BaseException) -> str:
    """Where the database is (host and port, or the file) and the driver's reason, in
    one line and without the password."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    reason = (lines[0] if lines else type(error).__name__).rsplit(" failed: ", 1)[-1]
    if url.password:
        reason = reason.replace(str(url.password), "***")
    if url.get_backend_name() == "sqlite":
        return f"cannot open the database file {url.database}: {reason}"
    where = f"{url.host or 'localhost'}:{url.port or 5432}"
    return (f"cannot connect to the database at {where} (database {url.database}): "
            f"{reason}; is it running, and is {DATABASE_ENV} right?")


def _create_private(database: str | None) -> None:
    """Create a new SQLite file readable by its owner only (0600): SQLite gives its -wal
    and -shm files the database file's permissions. An existing file is left as it is."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    try:
        descriptor = os.open(database, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except (FileExistsError, FileNotFoundError):
        return  # there already, or no such directory: SQLite itself says so on connect
    os.close(descriptor)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        connection.isolation_level = None
        cursor = connection.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock up front, so two writers never read the
        # same version and then both try to write it.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(
    engine: Engine, info: dict[str, Any] | None = None
) -> sessionmaker[Session]:
    """Sessions on `engine`, each starting with a copy of `info`."""
    return sessionmaker(engine, expire_on_commit=False, info=info)


def schema_version(engine: Engine) -> str | None:
    """The migration the database is at, or None when it has none."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run the Alembic migrations up to `revision`."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "escalada.adapters.db:migrations")
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def ensure_schema(engine: Engine) -> None:
    """Migrate when the database is behind; cheap when it is current."""
    if schema_version(engine) != SCHEMA_HEAD:
        upgrade(engine)
