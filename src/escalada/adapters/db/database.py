"""Connections: SQLite (WAL) embedded by default, PostgreSQL in production."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.engine import URL, ExceptionContext
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from escalada.adapters.db.plain import Execute, Reader, driver_reads
from escalada.adapters.db.plain import default_database_url as default_database_url
from escalada.domain.errors import StoreUnavailable, WritesRefused
from escalada.settings import Settings

DATABASE_ENV = "ESCALADA_DATABASE_URL"
# The newest migration; a test checks it against Alembic's head.
SCHEMA_HEAD = "0031"
# How long a writer waits for another writer's lock on SQLite before it gives up. Readers
# never wait: they take no lock (WAL lets them read beside the one writer).
BUSY_TIMEOUT = timedelta(seconds=30)
# Execution options a unit of work marks its engine with; `_on_begin` reads them.
READING = "escalada_reading"  # only reads: no write lock, and a write is refused
NO_WAIT = "escalada_no_wait"  # writes if no one else is writing now, else fails at once
DURABLE = "escalada_durable"  # its commit is on disk before it returns, whatever the setting


def make_engine(url: str, *, synchronous: str | None = None) -> Engine:
    """An engine whose transactions serialise writers on SQLite, as PostgreSQL's rows do.
    A SQLite file's commits wait for the disk as `synchronous` says (NORMAL or FULL;
    default: ESCALADA_SQLITE_SYNCHRONOUS, Settings.sqlite_synchronous_level)."""
    if url.startswith("sqlite"):
        _create_private(make_url(url).database)
        engine = create_engine(url, json_serializer=json_text, connect_args={
            "timeout": BUSY_TIMEOUT.total_seconds(), "check_same_thread": False})
        _configure_sqlite(engine, synchronous or Settings.current().sqlite_synchronous_level())
    else:
        engine = create_engine(url, json_serializer=json_text)
        _configure_postgres(engine)
        _ping_when_idle(engine)
    event.listen(engine, "handle_error", _translate)
    return engine


def json_text(value: Any) -> str:
    """A JSON column's text, by orjson rather than json.dumps (an opening writes sixteen
    JSON values: its services, flags, timeline data and its timers' payloads): compact,
    UTF-8, keys that are not strings written as strings, as json.dumps writes them. What
    reads it back (json.loads, SQLAlchemy's or the plain reads') finds the same values."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def reads_in_place(engine: Engine) -> bool:
    """Whether a read on `engine` is only work for the CPU, never a wait: a SQLite file
    (WAL lets a reader read beside the writer without taking any lock, and there is no
    network between). A PostgreSQL read waits for the server's answer."""
    return engine.dialect.name == "sqlite"


def reading(engine: Engine) -> Engine:
    """`engine` for transactions that only read: on SQLite a deferred BEGIN (no write lock,
    so a writer holding the lock never delays them) with writes switched off; on
    PostgreSQL a READ ONLY transaction. A write in one raises WritesRefused."""
    if engine.dialect.name == "postgresql":
        # The driver begins it READ ONLY: no SET TRANSACTION, one round trip fewer.
        return engine.execution_options(**{READING: True}, postgresql_readonly=True)
    return engine.execution_options(**{READING: True})


def plain_engine(engine: Engine) -> Engine:
    """`engine` as `plain_reading` connects through it: made once and kept (Context), for
    an engine with execution options is an object of its own, and making one for each
    request's token check cost more than its SELECT."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    return reading(engine)


@contextmanager
def plain_reading(engine: Engine, *, one_statement: bool = False) -> Iterator[Reader]:
    """Plain SQL (adapters.db.plain) that only reads, on `engine` as `plain_engine` made
    it: on SQLite in a reading transaction (see `reading`), rolled back at the end; on
    PostgreSQL each SELECT on its own (autocommit), and anything else refused
    (WritesRefused). A reading of `one_statement` (the API's token check) is that
    statement alone on SQLite too: it reads one committed version without a BEGIN and a
    ROLLBACK around it, and a second statement is a bug in its caller (RuntimeError)."""
    if engine.dialect.name == "postgresql":
        # At READ COMMITTED each statement of a transaction sees its own snapshot anyway:
        # a transaction adds nothing to these reads but its BEGIN and ROLLBACK, two round
        # trips of three for a one-statement read (the API's token check, a board page).
        with engine.connect() as connection:
            execute = driver_reads(connection)
            yield Reader(_once(execute) if one_statement
                         else lambda sql, values: execute(_selected(sql), values), "postgresql")
        return
    with engine.connect() as connection:
        if one_statement:
            # The driver does not begin one (isolation_level None, `_on_connect`): the
            # SELECT is SQLite's own read transaction, which never waits for a writer.
            yield Reader(_once(driver_reads(connection)), engine.dialect.name)
            return
        connection.begin()
        yield Reader(driver_reads(connection), engine.dialect.name)


def _once(execute: Execute) -> Execute:
    """`execute` for one SELECT."""
    done: list[str] = []

    def once(sql: str, values: dict[str, Any]) -> Sequence[Any]:
        if done:
            raise RuntimeError(f"a one-statement reading ran another statement: {sql!r}")
        done.append(sql)
        return execute(_selected(sql), values)

    return once


def _selected(sql: str) -> str:
    """A SELECT; any other statement is a bug in a plain read: WritesRefused."""
    if sql.lstrip()[:6].upper() != "SELECT":
        statement = sql.strip().splitlines() or ["?"]
        raise WritesRefused(f"a plain read tried to run: {statement[0]}")
    return sql


def without_waiting(engine: Engine) -> Engine:
    """`engine` for a write worth doing only if no one else is writing: it fails at once
    (`busy`) instead of waiting for another writer's lock."""
    return engine.execution_options(**{NO_WAIT: True})


def durably(engine: Engine) -> Engine:
    """`engine` for a write that must survive a power loss once committed, because what
    follows it cannot be taken back (a delivery held before it is sent): on SQLite its
    commit is synced (`synchronous=FULL`) even where ESCALADA_SQLITE_SYNCHRONOUS=normal;
    PostgreSQL syncs every commit anyway."""
    return engine.execution_options(**{DURABLE: True})


def busy(error: BaseException) -> bool:
    """Whether a driver error means another writer holds the lock (SQLITE_BUSY, or
    PostgreSQL's lock_not_available after lock_timeout)."""
    return _sqlite_code(error) == 5 or getattr(error, "sqlstate", None) == "55P03"


def lock_not_had(error: BaseException) -> bool:
    """Whether `error` is a writing transaction's BEGIN IMMEDIATE that found another
    writer holding SQLite's lock and did not wait (`without_waiting`): nothing of the
    transaction was done."""
    return (isinstance(error, DBAPIError) and error.orig is not None and busy(error.orig)
            and (error.statement or "").strip() == "BEGIN IMMEDIATE")


def _sqlite_code(error: BaseException) -> int | None:
    """SQLite's primary result code of a driver error (without the extended bits)."""
    code = getattr(error, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def ping(engine: Engine) -> None:
    """Reach the database (SELECT 1) without taking any lock; StoreUnavailable when it
    cannot be reached."""
    with engine.connect().execution_options(**{READING: True}) as connection:
        connection.exec_driver_sql("SELECT 1")


def _translate(context: ExceptionContext) -> None:
    _unreachable(context)
    _refused(context)


def _unreachable(context: ExceptionContext) -> None:
    """A database that cannot be connected to (or that went away) is one clear error,
    StoreUnavailable, instead of the driver's traceback."""
    if context.is_pre_ping or context.engine is None:
        return  # the pool reconnects after a failed ping; a real failure comes back here
    if context.connection is not None and not context.is_disconnect:
        return  # a statement failed on a live connection: not ours to rename
    raise StoreUnavailable(unreachable_message(context.engine.url, context.original_exception))


def _refused(context: ExceptionContext) -> None:
    """A write in a reading transaction is a bug in the code that opened it: WritesRefused,
    naming the statement. (A read-only file on disk is SQLite's READONLY too, but never
    in a transaction marked as reading.)"""
    if context.connection is None or not context.connection.get_execution_options().get(
            READING):
        return
    error = context.original_exception
    if _sqlite_code(error) == 8 or getattr(error, "sqlstate", None) == "25006":  # read-only
        statement = (context.statement or "").strip().splitlines() or ["?"]
        raise WritesRefused(f"a read-only unit of work tried to write: {statement[0]}")


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


def _configure_sqlite(engine: Engine, synchronous: str) -> None:
    if synchronous not in ("NORMAL", "FULL"):
        raise ValueError(f"synchronous must be NORMAL or FULL, not {synchronous!r}")

    @event.listens_for(engine, "connect")
    def _on_connect(connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        connection.isolation_level = None
        cursor = connection.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            # Under WAL, NORMAL syncs the WAL to disk at checkpoints rather than at every
            # commit (FULL's sync took 3-6 ms of each commit on a busy machine, NORMAL's
            # commit 0.02 ms): a crash of escalada loses nothing, a power loss or an OS
            # crash the last commits.
            cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={_busy_timeout_ms()}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        options = connection.get_execution_options()
        reading = bool(options.get(READING))
        pooled = connection.connection
        _set(pooled.info, pooled.dbapi_connection,
             query_only=reading, no_wait=bool(options.get(NO_WAIT)) and not reading,
             synchronous="FULL" if options.get(DURABLE) and not reading else synchronous)
        # A reader's BEGIN is deferred: WAL lets it read the last committed version beside
        # a writer. A writer's IMMEDIATE takes the write lock up front, so two writers
        # never read the same version and then both try to write it.
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")
    # A connection given back keeps its switches until a transaction wants others: every
    # use of a connection begins (above), and a server's readings and at-once writes want
    # the same ones each time, so they issue no PRAGMA (switching back at each check-in
    # cost four an opening).


def _busy_timeout_ms() -> int:
    return int(BUSY_TIMEOUT.total_seconds() * 1000)


def _set(state: dict[str, Any], dbapi_connection: Any, *, query_only: bool,
         no_wait: bool, synchronous: str) -> None:
    """Switch a SQLite connection's writes off (a reading transaction), its wait for the
    lock (a no-wait one) or its sync at commit (a durable one), or back, as the transaction
    about to begin wants them, issuing a PRAGMA only when that changes something (outside
    any transaction: before BEGIN)."""
    # A connection starts at the setting's level (PRAGMA synchronous at connect).
    if state.setdefault("synchronous", synchronous) != synchronous:
        dbapi_connection.execute(f"PRAGMA synchronous={synchronous}")
        state["synchronous"] = synchronous
    if state.get("query_only", False) != query_only:
        dbapi_connection.execute(f"PRAGMA query_only={'ON' if query_only else 'OFF'}")
        state["query_only"] = query_only
    if state.get("no_wait", False) != no_wait:
        dbapi_connection.execute(
            f"PRAGMA busy_timeout={0 if no_wait else _busy_timeout_ms()}")
        state["no_wait"] = no_wait


def _configure_postgres(engine: Engine) -> None:
    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        options = connection.get_execution_options()
        if options.get(READING):
            if not options.get("postgresql_readonly"):  # a connection marked READING by hand
                connection.exec_driver_sql("SET TRANSACTION READ ONLY")
        elif options.get(NO_WAIT):
            connection.exec_driver_sql("SET LOCAL lock_timeout = '50ms'")


# A pooled connection idle this long is pinged before it is used again (see _ping_when_idle).
PING_AFTER_IDLE = timedelta(seconds=1)


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection before it is used again, if it sat idle for PING_AFTER_IDLE
    (the database may have restarted or cut it meanwhile); a dead one is replaced before
    anything runs on it. Pinging at every checkout, as pool_pre_ping does, cost a round
    trip for each of a busy worker's transactions (seven for each hundred timers) to check
    connections used a few milliseconds before."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE.total_seconds():
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            if engine.dialect.is_disconnect(error, dbapi_connection, None):
                # The pool drops it and connects anew (or says it cannot: StoreUnavailable).
                raise DisconnectionError(str(error)) from error
            raise


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
