"""Routes: each one calls the same service function as the CLI, nothing else."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import text

from escalada.domain.snapshot import CaseSnapshot
from escalada.entrypoints.api.deps import ActorDep, ContextDep
from escalada.entrypoints.api.schemas import (
    AccountIn,
    AckIn,
    CaseUpdateIn,
    DeescalateIn,
    EscalateIn,
    FlagsIn,
    RespondIn,
    Versioned,
)
from escalada.services import accounts, cases, escalations, evaluation
from escalada.services.cases import NewCase
from escalada.services.views import (
    AccountView,
    CaseSummaryView,
    CaseView,
    EvaluationView,
    TimelineEntryView,
)

health = APIRouter(tags=["health"])
api = APIRouter()
At = Annotated[datetime | None, Query(description="ISO 8601 time with offset (default: now)")]


@health.get("/healthz")
def healthz(ctx: ContextDep) -> dict[str, Any]:
    """Liveness and database reachability."""
    with ctx.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return {"status": "ok", "policy": ctx.policy().version}


@api.get("/accounts", tags=["accounts"])
def list_accounts(ctx: ContextDep) -> list[AccountView]:
    return accounts.list_accounts(ctx=ctx)


@api.post("/accounts", status_code=201, tags=["accounts"])
def add_account(ctx: ContextDep, body: AccountIn) -> AccountView:
    return accounts.add_account(ctx=ctx, **body.model_dump())


@api.get("/accounts/{account_id}", tags=["accounts"])
def get_account(ctx: ContextDep, account_id: str) -> AccountView:
    return accounts.get_account(ctx=ctx, account_id=account_id)


@api.post("/evaluate", tags=["engine"])
def evaluate_snapshot(ctx: ContextDep, snapshot: CaseSnapshot, at: At = None) -> EvaluationView:
    """Evaluate a case snapshot (DESIGN.md 1.2) at `at`."""
    return evaluation.evaluate_snapshot(ctx=ctx, snapshot=snapshot, at=at)


@api.get("/cases", tags=["cases"])
def list_cases(
    ctx: ContextDep,
    open_only: Annotated[bool, Query(alias="open")] = False,
    account: str | None = None,
) -> list[CaseSummaryView]:
    return cases.list_cases(ctx=ctx, open_only=open_only, account=account)


@api.post("/cases", status_code=201, tags=["cases"])
def open_case(ctx: ContextDep, actor: ActorDep, body: NewCase) -> CaseView:
    return cases.open_case(ctx=ctx, actor=actor, **body.model_dump())


@api.get("/cases/{case_id}", tags=["cases"])
def show_case(ctx: ContextDep, case_id: str) -> CaseView:
    return cases.show_case(ctx=ctx, case_id=case_id)


@api.patch("/cases/{case_id}", tags=["cases"])
def update_case(ctx: ContextDep, actor: ActorDep, case_id: str, body: CaseUpdateIn) -> CaseView:
    """Change severity, status, impact, services, contact level or CSAT."""
    return cases.update_case(ctx=ctx, actor=actor, case_id=case_id,
                             **body.model_dump(exclude_none=True))


@api.get("/cases/{case_id}/timeline", tags=["cases"])
def timeline(ctx: ContextDep, case_id: str) -> list[TimelineEntryView]:
    return cases.case_timeline(ctx=ctx, case_id=case_id)


@api.get("/cases/{case_id}/evaluation", tags=["engine"])
def evaluate_case(ctx: ContextDep, case_id: str, at: At = None) -> EvaluationView:
    return cases.evaluate_case(ctx=ctx, case_id=case_id, at=at)


@api.post("/cases/{case_id}/escalate", tags=["escalations"])
def escalate(ctx: ContextDep, actor: ActorDep, case_id: str, body: EscalateIn) -> CaseView:
    """One step up a track; 422 with `missing` when the handoff package is incomplete."""
    return escalations.escalate(ctx=ctx, actor=actor, case_id=case_id, **body.model_dump())


@api.post("/cases/{case_id}/ack", tags=["escalations"])
def acknowledge(ctx: ContextDep, actor: ActorDep, case_id: str, body: AckIn) -> CaseView:
    return escalations.acknowledge(ctx=ctx, actor=actor, case_id=case_id, **body.model_dump())


@api.post("/cases/{case_id}/deescalate", tags=["escalations"])
def deescalate(ctx: ContextDep, actor: ActorDep, case_id: str, body: DeescalateIn) -> CaseView:
    return escalations.deescalate(ctx=ctx, actor=actor, case_id=case_id, **body.model_dump())


@api.post("/cases/{case_id}/flags", tags=["cases"])
def set_flags(ctx: ContextDep, actor: ActorDep, case_id: str, body: FlagsIn) -> CaseView:
    return cases.set_flags(ctx=ctx, actor=actor, case_id=case_id, on=True, **body.model_dump())


@api.post("/cases/{case_id}/flags/clear", tags=["cases"])
def clear_flags(ctx: ContextDep, actor: ActorDep, case_id: str, body: FlagsIn) -> CaseView:
    return cases.set_flags(ctx=ctx, actor=actor, case_id=case_id, on=False, **body.model_dump())


@api.post("/cases/{case_id}/respond", tags=["cases"])
def respond(ctx: ContextDep, actor: ActorDep, case_id: str, body: RespondIn) -> CaseView:
    return cases.respond(ctx=ctx, actor=actor, case_id=case_id, **body.model_dump())


def _lifecycle(name: str, summary: str) -> None:
    service = getattr(cases, name)

    def route(ctx: ContextDep, actor: ActorDep, case_id: str, body: Versioned) -> CaseView:
        view: CaseView = service(ctx=ctx, actor=actor, case_id=case_id, **body.model_dump())
        return view

    route.__name__ = name
    api.post(f"/cases/{{case_id}}/{name}", tags=["cases"], summary=summary)(route)


for _name, _summary in (
    ("pause", "Waiting on the customer: SLA clocks stop"),
    ("resume", "The customer answered: SLA clocks run"),
    ("resolve", "Resolve the case"),
    ("close", "Close a resolved case"),
):
    _lifecycle(_name, _summary)
