"""Property test over the OpenAPI document: whatever the schema allows (and some of what it
does not), no route answers 5xx and every documented response conforms to the schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from examples import ADMIN
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from escalada.adapters.db.database import make_engine
from escalada.adapters.policy_file import current_policy
from escalada.bootstrap import bootstrap, wire
from escalada.entrypoints.api import create_app
from escalada.services.people import add_user, create_token
from escalada.services.readiness import beat

CHECKS = [not_a_server_error, response_schema_conformance]
# Seconds a generated request may take before it fails as a read timeout. schemathesis'
# own 10 s once failed a plain read (GET /hooks/deliveries) while the rest of the suite
# loaded both cores: a request stuck for good still fails here, and a stuck connection
# pool (30 s) now answers 500 with its own error instead of the timeout hiding it.
TIMEOUT = 60
SEEDED = {"case_id": "CASE-1", "account_id": "acme"}


def _schema_only_app() -> FastAPI:
    """The app whose OpenAPI document is loaded at import; its database is never touched."""
    return create_app(wire(lambda: make_engine("sqlite://"), current_policy))


# `schemathesis.pytest.from_fixture` fails under pytest 9 (schemathesis 4.32 sets
# `request.node._nodeid`, which pytest 9 no longer has), so the schema is loaded at import
# and each operation's requests go to a fresh app on its own database (`app=` below).
schema = schemathesis.openapi.from_asgi("/openapi.json", _schema_only_app())


@pytest.fixture
def api_app(sqlite_url: str) -> Iterator[FastAPI]:
    """The API on a fresh SQLite file with an account and an open case to aim at, an
    admin whose token every generated request carries, and a worker's heartbeat (/readyz)."""
    context = bootstrap(sqlite_url)
    beat(context, worker="schemathesis")
    app = create_app(context)
    add_user(ctx=context, actor=None, name="admin", role="admin")
    token = create_token(ctx=context, actor=ADMIN).token
    app.state.test_headers = {"Authorization": f"Bearer {token}"}
    with TestClient(app, headers=app.state.test_headers) as client:
        client.post("/api/v1/accounts", json={
            "id": "acme", "name": "Acme Corp", "tier": "enterprise",
            "support_plan": "enterprise"})
        client.post("/api/v1/cases", json={
            "account": "acme", "severity": "P1", "title": "Volumes unreachable",
            "flags": ["customer_requested_escalation"]})
    yield app
    context.engine.dispose()


@schema.parametrize()
# A tenth of the profile's examples per operation (tests/conftest.py): 10 for each of the
# 88 operations in `make test`, 100 in `make test-deep`.
@settings(max_examples=settings.default.max_examples // 10, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_no_route_answers_5xx_and_responses_match_the_schema(case: Any, api_app: FastAPI) -> None:
    case.call_and_validate(app=api_app, checks=CHECKS, headers=api_app.state.test_headers,
                           timeout=TIMEOUT)
    # Generated ids almost never name a stored record: send the same request to the seeded ones.
    seeded = {name: SEEDED[name] for name in case.path_parameters if name in SEEDED}
    if seeded:
        aimed = case.derive()
        aimed.path_parameters.update(seeded)
        aimed.call_and_validate(app=api_app, checks=CHECKS,
                                headers=api_app.state.test_headers, timeout=TIMEOUT)


def test_workflows_following_the_links_answer_no_5xx_and_match_the_schema(
    api_app: FastAPI,
) -> None:
    """Stateful: open a case (or add an account), then follow the OpenAPI links of its
    201 to show, change, escalate, pause, resolve it, a few steps a scenario; bounded
    like the test above (a tenth of the profile's examples, 5 steps at most)."""
    live = schemathesis.openapi.from_asgi("/openapi.json", api_app)
    headers = api_app.state.test_headers

    class Workflows(live.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": headers, "timeout": TIMEOUT}

        def validate_response(self, response: Any, case: Any,
                              additional_checks: Any = None, **kwargs: Any) -> None:
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)

    Workflows.run(settings=settings(
        max_examples=max(settings.default.max_examples // 10, 5), stateful_step_count=5,
        deadline=None, suppress_health_check=list(HealthCheck)))
