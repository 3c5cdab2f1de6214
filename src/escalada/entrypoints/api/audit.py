"""Routes of /api/v1 for the audit of the tamper-evident timeline: each calls the same
service function as the CLI."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from escalada.entrypoints.api.deps import ContextDep, current_actor
from escalada.services import audit
from escalada.services.audit import AuditView

router = APIRouter(dependencies=[Depends(current_actor)], tags=["audit"])


@router.get("/audit/verify")
def verify(
    ctx: ContextDep,
    case: Annotated[str | None, Query(description="only this case, e.g. CASE-1042")] = None,
) -> AuditView:
    """Walk each case's hash-chained timeline: 200 with `intact: false` and the first
    broken entry of each case when something was altered, removed or reordered."""
    return audit.verify(ctx=ctx, case_id=case)
