"""The case board over HTTP: `GET /cases` answers a page, a bare JSON array as it always
has, and says where the next page is in `X-Next-Cursor` and a `Link: <...>; rel="next"`
header (neither is sent on the last page)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import Field, TypeAdapter

from escalada.entrypoints.api.deps import ContextDep, current_actor
from escalada.services import case_board
from escalada.services.case_board import BoardQuery, CaseSummaryView

router = APIRouter(tags=["cases"], dependencies=[Depends(current_actor)])

_NEXT_PAGE_HEADERS = {
    "X-Next-Cursor": {"description": "pass it back as `cursor` for the next page; absent on "
                                     "the last page", "schema": {"type": "string"}},
    "Link": {"description": 'the next page\'s URL, `<...>; rel="next"`; absent on the last '
                            "page", "schema": {"type": "string"}},
}


class CaseListQuery(BoardQuery):
    open: bool = Field(default=False, description="only open cases: the same as status=open")


# Pydantic writes the page's JSON in one call; returned as a model list, FastAPI would
# dump each case to a dict, validate it again and encode that.
_PAGE = TypeAdapter(list[CaseSummaryView])


@router.get("/cases", response_model=list[CaseSummaryView],
            responses={200: {"headers": _NEXT_PAGE_HEADERS}})
def list_cases(
    ctx: ContextDep, request: Request, query: Annotated[CaseListQuery, Query()],
) -> Response:
    """A page of cases (`limit`, default 50, at most 500), filtered and sorted on the
    server; follow `X-Next-Cursor` (or the `Link` header) for the next one."""
    wanted = query.model_dump(exclude={"open"}, exclude_none=True)
    if query.open:
        wanted.setdefault("status", "open")
    page = case_board.list_page(ctx=ctx, **wanted)
    response = Response(_PAGE.dump_json(page.cases, by_alias=True),
                        media_type="application/json")
    if page.next_cursor is not None:
        response.headers["X-Next-Cursor"] = page.next_cursor
        following = request.url.include_query_params(cursor=page.next_cursor)
        response.headers["Link"] = f'<{following}>; rel="next"'
    return response
