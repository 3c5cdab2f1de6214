"""Routes of /api/v1 for platform incidents (outage storms): each calls the same service
function as `escalada incident`."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from escalada.entrypoints.api.deps import ActorDep, ContextDep, current_actor
from escalada.services import incident_resolutions, incident_updates, incidents
from escalada.services.incident_resolutions import ConfirmedView
from escalada.services.incidents import (
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


@router.get("/incidents")
def list_all(ctx: ContextDep, status: Literal["open", "resolved"] | None = None,
             limit: int = 100) -> list[IncidentSummary]:
    """Platform incidents, newest first (`status`: open or resolved)."""
    return incidents.list_incidents(ctx=ctx, status=status, limit=limit)


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
