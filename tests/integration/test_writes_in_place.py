"""A write asked of the API on SQLite is done at once, on the event loop, when no other
writer holds the lock (api.deps.write, Context.at_once), and in the thread pool, where
waiting blocks no one, when one does: the loop keeps answering meanwhile, and nothing of
the write is done twice.

No timing is asserted: the other writer holds its lock until the test has seen what it
checks, and a wait that should not happen shows as "database is locked" or as a request
still unanswered.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import httpx
import pytest
from case_support import open_case
from examples import ADMIN, ANA
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from test_sqlite_readers import writer_holding_the_lock

from escalada.adapters.db import database
from escalada.adapters.db.tables import CaseRow
from escalada.domain.errors import NotFound
from escalada.entrypoints.api import create_app
from escalada.services import cases
from escalada.services.context import Context
from escalada.services.people import add_user, create_token

BODY = {"account": "acme", "severity": "P2", "title": "Checkout fails"}


def case_count(ctx: Context) -> int:
    with ctx.reading() as uow:
        return uow.session.scalar(select(func.count()).select_from(CaseRow)) or 0


def ana_token(ctx: Context) -> str:
    add_user(ctx=ctx, actor=None, name=ADMIN.name, role=ADMIN.role)
    add_user(ctx=ctx, actor=ADMIN, name=ANA.name, role=ANA.role)
    return create_token(ctx=ctx, actor=ANA).token


@pytest.fixture
def patient(monkeypatch: pytest.MonkeyPatch) -> None:
    """A minute's busy_timeout: a writer that waits outlives the other one's lock."""
    monkeypatch.setattr(database, "BUSY_TIMEOUT", timedelta(seconds=60))


def open_one(ctx: Context) -> object:
    return cases.open_case(ctx=ctx, actor=ANA, **BODY)


def test_a_write_that_finds_the_lock_free_is_done_at_once(sqlite_ctx: Context) -> None:
    ctx = sqlite_ctx
    open_case(ctx)  # acme, and its first case
    assert ctx.writes_in_place
    done, view = ctx.at_once(open_one, ctx)
    assert done
    assert view is not None and view.snapshot.id == "CASE-2"  # type: ignore[attr-defined]
    assert case_count(ctx) == 2


def test_a_write_that_finds_another_writer_is_given_back_with_nothing_written(
    sqlite_ctx: Context, patient: None,
) -> None:
    ctx = sqlite_ctx
    open_case(ctx)
    with writer_holding_the_lock(ctx):
        done, view = ctx.at_once(open_one, ctx)  # would wait a minute if it waited
    assert (done, view) == (False, None)
    assert case_count(ctx) == 1


def test_a_write_that_finds_the_writers_connection_in_use_is_given_back(
    sqlite_ctx: Context, patient: None,
) -> None:
    # Writes on a SQLite file share one connection (adapters.db.writer): a thread's write
    # holding it (perhaps waiting for another process's lock) is not waited for either.
    ctx = sqlite_ctx
    open_case(ctx)
    held, release = threading.Event(), threading.Event()

    def holder() -> None:
        with ctx.writer.connect():  # the one writer connection, checked out
            held.set()
            release.wait(60)

    thread = threading.Thread(target=holder)
    thread.start()
    assert held.wait(10)
    try:
        done, view = ctx.at_once(open_one, ctx)  # would wait a minute if it waited
    finally:
        release.set()
        thread.join()
    assert (done, view) == (False, None)
    assert case_count(ctx) == 1
    assert ctx.at_once(open_one, ctx)[0]  # free again: done at once


def test_only_the_first_unit_of_work_goes_without_waiting(
    sqlite_ctx: Context, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Once one unit of work has committed, a later one that cannot have the lock is an
    # error of the work (after its own wait), never a "not done": that would do the first
    # unit's write twice.
    ctx = sqlite_ctx
    open_case(ctx)
    monkeypatch.setattr(database, "BUSY_TIMEOUT", timedelta(seconds=1))

    def two_writes(ctx: Context) -> None:
        open_one(ctx)
        with writer_holding_the_lock(ctx):
            open_one(ctx)

    with pytest.raises(OperationalError, match="database is locked"):
        ctx.at_once(two_writes, ctx)
    assert case_count(ctx) == 2  # the first write stands, once


def test_any_other_error_of_the_work_is_raised(sqlite_ctx: Context) -> None:
    ctx = sqlite_ctx

    def missing_account(ctx: Context) -> None:
        cases.open_case(ctx=ctx, actor=ANA, account="nobody", severity="P2", title="x")

    with pytest.raises(NotFound, match="nobody"):
        ctx.at_once(missing_account, ctx)
    assert case_count(ctx) == 0


def test_an_opening_waits_for_another_writer_in_a_thread_while_the_server_answers(
    sqlite_ctx: Context, patient: None,
) -> None:
    ctx = sqlite_ctx
    open_case(ctx)
    token = ana_token(ctx)
    answers: list[httpx.Response] = []
    with TestClient(create_app(ctx), headers={"Authorization": f"Bearer {token}"}) as client:
        with writer_holding_the_lock(ctx):
            opening = threading.Thread(
                target=lambda: answers.append(client.post("/api/v1/cases", json=BODY)))
            opening.start()
            opening.join(timeout=0.5)  # it reaches the lock and waits there
            health = client.get("/healthz")  # the loop is not the one waiting
            listed = client.get("/api/v1/cases")
            assert opening.is_alive() and not answers
            assert health.status_code == 200, health.text
            assert listed.status_code == 200 and len(listed.json()) == 1, listed.text
        opening.join(timeout=60)
    assert [answer.status_code for answer in answers] == [201], answers[0].text
    assert answers[0].json()["snapshot"]["id"] == "CASE-2"
    assert case_count(ctx) == 2


def test_an_opening_over_the_api_is_done_once(sqlite_ctx: Context) -> None:
    ctx = sqlite_ctx
    open_case(ctx)
    token = ana_token(ctx)
    with TestClient(create_app(ctx), headers={"Authorization": f"Bearer {token}"}) as client:
        opened = client.post("/api/v1/cases", json=BODY)
    assert opened.status_code == 201, opened.text
    assert opened.json()["snapshot"]["id"] == "CASE-2"
    assert case_count(ctx) == 2
