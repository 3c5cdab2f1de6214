"""Outbound delivery channels: email over SMTP, Slack, and signed JSON webhooks.

The outbox calls `channel_for(name).deliver(message)` once per attempt and owns
retries: a channel makes exactly one attempt and, when it fails, raises
`DeliveryFailed` saying whether trying again later can help (`permanent=False`)
or not (`permanent=True`, dead-letter at once).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.utils import getaddresses
from typing import Protocol
from urllib.parse import urlsplit

from escalada.domain.errors import InvalidInput
from escalada.settings import Settings

CHANNELS = ("email", "slack", "webhook")

_SLACK_CHANNEL_NAME = re.compile(r"#[a-z0-9_-]{1,80}")
_SLACK_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{6,}")


@dataclass(frozen=True, slots=True)
class Outbound:
    """One message to deliver, as the outbox stored it."""

    idempotency_key: str  # stable per message; sent so that receivers can dedupe
    channel: str  # "email" | "slack" | "webhook"
    to: str  # recipient(s) as the person typed them
    subject: str
    body: str  # markdown text
    language: str  # "en" | "ru"
    audience: str  # customer | internal | executive | vendor
    case_ref: str  # e.g. CASE-42
    kind: str  # e.g. progress_update
    message_id: int  # the outbox row id


@dataclass(frozen=True, slots=True)
class Receipt:
    """What the far side gave back: the SMTP Message-ID we set, a Slack ts, an HTTP status."""

    reference: str | None


class DeliveryFailed(Exception):
    """One delivery attempt failed; `permanent` failures are not worth retrying."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        self.reason = reason
        self.permanent = permanent
        super().__init__(f"{'permanent' if permanent else 'temporary'} failure: {reason}")


class Channel(Protocol):
    name: str

    @property
    def longest_attempt(self) -> float:
        """Seconds one attempt may last with every timeout of the channel spent: the
        outbox holds a delivery at least this long while it is sent, so that no other
        worker takes it over mid-send."""
        ...

    def deliver(self, message: Outbound) -> Receipt:
        """One attempt: a Receipt, DeliveryFailed, or InvalidInput naming a missing setting
        (a Slack token, needed only for channel targets)."""
        ...


def check_recipient(channel: str, to: str) -> str:
    """`to` validated for the channel and normalised; InvalidInput names the problem."""
    if channel == "email":
        return ", ".join(str(address) for address in email_addresses(to))
    if channel == "slack":
        return _slack_target(to)
    if channel == "webhook":
        return http_url(to)
    raise InvalidInput.of("channel", "must be one of {channels}", channels=', '.join(CHANNELS))


# What a use case asks for a channel by: its name in, the configured channel out.
Channels = Callable[[str], Channel]


def channel_for(
    name: str, environ: Mapping[str, str] | None = None, *, settings: Settings | None = None
) -> Channel:
    """The channel `name`, configured from `settings` (or `environ`, or the process
    environment); a missing or bad setting is InvalidInput naming its variable."""
    configured = settings or (Settings.current() if environ is None else Settings.of(environ))
    if name == "email":
        from escalada.adapters.channels.smtp import SmtpChannel

        return SmtpChannel.from_settings(configured)
    if name == "slack":
        from escalada.adapters.channels.slack import SlackChannel

        return SlackChannel.from_settings(configured)
    if name == "webhook":
        from escalada.adapters.channels.webhook import WebhookChannel

        return WebhookChannel.from_settings(configured)
    if name == "zendesk":  # the write-backs to help-desk tickets, never a person's choice
        from escalada.adapters.channels.zendesk import ZendeskChannel

        return ZendeskChannel.from_settings(configured)
    if name == "jira":
        from escalada.adapters.channels.jira import JiraChannel

        return JiraChannel.from_settings(configured)
    raise InvalidInput.of("channel", "must be one of {channels}", channels=', '.join(CHANNELS))




def email_addresses(to: str) -> list[Address]:
    """The comma-separated addresses in `to`, each with an "@" and parseable."""
    if not to.strip():
        raise InvalidInput.of("to", "no email address given")
    if any(char in to for char in "\r\n\t\0"):
        raise InvalidInput.of("to", "control characters in addresses: {to!r}", to=to)
    addresses = []
    for name, addr in getaddresses([to]):
        local, _, domain = addr.rpartition("@")
        if not local or not domain or " " in addr:
            raise InvalidInput.of("to", "not an email address: {value!r}", value=addr or to)
        try:
            addresses.append(Address(display_name=name, addr_spec=addr))
        except (HeaderParseError, ValueError, IndexError) as error:
            raise InvalidInput.of("to", "not an email address: {addr!r}", addr=addr) from error
    return addresses


def http_url(to: str) -> str:
    """`to` if it is an http(s) URL with a host."""
    url = to.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InvalidInput.of("to", "not an http(s) URL with a host: {to!r}", to=to)
    if any(char.isspace() for char in url):
        raise InvalidInput.of("to", "spaces in URL: {to!r}", to=to)
    return url


def is_slack_channel(to: str) -> bool:
    """Whether `to` names a Slack channel (`#name` or an id), posted to by the Web API."""
    target = to.strip()
    return target.startswith("#") or bool(_SLACK_CHANNEL_ID.fullmatch(target))


_FAR_SIDE_CODE = re.compile(r"[a-z][a-z0-9_]{0,49}")


def far_side_code(answer: object) -> str:
    """The far side's answer as kept with a delivery: a short machine code such as
    Slack's `channel_not_found`, or nothing. Its free text is never kept: it is
    whatever the far side chose to say, read by everyone who sees the outbox."""
    text = str(answer or "").strip()
    return f" {text}" if _FAR_SIDE_CODE.fullmatch(text) else ""


def _slack_target(to: str) -> str:
    """An incoming-webhook URL, a `#channel-name` or a channel id (C…, G…, D…)."""
    target = to.strip()
    if target.lower().startswith(("http://", "https://")):
        return http_url(target)
    if target.startswith("#"):
        if _SLACK_CHANNEL_NAME.fullmatch(target.lower()):
            return target.lower()
        raise InvalidInput.of("to", "not a Slack channel name (letters, digits, - and _, at most "
                              "80): {to!r}", to=to)
    if _SLACK_CHANNEL_ID.fullmatch(target):
        return target
    raise InvalidInput.of("to", "not a Slack webhook URL, #channel or channel id (C0123ABC): "
                          "{to!r}", to=to)
