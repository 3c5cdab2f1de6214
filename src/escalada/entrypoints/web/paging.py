"""A console list a page at a time, the board's way: the list's own service reads a page
(services.paging, keyset cursors) filtered in the database, and the page links to the
next one and back to the first with the same filters in its URL. A page with several
lists (the account page) gives each its own cursor parameter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import Request

from escalada.services.paging import Page


@dataclass(frozen=True)
class Pager:
    next_url: str | None  # None: this is the last page
    first_url: str | None  # None: this is the first page

    @property
    def paged(self) -> bool:
        """Whether the list has more than one page (so a count of the page would mislead)."""
        return self.next_url is not None or self.first_url is not None


def pager(request: Request, page: Page[Any] | str | None, *, param: str = "cursor",
          anchor: str = "") -> Pager:
    """Links to the page after `page` (or after the cursor `page`) and to the first one,
    keeping the request's other query parameters."""
    following = page.next_cursor if isinstance(page, Page) else page
    kept = [(name, value) for name, value in request.query_params.multi_items()
            if name != param and value != ""]
    here = request.url.path
    fragment = f"#{anchor}" if anchor else ""
    return Pager(
        next_url=None if following is None else
        f"{here}?{urlencode([*kept, (param, following)])}{fragment}",
        first_url=None if request.query_params.get(param) is None else
        (f"{here}?{urlencode(kept)}" if kept else here) + fragment)


def filters_of(request: Request, *names: str) -> dict[str, str]:
    """The query parameters among `names` that have a value (an empty field: no filter)."""
    return {name: value.strip() for name in names
            if (value := request.query_params.get(name)) and value.strip()}
