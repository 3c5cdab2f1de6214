"""INSERTs of whole rows that a write does again and again (an opening's case, its
timeline entry, its timers), compiled once for each database and run on the driver's
cursor. Through SQLAlchemy Core (`connection.execute(insert(...), rows)`) each execution
worked out the statement's parameters again, through the compiled statement's generic
machinery, before turning each value into what the driver takes, and built an execution
context and a result: for an opening's eight timers that cost more than the database's
work. Here the same column types turn the values (a time to SQLite's text, a list to
JSON), once per value, and the statement runs as a plain read does (plain.on_cursor): the
engine's events, its error handling (a lost race is IntegrityError, a database gone
StoreUnavailable) and the statement counts of the tests see it as ever."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Dialect, Table, insert

from escalada.adapters.db.plain import on_cursor

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # the bound columns, in the statement's order
    processed: tuple[tuple[int, Callable[[Any], Any]], ...]  # (place, what the driver takes)
    positional: bool  # SQLite's `?`: a tuple for each row; else a dictionary
    returned: tuple[Processor, ...]  # what Python takes of each returned column
    defaults: dict[str, Callable[[], Any]]  # columns the rows leave to a Python default

    def values(self, row: Mapping[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        if self.defaults:
            row = {**{name: default() for name, default in self.defaults.items()}, **row}
        turned = [row[name] for name in self.names]
        for place, process in self.processed:  # a None too: JSON's is the text 'null'
            turned[place] = process(turned[place])
        return tuple(turned) if self.positional else dict(zip(self.names, turned, strict=True))

    def row(self, found: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(value if process is None else process(value)
                     for value, process in zip(found, self.returned, strict=True))


class RowInsert:
    """An INSERT into `table` of rows that each give the same columns, returning the
    `returning` columns of each row. A column left out takes its server's default, or its
    Python-side one (a scalar, or a callable that takes no execution context: SQLAlchemy
    hands it None here)."""

    def __init__(self, table: Table, returning: Sequence[str] = ()) -> None:
        self._table = table
        self._returning = tuple(returning)
        self._compiled: dict[tuple[str, tuple[str, ...]], _Compiled] = {}

    def run(self, connection: Connection, rows: Sequence[Mapping[str, Any]]
            ) -> list[tuple[Any, ...]]:
        """Insert `rows` (one statement, or one executemany); the returned columns of
        each, when the statement returns any, as Python values (of one row only: a
        driver's executemany returns no rows)."""
        if not rows:
            return []
        if self._returning and len(rows) > 1:
            raise ValueError(f"{self._table.name}: rows returned by one row's INSERT only")
        dialect = connection.dialect
        compiled = self._compiled.get((dialect.name, tuple(rows[0])))
        if compiled is None:
            compiled = self._compile(dialect, tuple(rows[0]))
        values = [compiled.values(row) for row in rows]
        if not connection.in_transaction():
            connection.begin()  # as SQLAlchemy's own execution would begin one
        many = len(values) > 1
        found = on_cursor(connection, compiled.sql, values if many else values[0],
                          many=many, returns=bool(self._returning))
        return [compiled.row(row) for row in found]

    def _compile(self, dialect: Dialect, keys: tuple[str, ...]) -> _Compiled:
        statement = insert(self._table)
        if self._returning:
            statement = statement.returning(*(self._table.c[key] for key in self._returning))
        compiled = statement.compile(dialect=dialect, column_keys=list(keys))
        defaults = {column.key: _default(column.default)
                    for column in compiled.insert_prefetch}
        names = tuple(compiled.positiontup or compiled.binds)
        positional = compiled.positiontup is not None
        found = self._compiled[dialect.name, keys] = _Compiled(
            sql=compiled.string, names=names,
            processed=tuple((place, process) for place, process in enumerate(
                compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
                for name in names) if process is not None),
            positional=positional,
            returned=tuple(self._table.c[key].type.dialect_impl(dialect)
                           .result_processor(dialect, None) for key in self._returning),
            defaults=defaults)
        return found


def _default(default: Any) -> Callable[[], Any]:
    """A column's Python-side default, as a function of nothing."""
    if default.is_scalar:
        return lambda: default.arg
    if default.is_callable:
        return lambda: default.arg(None)
    raise ValueError(f"a column default of this kind is worked out by SQLAlchemy: {default!r}")

