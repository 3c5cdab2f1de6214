"""Routes of /api/v1 for platform incidents (outage storms): each calls the same service
function as `escalada incident`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from escalada.entrypoints.api.deps import ActorDep, ContextDep, current_actor
from escalada.entrypoints.api.paging import PAGED, paged
from escalada.services import incident_resolutions, incident_updates, incidents
from escalada.services.incident_resolutions import ConfirmedView
from escalada.services.incidents import (
    IncidentsQuery,
    IncidentSummary,
    IncidentUpdateView,
    IncidentView,
    NewIncident,
    Resolution,
)

router = APIRouter(dependencies=[Depends(current_actor)], tags=["incidents"])


class Linking(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cases: list[str] = Field(description="case ids, e.g. CASE-1042")


class IncidentUpdate(BaseModel):
    """One update, told to every linked customer in their language."""

    model_config = ConfigDict(extra="forbid")

    status: str | None = Field(default=None, description="INVESTIGATING (default), "
                               "MITIGATING, MONITORING or RESOLVED")
    understanding: str
    doing_now: str
    next_steps: str
    note: str | None = None
    deliver_now: bool = Field(default=False, description="try each delivery at once "
                              "(default: the workers send them)")


class Confirmation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cases: list[str] | None = Field(default=None, description="only these (default: every "
                                    "case the resolution proposed)")


@router.get("/incidents", responses=PAGED)
def list_all(
    ctx: ContextDep, query: Annotated[IncidentsQuery, Query()], request: Request,
    response: Response,
) -> list[IncidentSummary]:
    """Platform incidents, newest first (a page; `status`: open or resolved, `service`,
    `region`)."""
    page = incidents.incident_page(ctx=ctx, **query.model_dump(exclude_none=True))
    return paged(page, request, response)


@router.post("/incidents", status_code=201)
def open_(ctx: ContextDep, actor: ActorDep, body: NewIncident) -> IncidentView:
    """Open an incident by hand for a service and region (409 when one is open there)."""
    return incidents.open_incident(ctx=ctx, actor=actor, **body.model_dump())


@router.get("/incidents/{incident_id}")
def show(ctx: ContextDep, incident_id: str) -> IncidentView:
    """The incident: its cases, flags, updates and the resolutions it proposes."""
    return incidents.show_incident(ctx=ctx, incident_id=incident_id)


@router.post("/incidents/{incident_id}/cases")
def link(ctx: ContextDep, actor: ActorDep, incident_id: str, body: Linking) -> IncidentView:
    """Link open cases to an open incident (each gets the incident's flags)."""
    return incidents.link_cases(ctx=ctx, actor=actor, incident_id=incident_id,
                                cases=body.cases)


@router.post("/incidents/{incident_id}/updates", status_code=201)
def update(ctx: ContextDep, actor: ActorDep, incident_id: str, body: IncidentUpdate
           ) -> IncidentUpdateView:
    """Tell every open linked case's customer, in their language; each delivery restarts
    that case's next-update clock on its own cadence."""
    return incident_updates.post_update(ctx=ctx, actor=actor, incident_id=incident_id,
                                        **body.model_dump())


@router.post("/incidents/{incident_id}/resolve")
def resolve(ctx: ContextDep, actor: ActorDep, incident_id: str,
            body: Resolution | None = None) -> IncidentView:
    """Resolve the incident: resolving its open cases is proposed (409 if resolved
    already); confirm with /resolve-cases."""
    return incidents.resolve_incident(ctx=ctx, actor=actor, incident_id=incident_id,
                                      resolution=None if body is None else body.resolution)


@router.post("/incidents/{incident_id}/resolve-cases")
def resolve_cases(ctx: ContextDep, actor: ActorDep, incident_id: str,
                  body: Confirmation | None = None) -> ConfirmedView:
    """Resolve the linked cases the incident's resolution proposed (all, or those named);
    a case that cannot be resolved is listed with why."""
    return incident_resolutions.confirm_resolutions(
        ctx=ctx, actor=actor, incident_id=incident_id,
        cases=None if body is None else body.cases)
