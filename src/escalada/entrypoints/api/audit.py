"""Routes of /api/v1 for the audit of the tamper-evident timeline: each calls the same
service function as the CLI."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request, Response

from escalada.entrypoints.api.deps import ActorDep, ContextDep, current_actor
from escalada.entrypoints.api.language import told
from escalada.entrypoints.api.paging import PAGED, paged
from escalada.services import agent_audit, audit
from escalada.services.agent_audit import AgentCallsQuery, AgentCallView, AgentChainView
from escalada.services.audit import AuditView
from escalada.services.audit_checkpoint import CheckpointView

CaseQuery = Annotated[str | None, Query(description="only this case, e.g. CASE-1042")]

router = APIRouter(dependencies=[Depends(current_actor)], tags=["audit"])


@router.get("/audit/verify")
def verify(ctx: ContextDep, request: Request, case: CaseQuery = None) -> AuditView:
    """Walk each case's hash-chained timeline: 200 with `intact: false` and the first
    broken entry of each case when something was altered, removed or reordered (each
    reason in the reader's language)."""
    return told(audit.verify(ctx=ctx, case_id=case), request)


@router.post("/audit/verify")
def verify_against(
    ctx: ContextDep,
    checkpoint: Annotated[dict[str, Any], Body(
        description="a signed checkpoint (POST /audit/checkpoint) each chain must reach")],
    request: Request, case: CaseQuery = None,
) -> AuditView:
    """As GET /audit/verify, and each chain must still reach the head the checkpoint
    signed (422 naming `against` when its signature does not hold)."""
    return told(audit.verify(ctx=ctx, case_id=case, against=checkpoint), request)


@router.post("/audit/checkpoint")
def checkpoint(ctx: ContextDep, actor: ActorDep, case: CaseQuery = None) -> CheckpointView:
    """Each case's chain head signed with the active audit key, to keep outside the
    database (admins; 409 while a chain is broken, 422 without an audit key)."""
    return audit.checkpoint(ctx=ctx, actor=actor, case_id=case)


@router.get("/audit/agent-calls", responses=PAGED)
def agent_calls(
    ctx: ContextDep, actor: ActorDep, query: Annotated[AgentCallsQuery, Query()],
    request: Request, response: Response,
) -> list[AgentCallView]:
    """The agent call log, oldest first (admins): every MCP tool call and resource read,
    as the token's user, with the identifiers among its arguments and whether it was
    answered or refused (`user`, `tool`, `outcome`, `since` to filter)."""
    page = agent_audit.agent_call_page(ctx=ctx, actor=actor,
                                       **query.model_dump(exclude_none=True))
    return paged(page, request, response)


@router.get("/audit/agent-calls/verify")
def verify_agent_calls(ctx: ContextDep, request: Request) -> AgentChainView:
    """Walk the agent call log's hash chain: 200 with `intact: false` and the first
    broken entry when one was altered, removed or reordered."""
    return told(agent_audit.verify_calls(ctx=ctx), request)
