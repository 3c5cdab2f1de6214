"""A database that cannot be reached is one clear line naming where (CLI exit 11), a 503
problem document (API and /healthz), and workers that log one line per failure, wait
longer each time and carry on once the database is back."""

from __future__ import annotations

import socket
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from cli_support import RealCli
from examples import ANA
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from structlog.testing import capture_logs
from timer_support import open_case, timers

from escalada.adapters.db.database import ensure_schema, make_engine
from escalada.adapters.policy_file import current_policy
from escalada.bootstrap import bootstrap, wire
from escalada.domain.errors import StoreUnavailable
from escalada.entrypoints.api import create_app
from escalada.entrypoints.worker import Worker, backoff
from escalada.services.timer_views import set_reminder
from escalada.testing import FakeClock


@pytest.fixture
def port() -> int:
    """A port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free: int = probe.getsockname()[1]
    return free


def _url(port: int) -> str:
    return f"postgresql+psycopg://escalada:s3cret@127.0.0.1:{port}/escalada"


def _message(port: int) -> str:
    return (f"cannot connect to the database at 127.0.0.1:{port} (database escalada): "
            "Connection refused; is it running, and is ESCALADA_DATABASE_URL right?")


@pytest.mark.slow  # a real process: its stderr holds the one line and nothing else
def test_the_cli_says_where_the_database_is_in_one_line_and_exits_11(
    tmp_path: Path, port: int
) -> None:
    cli = RealCli(tmp_path)
    cli.env["ESCALADA_DATABASE_URL"] = _url(port)

    assert cli.run("case", "list", code=11) == f"error: {_message(port)}\n"


def test_the_api_and_healthz_answer_503_with_the_problem_document(port: int) -> None:
    client = TestClient(create_app(bootstrap(_url(port))))
    listed = client.get("/api/v1/cases", headers={"Authorization": "Bearer any"})
    health = client.get("/healthz")
    ready = client.get("/readyz")

    assert listed.status_code == 503
    assert listed.headers["content-type"] == "application/problem+json"
    assert {k: listed.json()[k] for k in ("type", "error", "message")} == {
        "type": "/problems/database-unavailable", "error": "database_unavailable",
        "message": _message(port)}
    assert (ready.status_code, ready.json()["type"]) == (503, "/problems/not-ready")
    assert ready.json()["checks"]["database"] == _message(port)
    assert (health.status_code, health.json()) == (
        503, {"status": "down", "error": "database_unavailable", "message": _message(port)})
    assert "s3cret" not in listed.text + health.text + ready.text


def test_a_worker_waits_twice_as_long_after_each_failure_up_to_30_seconds() -> None:
    assert [backoff(n) for n in range(1, 10)] == [0.5, 1, 2, 4, 8, 16, 30, 30, 30]
    assert backoff(10_000) == 30
    assert backoff(3, first=0.01) == 0.04


def test_a_worker_logs_one_line_per_failure_and_fires_once_the_database_is_back(
    sqlite_url: str, clock: FakeClock, port: int
) -> None:
    ctx = wire(lambda: make_engine(sqlite_url), current_policy, clock)
    open_case(ctx)
    set_reminder(ctx=ctx, actor=ANA, case_id="CASE-1", at=clock() + timedelta(minutes=1),
                 note="call the customer back")
    clock.advance(minutes=2)
    outages = iter(range(3))

    def database() -> object:
        if next(outages, None) is not None:
            ensure_schema(make_engine(_url(port)))  # refused, as a real outage is
        return make_engine(sqlite_url)

    worker, stop = Worker(wire(database, current_policy, clock), "w1"), threading.Event()  # type: ignore[arg-type]
    with capture_logs() as logs:
        running = threading.Thread(target=worker.run, args=(stop, 0.01))
        running.start()
        deadline = time.monotonic() + 30
        while worker.fired == 0 and time.monotonic() < deadline:
            stop.wait(0.01)
        stop.set()
        running.join()

    failures = [entry for entry in logs if entry["event"] == "database_unavailable"]
    assert [(entry["log_level"], entry["retry_in"], entry["error"]) for entry in failures] == [
        ("warning", 0.01, _message(port)), ("warning", 0.02, _message(port)),
        ("warning", 0.04, _message(port))]
    assert not any("exc_info" in entry for entry in logs)
    assert [t.key for t in timers(ctx, state="fired") if t.kind == "reminder"] != []


def _cut_off(engine: Engine) -> None:
    """End the server side of every connection the engine's pool holds (as a restart of
    the database would)."""
    with engine.connect() as connection:
        mine = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    with make_engine(engine.url.render_as_string(hide_password=False)).connect() as other:
        other.exec_driver_sql(f"SELECT pg_terminate_backend({mine})")


@pytest.mark.parametrize("pinged", [True, False], ids=["idle-pinged", "used-at-once"])
def test_a_pooled_connection_cut_off_while_idle_is_replaced_before_use(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch, pinged: bool,
) -> None:
    from escalada.adapters.db import database

    engine = make_engine(postgres_url)
    try:
        _cut_off(engine)
        # Idle for at least PING_AFTER_IDLE: pinged, found dead and replaced. Used again at
        # once (no ping: the busy worker's case), the dead connection fails the read.
        monkeypatch.setattr(database, "PING_AFTER_IDLE",
                            timedelta(0) if pinged else timedelta(days=1))
        if pinged:
            with engine.connect() as connection:
                assert connection.exec_driver_sql("SELECT 1").scalar() == 1
        else:
            with pytest.raises(StoreUnavailable), engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
    finally:
        engine.dispose()
