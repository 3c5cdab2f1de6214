"""Property test over the OpenAPI document: whatever the schema allows (and some of what it
does not), no route answers 5xx and every documented response conforms to the schema."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from escalada.bootstrap import bootstrap
from escalada.entrypoints.api import create_app


@pytest.fixture
def api_app(tmp_path: Path) -> Iterator[FastAPI]:
    """The API on a fresh SQLite file with an account and an open case to aim at."""
    context = bootstrap(f"sqlite:///{tmp_path}/escalada.db")
    app = create_app(context)
    with TestClient(app) as client:
        client.post("/api/v1/accounts", json={
            "id": "acme", "name": "Acme Corp", "tier": "enterprise",
            "support_plan": "enterprise"})
        client.post("/api/v1/cases", json={
            "account": "acme", "severity": "P1", "title": "Volumes unreachable",
            "flags": ["customer_requested_escalation"]})
    yield app
    context.engine.dispose()


@pytest.fixture
def api_schema(api_app: FastAPI) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", api_app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_route_answers_5xx_and_responses_match_the_schema(case: Any) -> None:
    case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])
