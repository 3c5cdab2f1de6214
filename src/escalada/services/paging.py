"""Lists a page at a time, the one way every list pages (the case board's way).

A page is `limit` items (default 50, at most 500) after a cursor; its `next_cursor`
(None on the last page) asks for the next one. The cursor is opaque to callers: URL-safe
base64 of JSON holding the order it belongs to and the last item's sort key, so a page
continues from where the previous one stopped (keyset paging): page 200 costs what page 1
costs, and an item added or changed meanwhile never shifts a page's neighbours.

`sql_page` pages a query in the database on columns that are unique together (an id last);
`memory_page` pages a list a service computed whole (a ranking, a portfolio), with the
same cursor, for lists whose order is not a column.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeAlias, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from escalada.domain.errors import InvalidInput
from escalada.domain.validation import ID_MAX, invalid_input

if TYPE_CHECKING:  # imported by sql_page when it runs: `case list` starts without SQLAlchemy
    from sqlalchemy import ColumnElement, Select
    from sqlalchemy.orm import QueryableAttribute, Session

DEFAULT_LIMIT, MAX_LIMIT = 50, 500
CURSOR_HELP = "is not a cursor this list gave; ask for the first page again"

T = TypeVar("T")
AnySelect: TypeAlias = "Select[*tuple[Any, ...]]"
Q = TypeVar("Q", bound="PageQuery")
# What each part of a sort key is, so a cursor's key is checked before it reaches a query.
Part = Literal["int", "float", "time", "text", "decimal", "bool", "time?", "decimal?"]


class PageQuery(BaseModel):
    """How many and from where: what every list's query has."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT,
                       description=f"items per page, 1 to {MAX_LIMIT}")
    cursor: str | None = Field(default=None, max_length=400, description=(
        "the previous page's next cursor (X-Next-Cursor); none: the first page"))


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None  # None: this is the last page


def validated(model: type[Q], query: Mapping[str, Any]) -> Q:
    """The query as its model reads it, or InvalidInput naming each wrong field."""
    try:
        return model.model_validate(dict(query))
    except ValidationError as error:
        raise invalid_input(error) from error


def every_item(read_page: Callable[..., Page[T]], /, **query: Any) -> Iterator[T]:
    """Every item a paged service function lists, a page (default 500) at a time: each
    page is read in its own short transaction, so streaming thousands holds nothing up."""
    query.setdefault("limit", MAX_LIMIT)
    while True:
        page = read_page(**query)
        yield from page.items
        if page.next_cursor is None:
            return
        query["cursor"] = page.next_cursor


def containing(text: str) -> str:
    """A LIKE pattern (escape `\\`) for `text` anywhere in lower case, its own % and _
    taken literally: compare it with the column's lower()."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class Order:
    """A list's order: its name (a cursor belongs to one order), the columns compared
    (unique together: an id last), what each key part is, and its direction."""

    name: str
    columns: tuple[ColumnElement[Any] | QueryableAttribute[Any], ...]
    parts: tuple[Part, ...]
    descending: bool = False


def sql_page(session: Session, query: AnySelect, order: Order, wanted: PageQuery,
             view: Callable[[Any], T], key: Callable[[Any], Sequence[Any]]) -> Page[T]:
    """A page of `query` (one ORM entity or plain columns) in `order` after the cursor:
    `view` makes an item of a row, `key` the row's sort key (its order's columns)."""
    from sqlalchemy import tuple_

    after = decode(wanted.cursor, order.name, order.parts)
    if after is not None:  # values bound with their columns' types (UTC times)
        columns: Any = order.columns[0] if len(order.columns) == 1 else tuple_(*order.columns)
        values: Any = after[0] if len(after) == 1 else tuple(after)
        query = query.where(columns < values if order.descending else columns > values)
    query = query.order_by(*(c.desc() if order.descending else c for c in order.columns))
    result = session.execute(query.limit(wanted.limit + 1))
    rows: list[Any] = list(result.scalars() if len(query.column_descriptions) == 1
                           else result.all())
    return _paged(rows, wanted.limit, order.name, view, key)


def memory_page(items: Sequence[T], order: str, parts: tuple[Part, ...], wanted: PageQuery,
                key: Callable[[T], Sequence[Any]]) -> Page[T]:
    """A page of `items`, already in the order of their `key` (unique), after the cursor."""
    after = decode(wanted.cursor, order, parts)
    if after is not None:
        items = [item for item in items if _comparable(key(item)) > _comparable(after)]
    return _paged(list(items), wanted.limit, order, lambda item: item, key)


def _comparable(key: Sequence[Any]) -> tuple[Any, ...]:
    """A key Python can compare part by part: a missing value sorts after any value."""
    return tuple((value is None, value if value is not None else 0) for value in key)


def _paged(rows: list[Any], limit: int, order: str, view: Callable[[Any], T],
           key: Callable[[Any], Sequence[Any]]) -> Page[T]:
    more = len(rows) > limit
    rows = rows[:limit]
    return Page([view(row) for row in rows], encode(order, key(rows[-1])) if more else None)


def encode(order: str, key: Sequence[Any]) -> str:
    """The cursor after an item of `order` whose sort key is `key`."""
    parts = [value.isoformat() if isinstance(value, datetime)
             else str(value) if isinstance(value, Decimal) else value for value in key]
    document = json.dumps({"sort": order, "after": parts}, separators=(",", ":"))
    return base64.urlsafe_b64encode(document.encode()).decode().rstrip("=")


def decode(cursor: str | None, order: str, parts: Sequence[Part]) -> list[Any] | None:
    """The key a cursor of `order` holds, each part checked (None: no cursor); a cursor
    of another order or not one a list gave is InvalidInput naming `cursor`."""
    if cursor is None:
        return None
    try:
        document = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        made_for, key = document["sort"], document["after"]
    except (binascii.Error, ValueError, TypeError, KeyError) as error:
        raise InvalidInput.of("cursor", CURSOR_HELP) from error
    if made_for != order:
        raise InvalidInput.of("cursor", "belongs to sort={made_for}, not sort={sort}: ask with the "
                              "same sort, or start again", made_for=made_for, sort=order)
    if not isinstance(key, list) or len(key) != len(parts):
        raise InvalidInput.of("cursor", CURSOR_HELP)
    return [_part(value, part) for value, part in zip(key, parts, strict=True)]


def _part(value: Any, part: Part) -> Any:
    if part.endswith("?"):
        if value is None:
            return None
        part = part.rstrip("?")  # type: ignore[assignment]
    if part == "int" and type(value) is int and 0 <= value <= ID_MAX:
        return value
    if part == "bool" and type(value) is bool:
        return value
    if part == "float" and type(value) in (int, float) and math.isfinite(value):
        return float(value)
    if part == "text" and isinstance(value, str) and len(value) <= 400:
        return value
    if part == "time" and isinstance(value, str):
        return _time(value)
    if part == "decimal" and isinstance(value, str):
        try:
            number = Decimal(value)
        except InvalidOperation as error:
            raise InvalidInput.of("cursor", CURSOR_HELP) from error
        if number.is_finite():
            return number
    raise InvalidInput.of("cursor", CURSOR_HELP)


def _time(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise InvalidInput.of("cursor", CURSOR_HELP) from error
    if moment.tzinfo is None:
        raise InvalidInput.of("cursor", CURSOR_HELP)
    return moment
