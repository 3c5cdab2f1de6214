"""The console in a real browser: Playwright driving the system's Chromium (Debian's
`chromium` package, which .ci/run installs; never a browser downloaded by Playwright)
against a live uvicorn server on a free loopback port, in a thread of the test's own
process, over a fresh SQLite file, with a clock the test moves.

Fixtures: `console_server` (its `url`, service-layer `ctx` and `clock`; one per test),
`signed_in_page(role)` (a page of a fresh browser context signed in as the user of that
role; the users are `ROLE_USERS`, each with `PASSWORD`), `screenshot(page, name)` (into
tests/browser/artifacts/, git-ignored). Each xdist worker runs its own browser and each
test its own server and database, so the tests share nothing; the browser lasts for a
module's tests (see `browser`)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from console_support import PASSWORD, ROLE_USERS, START, ConsoleServer, SignedInPage

from escalada import testing
from escalada.entrypoints.api import create_app
from escalada.services.context import Actor
from escalada.services.passwords import set_password
from escalada.services.people import add_user

CHROMIUM = os.environ.get("ESCALADA_CHROMIUM", "/usr/bin/chromium")
# Generous: `make test` runs these beside the rest of the suite on two cores, where a
# page's load can wait seconds for a core; a test still fails when a thing never shows.
PAGE_TIMEOUT, EXPECT_TIMEOUT = 30_000, 15_000  # ms
ARTIFACTS = Path(__file__).parent / "artifacts"


def _chromium() -> str:
    """The system Chromium; without it these tests fail where they must run (CI, or
    ESCALADA_REQUIRE_POSTGRES=1 as `.ci/run` sets) and are skipped elsewhere."""
    found = CHROMIUM if os.access(CHROMIUM, os.X_OK) else shutil.which("chromium")
    if found:
        return found
    reason = (f"no Chromium at {CHROMIUM}: install Debian's `chromium` package "
              "(`apt-get install chromium`; .ci/run does it) or set ESCALADA_CHROMIUM")
    if os.environ.get("CI") or os.environ.get("ESCALADA_REQUIRE_POSTGRES"):
        pytest.fail(reason)
    pytest.skip(reason)


# One per module, not per session: Playwright's sync API keeps an asyncio loop running on
# the worker's main thread until it stops, and a browser kept for the whole session made
# every later `anyio.run` / `asyncio.run` in that worker fail ("Already running asyncio in
# this thread": the MCP tests, the API's reading tests), whichever tests the worker drew.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = _chromium()
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=EXPECT_TIMEOUT)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, headless=True,
            args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"])
        yield chromium
        chromium.close()


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture
def console_server() -> Iterator[ConsoleServer]:
    """escalada's app under uvicorn on 127.0.0.1 (a free port), over a fresh SQLite file,
    with a FakeClock at START and a user of every role (ROLE_USERS, password PASSWORD)."""
    clock = testing.FakeClock(START)
    ctx = testing.context(clock=clock)
    add_user(ctx=ctx, actor=None, name="admin", role="admin")
    admin = Actor("admin", "admin")
    for role, name in ROLE_USERS.items():
        if name != "admin":
            add_user(ctx=ctx, actor=admin, name=name, role=role)
        set_password(ctx=ctx, actor=admin, name=name, password=PASSWORD)
    sock = _free_socket()
    server = uvicorn.Server(uvicorn.Config(create_app(ctx), log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the console's server did not start")
        time.sleep(0.02)
    host, port = sock.getsockname()
    yield ConsoleServer(f"http://{host}:{port}", ctx, clock)
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture
def signed_in_page(browser: Any, console_server: ConsoleServer) -> Iterator[SignedInPage]:
    """`signed_in_page("engineer")`: a page of a browser context of its own, signed in
    through the sign-in form as that role's user, on the board (English unless
    `language=` says otherwise: the browser's Accept-Language)."""
    contexts: list[Any] = []

    def open_page(role: str = "engineer", *, language: str = "en") -> Any:
        context = browser.new_context(locale=language, viewport={"width": 1400, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(PAGE_TIMEOUT)
        page.goto(f"{console_server.url}/sign-in")
        page.fill("input[name=username]", ROLE_USERS[role])
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/board")
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot() -> Callable[[Any, str], Path]:
    """Save the page's screenshot as tests/browser/artifacts/<name>.png (a test's artefact,
    for a person to look at; git-ignored)."""

    def save(page: Any, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save
