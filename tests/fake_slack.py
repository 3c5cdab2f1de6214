"""A fake Slack Web API on loopback (form- or JSON-encoded POSTs to /api/<method>, answers
`{"ok": ...}` as Slack does), so that slack_sdk's real WebClient, pointed at it by
ESCALADA_SLACK_API_URL, creates channels, invites people and posts messages end to end.
`fail(method, error)` makes the next calls of a method answer Slack's error code; the
bot token must be `xoxb-test` (anything else is `invalid_auth`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import pytest
from loopback import JsonHandler, LoopbackFake

TOKEN = "xoxb-test"


class FakeSlack(LoopbackFake):
    def __init__(self) -> None:
        super().__init__(_Handler)
        self.channels: dict[str, dict[str, Any]] = {}  # id -> {name, members}
        self.messages: list[dict[str, Any]] = []  # chat.postMessage's, in order
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.users = {"U0ANA", "U0LENA", "U0MARIA", "U0OLGA", "U0VERA", "U0BOT"}
        self.failures: dict[str, str] = {}

    @property
    def url(self) -> str:
        """The Web API's base URL, as WebClient's base_url takes it."""
        return f"{super().url}/api/"

    def fail(self, method: str, error: str) -> None:
        """Every later call of `method` answers `{"ok": false, "error": error}`."""
        with self._lock:
            self.failures[method] = error

    def add_channel(self, name: str) -> str:
        """A channel someone made by hand (its name is then taken)."""
        with self._lock:
            return self._create(name)

    def members(self, channel: str) -> list[str]:
        with self._lock:
            return list(self.channels[channel]["members"])

    def called(self, method: str) -> list[dict[str, Any]]:
        with self._lock:
            return [params for name, params in self.calls if name == method]

    def _create(self, name: str) -> str:
        channel = f"C{len(self.channels) + 1:08d}"
        self.channels[channel] = {"id": channel, "name": name, "members": ["U0BOT"]}
        return channel

    def handle(self, method: str, token: str, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.calls.append((method, params))
            if token != TOKEN:
                return {"ok": False, "error": "invalid_auth"}
            if method in self.failures:
                return {"ok": False, "error": self.failures[method]}
            if method == "conversations.create":
                name = str(params.get("name", ""))
                if any(c["name"] == name for c in self.channels.values()):
                    return {"ok": False, "error": "name_taken"}
                channel = self._create(name)
                return {"ok": True, "channel": {"id": channel, "name": name}}
            if method == "conversations.list":
                return {"ok": True, "channels": [{"id": c["id"], "name": c["name"]}
                                                 for c in self.channels.values()],
                        "response_metadata": {"next_cursor": ""}}
            if method == "conversations.invite":
                room = self.channels.get(str(params.get("channel", "")))
                if room is None:
                    return {"ok": False, "error": "channel_not_found"}
                users = str(params.get("users", "")).split(",")
                if any(user not in self.users for user in users):
                    return {"ok": False, "error": "user_not_found"}
                if all(user in room["members"] for user in users):
                    return {"ok": False, "error": "already_in_channel"}
                room["members"] += [user for user in users if user not in room["members"]]
                return {"ok": True, "channel": {"id": room["id"], "name": room["name"]}}
            if method == "chat.postMessage":
                channel = str(params.get("channel", ""))
                if channel not in self.channels:
                    return {"ok": False, "error": "channel_not_found"}
                ts = f"1700000000.{len(self.messages) + 1:06d}"
                self.messages.append({"channel": channel, "text": params.get("text"),
                                      "ts": ts})
                return {"ok": True, "channel": channel, "ts": ts}
            return {"ok": False, "error": "unknown_method"}


class _Handler(JsonHandler):
    def do_POST(self) -> None:
        raw = self.body().decode()
        if self.headers.get("Content-Type", "").startswith("application/json"):
            params: dict[str, Any] = json.loads(raw or "{}")
        else:
            params = dict(parse_qsl(raw))
        token = self.headers.get("Authorization", "").removeprefix("Bearer ")
        method = self.path.split("?")[0].removeprefix("/api/")
        self.send_json(200, self.fake.handle(method, token, params))


@pytest.fixture
def fake_slack(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSlack]:
    """The fake, with escalada's Slack settings pointed at it."""
    fake = FakeSlack().start()
    monkeypatch.setenv("ESCALADA_SLACK_API_URL", fake.url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "8f742231b10e8888abcd99yyyzzz85a5")
    yield fake
    fake.stop()
