"""`/hooks`: the help desks' webhook deliveries that could not be applied, a page at a time
(the newest first, filtered by source), with what is wrong and their body, and a button
to replay one once the mapping is fixed. Both go through the same service functions as
`escalada hooks failed|replay` and /api/v1/hooks/failed|deliveries/{id}/replay, which
check the roles (engineers and above)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from escalada.adapters.catalogs import translations
from escalada.domain.errors import InvalidInput, InvalidTransition, NotFound
from escalada.domain.validation import existing_id
from escalada.entrypoints.errors import http_status
from escalada.entrypoints.web.paging import filters_of, pager
from escalada.entrypoints.web.rendering import render
from escalada.entrypoints.web.session import (
    ConsoleUser,
    CsrfChecked,
    context_of,
    language_of,
)
from escalada.services import hooks
from escalada.services.context import Actor

router = APIRouter(include_in_schema=False)
HOOKS = "/hooks"


def page(request: Request, user: Actor, *, problem: str | None = None,
         status_code: int = 200, replayed: hooks.HookReceiptView | None = None) -> Response:
    filters = filters_of(request, "source", "cursor")
    failed = hooks.delivery_page(ctx=context_of(request), actor=user, state=hooks.FAILED,
                                 **filters)
    return render(request, "hooks.html", status_code=status_code, failed=failed.items,
                  problem=problem, replayed=replayed, filters=filters,
                  pager=pager(request, failed))


@router.get(HOOKS)
def failed_page(request: Request, user: ConsoleUser) -> Response:
    return page(request, user)


@router.post(HOOKS + "/{delivery_id}/replay")
def replay(request: Request, user: ConsoleUser, _csrf: CsrfChecked, delivery_id: int
           ) -> Response:
    """Replay one; a delivery that still cannot be applied shows why on the page."""
    try:
        receipt = hooks.replay_delivery(ctx=context_of(request), actor=user,
                                        delivery_id=existing_id(delivery_id,
                                                                "webhook delivery"))
    except (InvalidInput, InvalidTransition, NotFound) as error:
        told = error.told(translations(language_of(request)))
        return page(request, user, problem=told, status_code=http_status(error))
    if receipt.case is None:
        return RedirectResponse(HOOKS, status_code=303)
    return RedirectResponse(f"/cases/{receipt.case}", status_code=303)
