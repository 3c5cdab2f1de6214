"""What the console's browser tests share with their fixtures (tests/browser/conftest.py):
the live server's handle, the users of each role and their password."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from escalada import testing
from escalada.services.context import Context

START = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
PASSWORD = "browser tests only"
ROLE_USERS = {"viewer": "vera", "engineer": "egor", "team_lead": "tanya",
              "support_manager": "maria", "support_director": "dina", "vp": "viktor",
              "admin": "admin"}


@dataclass
class ConsoleServer:
    """A live console: its base `url`, the service-layer `ctx` behind it and its `clock`."""

    url: str
    ctx: Context
    clock: testing.FakeClock


# signed_in_page(role, language="en") -> a Playwright Page on the board
SignedInPage = Callable[..., Any]
