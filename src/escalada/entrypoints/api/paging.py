"""Every list over HTTP answers the same way: a page, a bare JSON array as the lists always
were, and where the next page is in `X-Next-Cursor` and a `Link: <...>; rel="next"`
header (neither is sent on the last page). Each list takes `limit` (1 to 500, default
50) and `cursor`; a wrong one is a 422 naming it."""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import Request, Response

from escalada.services.paging import Page

T = TypeVar("T")

NEXT_PAGE_HEADERS: dict[str, dict[str, Any]] = {
    "X-Next-Cursor": {"description": "pass it back as `cursor` for the next page; absent on "
                                     "the last page", "schema": {"type": "string"}},
    "Link": {"description": 'the next page\'s URL, `<...>; rel="next"`; absent on the last '
                            "page", "schema": {"type": "string"}},
}
# For a list route's decorator: its 200 answer names the headers.
PAGED: dict[int | str, dict[str, Any]] = {200: {"headers": NEXT_PAGE_HEADERS}}


def next_page_headers(page: Page[Any], request: Request, response: Response) -> None:
    """Say where the page after `page` is, when there is one."""
    if page.next_cursor is not None:
        response.headers["X-Next-Cursor"] = page.next_cursor
        following = request.url.include_query_params(cursor=page.next_cursor)
        response.headers["Link"] = f'<{following}>; rel="next"'


def paged(page: Page[T], request: Request, response: Response) -> list[T]:
    """The page's items for the route to answer, its next page in the headers."""
    next_page_headers(page, request, response)
    return page.items
