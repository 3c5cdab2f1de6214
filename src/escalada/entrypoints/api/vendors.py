"""Routes of /api/v1 for vendor cases: each calls the same service function as the CLI."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from escalada.domain.validation import Label, MessageBody, Note
from escalada.entrypoints.api.deps import ActorDep, ContextDep, current_actor
from escalada.entrypoints.api.paging import PAGED, paged
from escalada.services import (
    vendor_actions,
    vendor_health,
    vendor_health_views,
    vendor_opening,
    vendor_sync,
    vendor_views,
)
from escalada.services.vendor_views import (
    VendorCasesQuery,
    VendorCaseView,
    VendorPlanView,
    VendorRequestView,
)

router = APIRouter(dependencies=[Depends(current_actor)], tags=["vendors"])
Vendor = Literal["aws", "azure", "gcp"]


class OpenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    vendor: Vendor
    plan: Label | None = Field(default=None, description="our support plan with the vendor")
    service: Label | None = None
    category: Label | None = None
    region: Label | None = None
    request: Note | None = Field(default=None, description="what we ask the vendor to do")
    severity: Label | None = Field(default=None, description="the vendor's; default by plan")
    handoff: dict[str, Any] | None = Field(
        default=None, description="from T3: the T3 -> VENDOR handoff package (item id -> "
                                  "text, or a list of texts), all but vendor_case_number")
    override_reason: Note | None = Field(
        default=None, description="from T3: take the step without its full handoff "
                                  "package (team lead and up)")
    dry_run: bool = False


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: MessageBody
    vendor: Vendor | None = None
    dry_run: bool = False


class EscalateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Literal["RESOLUTION_TIME", "TECHNICAL_EXPERTISE", "BUSINESS_IMPACT"]
    justification: Note
    vendor: Vendor | None = None
    dry_run: bool = False


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    vendor: Vendor | None = None
    dry_run: bool = False


@router.post("/cases/{case_id}/vendor-cases", status_code=201)
def open_case(
    ctx: ContextDep, actor: ActorDep, case_id: str, body: OpenIn
) -> VendorCaseView | VendorRequestView:
    """Open a vendor case (`dry_run`: the exact request, nothing sent)."""
    return vendor_opening.open_vendor_case(ctx=ctx, actor=actor, case_id=case_id,
                                           **body.model_dump())


@router.get("/cases/{case_id}/vendor-cases", responses=PAGED)
def list_cases(
    ctx: ContextDep, case_id: str, query: Annotated[VendorCasesQuery, Query()],
    request: Request, response: Response,
) -> list[VendorCaseView]:
    """A page of the case's vendor cases, in the order they were opened (`vendor`, `state`
    to filter)."""
    page = vendor_views.vendor_case_page(ctx=ctx, case_id=case_id,
                                         **query.model_dump(exclude_none=True))
    return paged(page, request, response)


@router.post("/cases/{case_id}/vendor-cases/sync")
def sync(ctx: ContextDep, actor: ActorDep, case_id: str) -> list[VendorCaseView]:
    """Pull the vendor's status and communications onto the timeline now."""
    return vendor_sync.sync_vendor_cases(ctx=ctx, actor=actor, case_id=case_id)


@router.post("/cases/{case_id}/vendor-cases/note")
def note(
    ctx: ContextDep, actor: ActorDep, case_id: str, body: NoteIn
) -> VendorCaseView | VendorRequestView:
    return vendor_actions.note_vendor_case(ctx=ctx, actor=actor, case_id=case_id,
                                           text=body.text, vendor=body.vendor,
                                           dry_run=body.dry_run)


@router.post("/cases/{case_id}/vendor-cases/escalate")
def escalate(
    ctx: ContextDep, actor: ActorDep, case_id: str, body: EscalateIn
) -> VendorCaseView | VendorRequestView:
    return vendor_actions.escalate_vendor_case(ctx=ctx, actor=actor, case_id=case_id,
                                               reason=body.reason,
                                               justification=body.justification,
                                               vendor=body.vendor, dry_run=body.dry_run)


@router.post("/cases/{case_id}/vendor-cases/close")
def close(
    ctx: ContextDep, actor: ActorDep, case_id: str, body: CloseIn
) -> VendorCaseView | VendorRequestView:
    return vendor_actions.close_vendor_case(ctx=ctx, actor=actor, case_id=case_id,
                                            vendor=body.vendor, dry_run=body.dry_run)


@router.get("/vendor-plans")
def vendor_plans(
    vendor: Annotated[Vendor | None, Query(description="only this vendor's")] = None,
) -> list[VendorPlanView]:
    """The vendors' plans: response targets with their sources, and our severities' map."""
    return vendor_views.list_vendor_plans(vendor=vendor)


class PollIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    vendor: Vendor | None = Field(default=None, description="default: every vendor watched")


@router.get("/vendor-health")
def list_vendor_health(
    ctx: ContextDep,
    vendor: Annotated[Vendor | None, Query(description="only this vendor's")] = None,
    include_closed: Annotated[bool, Query(description="closed events too")] = False,
) -> vendor_health_views.VendorHealthView:
    """The vendors' service-health events (open ones unless include_closed), the cases
    each is linked to, and how each vendor's last poll went."""
    return vendor_health_views.vendor_health(ctx=ctx, vendor=vendor,
                                             include_closed=include_closed)


@router.post("/vendor-health/poll")
def poll_vendor_health(
    ctx: ContextDep, actor: ActorDep, body: PollIn | None = None,
) -> list[vendor_health.Polled]:
    """Poll the vendors' service health now (one vendor, or every vendor watched); a
    vendor whose poll failed says why in `error`, and the others are polled all the same."""
    return vendor_health.poll_now(ctx=ctx, actor=actor, vendor=None if body is None
                                  else body.vendor)
