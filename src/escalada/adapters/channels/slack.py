"""Slack (slack_sdk): an incoming-webhook URL, or a channel through the Web API.

`to` is an incoming-webhook URL (posted to as is: the outbox looks it up from the
endpoint a delivery names) or a `#channel-name` / channel id (posted to with
chat.postMessage, which needs a bot token). A failure keeps Slack's error code
(`channel_not_found`), never its free text. Settings: SLACK_BOT_TOKEN
(or ESCALADA_SLACK_TOKEN), ESCALADA_SLACK_API_URL (the Web API base URL, by default
Slack's), ESCALADA_SLACK_TIMEOUT (10 seconds). The clients are built without retry
handlers: the outbox owns retries, so every failure reaches it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from http.client import HTTPException
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web import SlackResponse
from slack_sdk.webhook import WebhookClient

from escalada.adapters.channels import (
    DeliveryFailed,
    Outbound,
    Receipt,
    check_recipient,
    far_side_code,
    http_url,
)
from escalada.domain.errors import InvalidInput
from escalada.settings import Settings

# Web API errors that say "try again later"; any other error is permanent
# (channel_not_found, not_in_channel, invalid_auth, not_authed, token_revoked, ...).
_TEMPORARY_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)


class SlackChannel:
    """Posts each message with one request and no retries of its own."""

    name = "slack"

    def __init__(self, *, token: str | None, api_url: str, timeout: int = 10) -> None:
        self.token = token
        self.api_url = api_url
        self.timeout = timeout

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> SlackChannel:
        return cls.from_settings(Settings.of(environ))

    @classmethod
    def from_settings(cls, settings: Settings) -> SlackChannel:
        token = settings.text("slack_token")  # SLACK_BOT_TOKEN, else ESCALADA_SLACK_TOKEN
        api_url = settings.text("slack_api_url") or WebClient.BASE_URL
        try:
            http_url(api_url)
        except InvalidInput as error:
            raise InvalidInput.of("ESCALADA_SLACK_API_URL", error.problems[0][1]) from error
        timeout = settings.seconds("slack_timeout", 10.0)
        return cls(token=token, api_url=api_url, timeout=math.ceil(timeout))

    @property
    def longest_attempt(self) -> float:
        """Connecting, sending the request and reading the answer, each within the timeout."""
        return 3.0 * self.timeout

    def deliver(self, message: Outbound) -> Receipt:
        try:
            target = check_recipient("slack", message.to)
        except InvalidInput as error:
            raise DeliveryFailed(str(error), permanent=True) from error
        text = f"*{mrkdwn(message.subject)}*\n\n{mrkdwn(message.body)}"
        try:
            if target.lower().startswith(("http://", "https://")):
                return self._via_webhook(target, text)
            return self._via_api(target, text)
        except (OSError, HTTPException) as error:  # refused, unreachable, timed out, cut off
            raise DeliveryFailed(
                f"Slack not reached: {error.__class__.__name__}: {error}", permanent=False
            ) from error

    def _via_webhook(self, url: str, text: str) -> Receipt:
        client = WebhookClient(url, timeout=self.timeout, retry_handlers=[])
        response = client.send(text=text)
        status = response.status_code
        if 200 <= status < 300:
            return Receipt(reference=str(status))
        answer = f"{status}{far_side_code(response.body)}{_retry_after(response.headers)}"
        raise DeliveryFailed(
            f"Slack webhook answered {answer}",
            permanent=not (status == 429 or status >= 500),
        )

    def _via_api(self, channel: str, text: str) -> Receipt:
        if self.token is None:
            raise InvalidInput.of("SLACK_BOT_TOKEN", "not set; needed to post to {channel}",
                                  channel=channel)
        client = WebClient(
            token=self.token, base_url=self.api_url, timeout=self.timeout, retry_handlers=[]
        )
        try:
            response = client.chat_postMessage(channel=channel, text=text)
        except SlackApiError as error:
            raise _api_failure(error.response) from error
        except SlackClientError as error:
            raise DeliveryFailed(f"Slack request refused: {error}", permanent=True) from error
        ts = response.get("ts")
        return Receipt(reference=str(ts) if ts is not None else None)


def mrkdwn(markdown: str) -> str:
    """Markdown as Slack's mrkdwn: escaped, **bold** and headings bold, [text](url) links."""
    text = markdown.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = re.sub(r"(?m)^&gt;", ">", text)  # block quotes stay quotes
    text = re.sub(r"\*\*(\S(?:.*?\S)?)\*\*", r"*\1*", text)
    text = re.sub(r"(?m)^#{1,6}[ \t]+(.+?)[ \t#]*$", r"*\1*", text)
    return re.sub(r"\[([^\]\n]+)\]\((https?://[^)\s]+)\)", r"<\2|\1>", text)


def _api_failure(response: SlackResponse) -> DeliveryFailed:
    status = response.status_code
    error = response.get("error") if isinstance(response.data, dict) else None
    temporary = status == 429 or status >= 500 or error in _TEMPORARY_ERRORS
    return DeliveryFailed(
        f"Slack API answered {status}{far_side_code(error)}{_retry_after(response.headers)}",
        permanent=not temporary,
    )


def _retry_after(headers: Mapping[str, Any]) -> str:
    seconds = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    return f" (retry after {seconds} s)" if str(seconds or "").isdigit() else ""
