"""The incident pages: `/incidents` lists platform incidents (outage storms across
customers) a page at a time, filtered by status, service and region, and
`/incidents/{incident_id}` shows one, its linked cases, its updates and the resolutions
it proposes; its forms post an update to every linked customer, resolve the incident and
confirm the proposed resolutions through the same service functions as `escalada
incident` and /api/v1/incidents. The service refuses a role that may not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from escalada.adapters.catalogs import translations
from escalada.domain import validation
from escalada.domain.errors import EscaladaError
from escalada.entrypoints.errors import http_status
from escalada.entrypoints.web.paging import filters_of, pager
from escalada.entrypoints.web.rendering import render
from escalada.entrypoints.web.session import ConsoleUser, CsrfChecked, context_of, language_of
from escalada.services import incident_resolutions, incident_updates, incidents
from escalada.services.vendor_health_views import line

router = APIRouter(include_in_schema=False)
INCIDENT = "/incidents/{incident_id}"
Note = Annotated[validation.Note, Form()]
Status = Annotated[str, Form(max_length=20)]


@router.get("/incidents")
def incidents_page(request: Request, user: ConsoleUser) -> Response:
    """A page of incidents, the newest first, filtered by status, service and region."""
    filters = filters_of(request, "status", "service", "region", "cursor")
    listed = incidents.incident_page(ctx=context_of(request), **filters)
    return render(request, "incidents.html", incidents=listed.items, filters=filters,
                  pager=pager(request, listed))


def page(request: Request, incident_id: str, *, problem: str | None = None,
         status_code: int = 200) -> Response:
    ctx = context_of(request)
    shown = incidents.show_incident(ctx=ctx, incident_id=incident_id)
    reader, now = translations(language_of(request)), ctx.clock()
    vendor_lines = [line(event, timezone="UTC", now=now).render(reader)
                    for event in shown.vendor_events]
    return render(request, "incident.html", status_code=status_code, incident=shown,
                  problem=problem, vendor_lines=vendor_lines)


@router.get(INCIDENT)
def incident_page(request: Request, user: ConsoleUser, incident_id: str) -> Response:
    return page(request, incident_id)


def _act(request: Request, incident_id: str, action: Callable[[], object]) -> Response:
    """Do the action, then show the incident again (a refusal on the page, with its status)."""
    try:
        action()
    except EscaladaError as error:
        told = error.told(translations(language_of(request)))
        return page(request, incident_id, problem=told, status_code=http_status(error))
    return RedirectResponse(request.url_for("incident_page", incident_id=incident_id).path,
                            status_code=303)


@router.post(f"{INCIDENT}/update")
def post_update(request: Request, user: ConsoleUser, _csrf: CsrfChecked, incident_id: str,
                understanding: Note, doing_now: Note, next_steps: Note,
                status: Status = "INVESTIGATING") -> Response:
    ctx = context_of(request)
    return _act(request, incident_id, lambda: incident_updates.post_update(
        ctx=ctx, actor=user, incident_id=incident_id, status=status,
        understanding=understanding, doing_now=doing_now, next_steps=next_steps))


@router.post(f"{INCIDENT}/resolve")
def resolve(request: Request, user: ConsoleUser, _csrf: CsrfChecked, incident_id: str,
            resolution: Note = "") -> Response:
    ctx = context_of(request)
    return _act(request, incident_id, lambda: incidents.resolve_incident(
        ctx=ctx, actor=user, incident_id=incident_id, resolution=resolution.strip() or None))


@router.post(f"{INCIDENT}/resolve-cases")
def resolve_cases(request: Request, user: ConsoleUser, _csrf: CsrfChecked,
                  incident_id: str) -> Response:
    ctx = context_of(request)
    return _act(request, incident_id, lambda: incident_resolutions.confirm_resolutions(
        ctx=ctx, actor=user, incident_id=incident_id))
