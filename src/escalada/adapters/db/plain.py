"""Reads in plain SQL over the DB-API (sqlite3, psycopg), without SQLAlchemy.

A person's read command (`escalada case show`, `case list`) starts cold: importing
SQLAlchemy's ORM and mapping the tables cost it more than half its time. The reads it
runs are written here as SQL text, and a `Reader` runs them on whatever connection it is
given: a DB-API connection the command opened itself (`connect`: no SQLAlchemy at all),
an engine's connection in a read-only transaction (`database.plain_reading`), or a
session's connection inside its transaction (`of_session`: a write's own reads).

Values come back as the ORM's column types give them: times as aware UTC datetimes,
money as Decimal, JSON columns decoded.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from escalada.domain.model import as_utc

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

    from escalada.settings import Settings

# Runs one statement with its parameters (a dict, names written :name in the SQL) and
# returns its rows.
Execute = Callable[[str, dict[str, Any]], Sequence[Sequence[Any]]]

_PARAMETER = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")
_VERSIONS = Path(__file__).with_name("migrations") / "versions"
_STORED_TIME_LENGTHS = (26, 19)  # with microseconds, and without (a whole second)


class Reader:
    """Plain SQL on one connection, in the dialect it speaks (`sqlite` or `postgresql`)."""

    def __init__(self, execute: Execute, dialect: str) -> None:
        self._execute = execute
        self.dialect = dialect

    @classmethod
    def of_session(cls, session: Session) -> Reader:
        """On the session's connection, inside its transaction (what it flushed shows)."""
        connection = session.connection()
        return cls(driver_reads(connection), connection.dialect.name)

    def rows(self, sql: str, **values: Any) -> Sequence[Sequence[Any]]:
        return self._execute(_in_dialect(sql, self.dialect), values)

    def row(self, sql: str, **values: Any) -> Sequence[Any] | None:
        found = self.rows(sql, **values)
        return found[0] if found else None

    def value(self, sql: str, **values: Any) -> Any:
        found = self.row(sql, **values)
        return None if found is None else found[0]

    def time(self, moment: datetime) -> Any:
        """A time as a parameter that compares with the stored ones."""
        if self.dialect == "sqlite":  # as stored ones read, to compare as text with them
            return sqlite_text(moment)
        return moment


def driver_reads(connection: Connection) -> Execute:
    """Plain SQL on `connection`'s own DB-API cursor, in its transaction (`on_cursor`)."""
    return lambda sql, values: on_cursor(connection, sql, values)


def on_cursor(connection: Connection, sql: str, parameters: Any, *, many: bool = False,
              returns: bool = True) -> Sequence[Sequence[Any]]:
    """`sql` with `parameters` (with each of them when `many`) on `connection`'s own DB-API
    cursor, in whatever transaction it has; its rows when it `returns` any. Through
    SQLAlchemy (`exec_driver_sql`) each statement built an execution context, a result
    and the result's column metadata, which cost an opening's reads and inserts more than
    the database's work. What SQLAlchemy does around a statement is done as it does it:
    the engine's cursor events see it (the tests count statements by them), and a
    driver's error goes through the connection's own handling, as `exec_driver_sql` hands
    it over (Connection._handle_dbapi_exception, a private method: test_plain_reads and
    test_row_inserts pin what it does): the engine's handle_error events (a database gone
    is StoreUnavailable, a write in a reading transaction WritesRefused), the connection
    invalidated when it was lost, SQLAlchemy's exception naming the statement."""
    dbapi_connection = connection.connection.dbapi_connection
    assert dbapi_connection is not None  # a connection in use has its DB-API connection
    dispatch = connection.dispatch
    cursor = dbapi_connection.cursor()
    try:
        for before in dispatch.before_cursor_execute:
            sql, parameters = before(connection, cursor, sql, parameters, None, many)
        try:
            if many:
                cursor.executemany(sql, parameters)
            else:
                cursor.execute(sql, parameters)
            rows: Sequence[Sequence[Any]] = cursor.fetchall() if returns else []
        except Exception as error:
            connection._handle_dbapi_exception(error, sql, parameters, cursor, None)
        for after in dispatch.after_cursor_execute:
            after(connection, cursor, sql, parameters, None, many)
        return rows
    finally:
        cursor.close()


def _in_dialect(sql: str, dialect: str) -> str:
    """:name parameters as the driver wants them (sqlite3 takes them as written)."""
    if dialect == "sqlite":
        return sql
    return _PARAMETER.sub(r"%(\1)s", sql)


def sqlite_text(moment: datetime) -> str:
    """An aware time as a SQLite column keeps it (types.UtcDateTime, as SQLAlchemy's
    DATETIME writes it): UTC, no offset, with microseconds. (Formatted from the fields:
    `replace(tzinfo=None).isoformat(...)` took longer.)"""
    at = moment.astimezone(UTC)
    return "%04d-%02d-%02d %02d:%02d:%02d.%06d" % (  # noqa: UP031 (the fastest here)
        at.year, at.month, at.day, at.hour, at.minute, at.second, at.microsecond)


def utc(value: Any) -> datetime | None:
    """A stored time as an aware UTC datetime (SQLite keeps text without an offset)."""
    if value is None:
        return None
    if isinstance(value, str):
        if len(value) in _STORED_TIME_LENGTHS:
            # As SQLAlchemy writes it: read with its offset, not given one after (a
            # tenth of the time: a page reads three times a row).
            try:
                return datetime.fromisoformat(value + "+00:00")
            except ValueError:
                pass
        value = datetime.fromisoformat(value)
    return as_utc(value)


def cents(value: int | None) -> Decimal | None:
    """Whole cents as USD (adapters.db.types.Cents)."""
    # Decimal(12345).scaleb(-2) is Decimal('123.45'), as (Decimal(12345) / 100).quantize(
    # Decimal('0.01')) is, in one step.
    return None if value is None else Decimal(value).scaleb(-2)


def document(value: Any) -> Any:
    """A JSON column's value (PostgreSQL's driver decodes it already; SQLite keeps text)."""
    return json.loads(value) if isinstance(value, str | bytes) else value


# The cold path: a connection of the command's own --------------------------------------


def default_database_url(settings: Settings | None = None) -> str:
    """ESCALADA_DATABASE_URL, else a SQLite file in the user's data directory."""
    from escalada.settings import Settings

    configured = (settings or Settings.current()).text("database_url")
    if configured:
        return configured
    from platformdirs import user_data_dir

    directory = Path(user_data_dir("escalada", appauthor=False))
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    return f"sqlite:///{directory / 'escalada.db'}"


def newest_migration() -> str:
    """The revision of the newest migration (its file name's number), which the schema
    must be at for the SQL here to fit it."""
    return max(name[:4] for name in os.listdir(_VERSIONS)
               if name[:4].isdigit() and name.endswith(".py"))


@contextmanager
def connect(url: str) -> Iterator[Reader | None]:
    """A read-only transaction on a connection of this process's own to the database at
    `url`, when it can have one cheaply: a SQLite file that exists, or PostgreSQL, with
    the schema at the newest migration. Otherwise (None) the caller goes through
    SQLAlchemy, which creates, migrates or says why it cannot connect."""
    opened = _open(url)
    if opened is None:
        yield None
        return
    connection, dialect = opened
    try:
        reader = Reader(_executing(connection), dialect)
        if reader.value("SELECT version_num FROM alembic_version") != newest_migration():
            yield None
            return
        yield reader
    finally:
        connection.rollback()
        connection.close()


def _open(url: str) -> tuple[Any, str] | None:
    """A DB-API connection in a read-only transaction, or None."""
    parts = urlsplit(url)
    scheme = parts.scheme.split("+")[0]
    try:
        if scheme == "sqlite":
            return _open_sqlite(url), "sqlite"
        if scheme in ("postgresql", "postgres") and parts.scheme in (
                "postgresql", "postgres", "postgresql+psycopg"):
            return _open_postgres(url), "postgresql"
    except Exception:  # whatever stops it here, SQLAlchemy's connection says it properly
        return None
    return None


def _open_sqlite(url: str) -> Any:
    path = url.split("///", 1)[1] if "///" in url else ""
    if not path or path == ":memory:" or "?" in path or path.startswith("file:"):
        raise ValueError("not a plain file")
    # mode=rw: a missing file is an error here, not an empty new database.
    connection = sqlite3.connect(f"file:{Path(unquote(path)).absolute()}?mode=rw", uri=True,
                                 isolation_level=None, timeout=30)
    try:
        connection.execute("PRAGMA query_only=ON")
        connection.execute("BEGIN")  # deferred: no lock, a writer never delays it
        connection.execute("SELECT 1 FROM alembic_version LIMIT 0")  # a schema is there
    except Exception:
        connection.close()
        raise
    return connection


def _open_postgres(url: str) -> Any:
    import psycopg

    conninfo = "postgresql" + url[url.index(":"):]
    connection = psycopg.connect(conninfo, connect_timeout=10)
    try:
        connection.execute("SET TRANSACTION READ ONLY")
    except Exception:
        connection.close()
        raise
    return connection


def _executing(connection: Any) -> Execute:
    def execute(sql: str, values: dict[str, Any]) -> Sequence[Sequence[Any]]:
        cursor = connection.cursor()
        try:
            cursor.execute(sql, values)
            rows: Sequence[Sequence[Any]] = cursor.fetchall()
            return rows
        finally:
            cursor.close()

    return execute

