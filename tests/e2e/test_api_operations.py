"""What operators poll: `/readyz` (the database and a recent worker heartbeat, 503
naming what is not ready) and `/metrics` (open escalations by tier and level, SLA
breaches), beside `/healthz`, which stays as it was."""

from __future__ import annotations

import threading
import time
from typing import Any

from fastapi.testclient import TestClient

from escalada.entrypoints.worker import Worker
from escalada.services.context import Context
from escalada.services.readiness import beat, readiness
from escalada.testing import FakeClock

API = "/api/v1"


def _gauges(client: TestClient) -> dict[str, float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {name: float(value) for name, value in (
        line.rsplit(" ", 1) for line in response.text.splitlines()
        if line.startswith(("escalada_open_", "escalada_sla_")))}


def test_readyz_is_503_naming_the_workers_until_one_records_a_heartbeat(
    client: TestClient, ctx: Context,
) -> None:
    refused = client.get("/readyz")
    assert refused.status_code == 503
    assert refused.headers["content-type"] == "application/problem+json"
    document = refused.json()
    assert document["type"] == "/problems/not-ready"
    assert document["checks"] == {"database": "ok", "workers": (
        "no worker has recorded a heartbeat (start `escalada worker`, or serve without "
        "--no-worker)")}
    assert document["detail"].startswith("not ready: workers: no worker has recorded")

    beat(ctx, worker="host:1:1")
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["ready"] is True
    assert ready.json()["checks"] == {"database": "ok", "workers": "ok"}


def test_a_heartbeat_older_than_a_minute_is_not_ready_saying_how_old(
    client: TestClient, ctx: Context, clock: FakeClock,
) -> None:
    beat(ctx, worker="host:1:1")
    clock.advance(seconds=60)
    assert client.get("/readyz").status_code == 200
    clock.advance(seconds=1)
    document = client.get("/readyz").json()
    assert document["checks"]["workers"].startswith("no worker heartbeat for 61 s")


def test_a_later_heartbeat_of_the_same_worker_replaces_its_first(
    ctx: Context, clock: FakeClock,
) -> None:
    beat(ctx, worker="host:1:1")
    clock.advance(seconds=30)
    beat(ctx, worker="host:1:1")
    assert readiness(ctx=ctx).last_heartbeat_at == clock()


def test_a_running_worker_records_its_heartbeat(sqlite_ctx: Context) -> None:
    stop = threading.Event()
    worker = Worker(sqlite_ctx, "host:1:1")
    thread = threading.Thread(target=worker.run, args=(stop, 0.05))
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not readiness(ctx=sqlite_ctx).ready and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join()
    assert readiness(ctx=sqlite_ctx).ready


def test_healthz_still_answers_ok_without_any_worker(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"


def test_metrics_count_open_escalations_by_tier_and_level_and_sla_breaches(
    client: TestClient, open_case: Any, clock: FakeClock,
) -> None:
    handoff = {item: "done" for item in (
        "troubleshooting_summary", "steps_attempted", "customer_impact", "diagnostic_data",
        "customer_expectation_set")}
    first, second, ended = open_case(), open_case(), open_case()
    for case, body in ((first, {"to": "T2", "handoff": handoff}), (second, {"to": "L2"})):
        escalated = client.post(f"{API}/cases/{case['snapshot']['id']}/escalate", json=body)
        assert escalated.status_code == 200, escalated.text
    client.post(f"{API}/cases/{ended['snapshot']['id']}/resolve", json={})
    before = _gauges(client)
    assert before['escalada_open_escalations_by_tier{tier="T1"}'] == 1
    assert before['escalada_open_escalations_by_tier{tier="T2"}'] == 1
    assert before['escalada_open_escalations_by_tier{tier="VENDOR"}'] == 0
    assert before['escalada_open_escalations_by_level{level="none"}'] == 1
    assert before['escalada_open_escalations_by_level{level="L2"}'] == 1
    assert sum(v for k, v in before.items() if k.startswith("escalada_sla_")) == 0

    clock.advance(hours=5)  # past a P1's first response and resolution targets
    after = _gauges(client)
    assert after['escalada_sla_breached_open_cases{level="none"}'] == 1
    assert after['escalada_sla_breached_open_cases{level="L2"}'] == 1
