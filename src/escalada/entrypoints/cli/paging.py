"""Every list command pages as `case list` does: `--limit` (default 50, at most 500),
`--cursor` for the page after, `--all` for every page; the next page's `--cursor` goes to
stderr, so stdout stays the list (a JSON array with `--format json`)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import typer

from escalada.entrypoints.cli.output import Format, emit_json, emit_json_stream
from escalada.entrypoints.cli.words import tr

T = TypeVar("T")

LIMIT_OPTION: Any = typer.Option(None, "--limit", help="per page (default 50, at most 500)")
CURSOR_OPTION: Any = typer.Option(None, "--cursor", help="the next page, as the last one said")
ALL_OPTION: Any = typer.Option(False, "--all", help="every page")


def print_pages(read_page: Callable[..., Any], query: dict[str, Any], *, every: bool,
                fmt: Format, table: Callable[[list[Any]], None], empty: str) -> None:
    """One page of a paged service function (or, with `every`, all of them) as JSON or
    as `table` draws it, or the sentence `empty` (in the reader's language: `tr(...)`)
    when there is nothing to draw; the options not given are left to the service's
    defaults."""
    from escalada.services.paging import every_item

    wanted = {name: value for name, value in query.items() if value is not None}
    if every:
        items: Iterable[Any] = every_item(read_page, **wanted)
        if fmt is Format.json:
            emit_json_stream(items)
        else:
            _table_or_sentence(list(items), table, empty)
        return
    page = read_page(**wanted)
    if fmt is Format.json:
        emit_json(page.items)
    else:
        _table_or_sentence(page.items, table, empty)
    more(page.next_cursor)


def _table_or_sentence(items: list[Any], table: Callable[[list[Any]], None], empty: str
                       ) -> None:
    if items:
        table(items)
        return
    from escalada.entrypoints.cli.output import console

    console().print(empty, markup=False)


def more(next_cursor: str | None) -> None:
    """Tell the reader how to ask for the next page, when there is one."""
    if next_cursor is not None:
        sys.stderr.write(tr("more: --cursor {cursor}", cursor=next_cursor) + "\n")
