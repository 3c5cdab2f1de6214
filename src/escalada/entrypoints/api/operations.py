"""What operators poll: `GET /readyz` (can this deployment take work: the database and
a recent worker heartbeat) and `GET /metrics` (this process's Prometheus metrics, and the
cases' gauges counted from the database at scrape time in one query)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi import APIRouter, Response
from prometheus_client import REGISTRY, CollectorRegistry, Gauge, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from escalada.domain.model import EXEC_LEVELS, TIERS
from escalada.entrypoints.api.deps import ContextDep
from escalada.entrypoints.api.errors import problem_response
from escalada.entrypoints.errors import NOT_READY, problem_document
from escalada.services.case_counts import OpenCaseCount, open_case_counts
from escalada.services.readiness import ReadinessView, readiness

router = APIRouter(tags=["health"])


@router.get("/readyz", response_model=ReadinessView,
            responses={503: {"description": "not ready: `checks` names what"}})
def readyz(ctx: ContextDep) -> Any:
    """Ready to take work: the database answers and a worker recorded a heartbeat in the
    last minute. 503 (a problem document, `/problems/not-ready`) naming what is not."""
    view = readiness(ctx=ctx)
    if not view.ready:
        failing = {name: why for name, why in view.checks.items() if why != "ok"}
        detail = "not ready: " + "; ".join(f"{name}: {why}" for name, why in failing.items())
        return problem_response(problem_document(
            NOT_READY, detail=detail, instance="/readyz", checks=view.checks,
            last_heartbeat_at=None if view.last_heartbeat_at is None
            else view.last_heartbeat_at.isoformat()))
    return view


def case_gauges(counts: list[OpenCaseCount]) -> bytes:
    """The case gauges as Prometheus text: every tier and level named, zeros included."""
    registry = CollectorRegistry(auto_describe=False)
    by_tier = Gauge("escalada_open_escalations_by_tier",
                    "Open cases at each technical tier", ["tier"], registry=registry)
    by_level = Gauge("escalada_open_escalations_by_level",
                     "Open cases at each executive level (none: no level engaged)",
                     ["level"], registry=registry)
    breached = Gauge("escalada_sla_breached_open_cases",
                     "Open cases whose next SLA target is past due, by executive level",
                     ["level"], registry=registry)
    tiers, levels, late = Counter[str](), Counter[str](), Counter[str]()
    for count in counts:
        level = count.level or "none"
        tiers[count.tier] += count.open
        levels[level] += count.open
        late[level] += count.sla_breached
    for tier in TIERS:
        by_tier.labels(tier.value).set(tiers[tier.value])
    for name in ("none", *(level.value for level in EXEC_LEVELS)):
        by_level.labels(name).set(levels[name])
        breached.labels(name).set(late[name])
    return generate_latest(registry)


@router.get("/metrics", include_in_schema=False)
def metrics(ctx: ContextDep) -> Response:
    """Prometheus text: the process's counters, then the cases' gauges."""
    body = generate_latest(REGISTRY) + case_gauges(open_case_counts(ctx=ctx))
    return Response(body, media_type=CONTENT_TYPE_LATEST)
