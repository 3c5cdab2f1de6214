"""Generic JSON webhooks (httpx), signed with HMAC-SHA256.

Each delivery is one POST of a JSON object, UTF-8 with sorted keys: idempotency_key,
case, kind, audience, language, subject, body, message_id, sent_at (ISO 8601, UTC).
Headers:

    Content-Type: application/json
    Idempotency-Key: <key>            the same on every retry of a message: dedupe on it
    X-Escalada-Timestamp: <t>         unix seconds when this attempt was sent
    X-Escalada-Signature: sha256=<h>  h = hex HMAC-SHA256, keyed with the shared secret
                                      (UTF-8), of f"{t}.".encode() + the raw body bytes

To verify, recompute the HMAC over the body bytes exactly as received, compare in
constant time and refuse timestamps more than a few minutes off: `verify_signature`
does this and can be copied. Redirects are not followed. Only the status of the answer
is kept (`answered 503 Service Unavailable`): its body is never read, and a failure
never quotes the URL.

Settings: ESCALADA_WEBHOOK_SECRET (required), ESCALADA_WEBHOOK_TIMEOUT (10 seconds).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import ssl
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import cache
from http import HTTPStatus

import httpx

from escalada.adapters.channels import (
    DeliveryFailed,
    Outbound,
    Receipt,
    check_recipient,
)
from escalada.domain.errors import InvalidInput
from escalada.settings import Settings

_TEMPORARY_STATUSES = frozenset({408, 425, 429})


def _now() -> datetime:
    return datetime.now(UTC)


@cache
def _tls() -> ssl.SSLContext:
    """The system's trust store, loaded once: loading it per request costs ~20 ms."""
    return ssl.create_default_context()


class WebhookChannel:
    """POSTs each message once; the status code decides success and retries."""

    name = "webhook"

    def __init__(
        self, *, secret: str, timeout: float = 10.0, clock: Callable[[], datetime] = _now
    ) -> None:
        self.secret = secret
        self.timeout = timeout
        self.clock = clock

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> WebhookChannel:
        return cls.from_settings(Settings.of(environ))

    @classmethod
    def from_settings(cls, settings: Settings) -> WebhookChannel:
        return cls(
            secret=settings.required("webhook_secret", "the key webhook requests are signed with"),
            timeout=settings.seconds("webhook_timeout", 10.0),
        )

    @property
    def longest_attempt(self) -> float:
        """Connecting, sending the request and waiting for the answer's status, each
        within the timeout (the answer's body is not read)."""
        return 3 * self.timeout

    def deliver(self, message: Outbound) -> Receipt:
        try:
            url = check_recipient("webhook", message.to)
        except InvalidInput as error:
            raise DeliveryFailed(str(error), permanent=True) from error
        now = self.clock()
        body = payload(message, now)
        timestamp = str(int(now.timestamp()))
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": message.idempotency_key,
            "X-Escalada-Timestamp": timestamp,
            "X-Escalada-Signature": sign(self.secret, timestamp, body),
        }
        try:
            with (
                httpx.Client(timeout=self.timeout, follow_redirects=False,
                             verify=_tls()) as client,
                client.stream("POST", url, content=body, headers=headers) as response,
            ):
                status = response.status_code  # the answer's body is never read
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as error:
            raise DeliveryFailed(f"not a URL httpx can call ({type(error).__name__})",
                                 permanent=True) from error
        except httpx.TimeoutException as error:
            raise DeliveryFailed(f"timed out ({type(error).__name__})",
                                 permanent=False) from error
        except httpx.TransportError as error:  # refused, unreachable, cut off
            raise DeliveryFailed(_transport(error), permanent=False) from error
        if 200 <= status < 300:
            return Receipt(reference=str(status))
        raise _failed(status)


def payload(message: Outbound, now: datetime) -> bytes:
    """The JSON body: UTF-8, sorted keys, non-ASCII text as is."""
    document = {
        "idempotency_key": message.idempotency_key,
        "case": message.case_ref,
        "kind": message.kind,
        "audience": message.audience,
        "language": message.language,
        "subject": message.subject,
        "body": message.body,
        "message_id": message.message_id,
        "sent_at": now.astimezone(UTC).isoformat(),
    }
    return json.dumps(document, sort_keys=True, ensure_ascii=False).encode("utf-8")


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Escalada-Signature value: `sha256=` and the hex HMAC of `timestamp.` + body."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def verify_signature(
    secret: str, timestamp: str, body: bytes, signature: str, *, now: float,
    tolerance_seconds: float = 300,
) -> bool:
    """Whether `signature` signs `body` at `timestamp` (the header values) with `secret`,
    and the timestamp is within `tolerance_seconds` of `now` (unix seconds)."""
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs(now - sent) > tolerance_seconds:
        return False
    expected = sign(secret, timestamp, body).encode()
    return hmac.compare_digest(expected, signature.strip().lower().encode("utf-8"))


def _transport(error: httpx.TransportError) -> str:
    """The error's class and the operating system's reason (`[Errno 111] Connection
    refused`), without the URL."""
    reason = str(error.__cause__ or error).strip()
    errno = re.search(r"\[Errno -?\d+\][^\[\]()'\"]{0,80}", reason)
    return f"{type(error).__name__}" + (f": {errno.group(0).strip()}" if errno else "")


def _failed(status: int) -> DeliveryFailed:
    """The status decides: the far side's text is neither kept nor shown."""
    temporary = status in _TEMPORARY_STATUSES or status >= 500
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    redirect = " (a redirect: not followed)" if 300 <= status < 400 else ""
    return DeliveryFailed(f"answered {status} {phrase}".rstrip() + redirect,
                          permanent=not temporary)
