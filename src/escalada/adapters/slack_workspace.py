"""Slack's Web API for a war room (slack_sdk's WebClient): create its channel, invite its
people; and the check of a slash command's signature (slack_sdk's SignatureVerifier).

Settings: SLACK_BOT_TOKEN (or ESCALADA_SLACK_TOKEN; scopes channels:manage and
chat:write), ESCALADA_SLACK_API_URL (the Web API's base URL, by default Slack's),
ESCALADA_SLACK_TIMEOUT (10 seconds), SLACK_SIGNING_SECRET (or
ESCALADA_SLACK_SIGNING_SECRET) for slash commands. A failure is VendorFailed naming the
method and Slack's error code (`name_taken`), never Slack's free text.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from datetime import datetime
from http.client import HTTPException
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.signature import Clock, SignatureVerifier

from escalada.adapters.channels import far_side_code, http_url
from escalada.domain.errors import InvalidInput, SignatureInvalid, VendorFailed
from escalada.domain.words import Words
from escalada.settings import Settings

SLACK = "Slack"
# Slack's answers to an invitation that leave the person in the channel anyway.
_ALREADY_THERE = frozenset({"already_in_channel", "cant_invite_self"})
# How far a slash command's timestamp may be from now (Slack's own advice: 5 minutes).
REPLAY_WINDOW_SECONDS = 300


class SlackWorkspace:
    """One workspace, reached with the bot token; one request per call, no retries."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    @classmethod
    def from_settings(cls, settings: Settings) -> SlackWorkspace:
        token = settings.text("slack_token")
        if token is None:
            raise InvalidInput.of("SLACK_BOT_TOKEN", "not set; needed to create a war room's "
                                  "Slack channel")
        api_url = settings.text("slack_api_url") or WebClient.BASE_URL
        try:
            http_url(api_url)
        except InvalidInput as error:
            raise InvalidInput.of("ESCALADA_SLACK_API_URL", error.problems[0][1]) from error
        timeout = math.ceil(settings.seconds("slack_timeout", 10.0))
        return cls(WebClient(token=token, base_url=api_url, timeout=timeout,
                             retry_handlers=[]))

    def create_channel(self, name: str) -> str:
        """The id of a new public channel `name` (without '#'); when the name is taken,
        the id of the channel that has it (made earlier, by escalada or by hand)."""
        try:
            answer = self._call("conversations.create", lambda: self.client.conversations_create(
                name=name, is_private=False))
        except _SlackRefused as refused:
            if refused.code != "name_taken":
                raise refused.failure() from refused
            found = self._find(name)
            if found is None:
                raise refused.failure() from refused
            return found
        return str(answer["channel"]["id"])

    def _find(self, name: str) -> str | None:
        cursor: str | None = None
        while True:
            page = self._call_or_fail("conversations.list", functools.partial(
                self.client.conversations_list, types="public_channel,private_channel",
                exclude_archived=True, limit=200, cursor=cursor))
            for channel in page.get("channels") or ():
                if channel.get("name") == name:
                    return str(channel["id"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if cursor is None:
                return None

    def invite(self, channel: str, users: Sequence[str]) -> None:
        """Invite each Slack user to the channel (one already there is fine)."""
        for user in users:
            try:
                self._call("conversations.invite", functools.partial(
                    self.client.conversations_invite, channel=channel, users=user))
            except _SlackRefused as refused:
                if refused.code not in _ALREADY_THERE:
                    raise refused.failure(user=user) from refused

    def _call_or_fail(self, method: str, call: Callable[[], Any]) -> Any:
        try:
            return self._call(method, call)
        except _SlackRefused as refused:
            raise refused.failure() from refused

    def _call(self, method: str, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except SlackApiError as error:
            data = error.response.data if isinstance(error.response.data, dict) else {}
            raise _SlackRefused(method, str(data.get("error") or error.response.status_code)
                                ) from error
        except SlackClientError as error:
            raise VendorFailed(SLACK, Words("{method} refused: {error}", method=method,
                                            error=type(error).__name__)) from error
        except (OSError, HTTPException) as error:
            raise VendorFailed(SLACK, Words("not reached ({method}): {error}", method=method,
                                            error=type(error).__name__), retryable=True
                               ) from error


class _SlackRefused(Exception):
    def __init__(self, method: str, code: str) -> None:
        self.method, self.code = method, code
        super().__init__(f"{method}: {code}")

    def failure(self, *, user: str | None = None) -> VendorFailed:
        code = far_side_code(self.code).strip() or "error"
        if user is not None:
            return VendorFailed(SLACK, Words("{method} of {user} answered {error}",
                                             method=self.method, user=user, error=code))
        return VendorFailed(SLACK, Words("{method} answered {error}", method=self.method,
                                         error=code))


class _At(Clock):
    def __init__(self, now: Callable[[], datetime]) -> None:
        self._now = now

    def now(self) -> float:
        return self._now().timestamp()


def verify_request(settings: Settings, *, body: bytes, timestamp: str | None,
                   signature: str | None, now: Callable[[], datetime]) -> None:
    """The request came from Slack: its X-Slack-Signature is the v0 HMAC-SHA256 of
    `v0:<timestamp>:<body>` under the signing secret, and its X-Slack-Request-Timestamp is
    within five minutes of `now` (a replay outside that is refused). SignatureInvalid
    saying which check failed, or that no signing secret is configured."""
    secret = settings.text("slack_signing_secret")
    if secret is None:
        raise SignatureInvalid.of("{variable} is not set: every {source} delivery is refused",
                                  variable="SLACK_SIGNING_SECRET", source="Slack")
    if not timestamp or not signature:
        raise SignatureInvalid("not signed by Slack: X-Slack-Request-Timestamp and "
                              "X-Slack-Signature are needed")
    try:
        sent = int(timestamp)
    except ValueError:
        raise SignatureInvalid("X-Slack-Request-Timestamp is not a Unix time") from None
    if abs(now().timestamp() - sent) > REPLAY_WINDOW_SECONDS:
        raise SignatureInvalid.of("the Slack request is older than {minutes} minutes (or from "
                                 "the future): refused as a possible replay",
                                 minutes=REPLAY_WINDOW_SECONDS // 60)
    verifier = SignatureVerifier(signing_secret=secret, clock=_At(now))
    if not verifier.is_valid(body=body, timestamp=timestamp, signature=signature):
        raise SignatureInvalid("the Slack signature does not match the request")
