"""The case board over HTTP: `GET /cases` answers a page as every list does
(api.paging): a bare JSON array, the next page in `X-Next-Cursor` and `Link`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import Field, TypeAdapter

from escalada.entrypoints.api.deps import Credentials, checks_token_itself, current_actor
from escalada.entrypoints.api.paging import PAGED, next_page_headers
from escalada.services import case_board
from escalada.services.case_board import BoardQuery, CaseSummaryView
from escalada.services.context import Context

router = APIRouter(tags=["cases"])


class CaseListQuery(BoardQuery):
    open: bool = Field(default=False, description="only open cases: the same as status=open")


# Pydantic writes the page's JSON in one call; returned as a model list, FastAPI would
# dump each case to a dict, validate it again and encode that.
_PAGE = TypeAdapter(list[CaseSummaryView])


@router.get("/cases", response_model=list[CaseSummaryView], responses=PAGED)
@checks_token_itself
def list_cases(
    request: Request, credentials: Credentials, query: Annotated[CaseListQuery, Query()],
) -> Response:
    """A page of cases (`limit`, default 50, at most 500), filtered and sorted on the
    server; follow `X-Next-Cursor` (or the `Link` header) for the next one."""
    wanted = query.model_dump(exclude={"open"}, exclude_none=True)
    if query.open:
        wanted.setdefault("status", "open")
    ctx: Context = request.app.state.context
    with ctx.sharing_reads():
        current_actor(request, credentials)
        page = case_board.list_page(ctx=ctx, **wanted)
    response = Response(_PAGE.dump_json(page.items, by_alias=True),
                        media_type="application/json")
    next_page_headers(page, request, response)
    return response
