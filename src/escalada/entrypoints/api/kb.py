"""GET /api/v1/kb: the knowledge base searched, through the same service function as
`escalada kb search`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from escalada.entrypoints.api.deps import ContextDep, current_actor
from escalada.entrypoints.api.paging import PAGED, paged
from escalada.services.knowledge_base import KbHit, kb_page, similar_escalations

router = APIRouter(dependencies=[Depends(current_actor)], tags=["knowledge base"])


@router.get("/kb", response_model=list[KbHit], responses=PAGED)
def search_kb(
    ctx: ContextDep, request: Request, response: Response,
    q: Annotated[str, Query(description="words to find, in any inflection (Russian or "
                                        "English)")] = "",
    lang: Annotated[str | None, Query(description="only entries in ru or en")] = None,
    limit: Annotated[int, Query(description="per page, 1 to 100")] = 20,
    cursor: Annotated[str | None, Query(description=(
        "the previous page's next cursor (X-Next-Cursor); none: the first page"))] = None,
) -> list[KbHit]:
    """Root causes, post-mortems and lessons learned of past cases matching every word of
    `q`, best first, a page at a time (422 naming `q`, `lang`, `limit` or `cursor` when one
    is wrong). Any role may search."""
    page = kb_page(ctx=ctx, q=q, lang=lang, limit=limit, cursor=cursor)
    return paged(page, request, response)


@router.get("/cases/{case_id}/similar", response_model=list[KbHit])
def similar(
    ctx: ContextDep, case_id: str,
    limit: Annotated[int, Query(description="at most this many, 1 to 100")] = 3,
) -> list[KbHit]:
    """Past escalations like this case, from the knowledge base: entries of other cases
    sharing its services, regions or the words of its title, best first."""
    return similar_escalations(ctx=ctx, case_id=case_id, limit=limit)
