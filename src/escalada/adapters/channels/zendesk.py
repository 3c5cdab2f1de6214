"""Zendesk's REST API (httpx) for the write-back of a case's tier and executive level to
the ticket it came from: one `PUT /api/v2/tickets/{id}.json` adding the case's tags and
removing the ones it no longer has (`additional_tags`, `remove_tags`: the ticket's other
tags are left alone). Authenticated as `{email}/token` with an API token.

The outbox delivers it like any message: `to` is the ticket id, the body the request's
JSON document. A 2xx is delivered; 408, 409 (Zendesk's concurrent-update refusal), 429
and 5xx are tried again later; any other 4xx is refused for good.

Settings: ESCALADA_ZENDESK_URL (https://SUBDOMAIN.zendesk.com), ESCALADA_ZENDESK_EMAIL,
ESCALADA_ZENDESK_API_TOKEN, ESCALADA_ZENDESK_TIMEOUT (10 seconds).
"""

from __future__ import annotations

import json

import httpx

from escalada.adapters.channels import DeliveryFailed, Outbound, Receipt, http_url
from escalada.adapters.channels.webhook import _failed, _tls, _transport
from escalada.settings import Settings

_AGAIN = frozenset({408, 409, 425, 429})


class ZendeskChannel:
    """Updates one ticket's tags per delivery."""

    name = "zendesk"

    def __init__(self, *, url: str, email: str, token: str, timeout: float = 10.0) -> None:
        self.url = http_url(url).rstrip("/")
        self.auth = (f"{email}/token", token)
        self.timeout = timeout

    @classmethod
    def from_settings(cls, settings: Settings) -> ZendeskChannel:
        purpose = "writing a case's tier and level back to its Zendesk ticket"
        return cls(url=settings.required("zendesk_url", purpose),
                   email=settings.required("zendesk_email", purpose),
                   token=settings.required("zendesk_api_token", purpose),
                   timeout=settings.seconds("zendesk_timeout", 10.0))

    @property
    def longest_attempt(self) -> float:
        return 3 * self.timeout

    def deliver(self, message: Outbound) -> Receipt:
        ticket = message.to.strip()
        if not ticket.isdigit():
            raise DeliveryFailed(f"not a Zendesk ticket id: {ticket!r}", permanent=True)
        try:
            document = json.loads(message.body)
        except ValueError as error:
            raise DeliveryFailed("the write-back is not a JSON document", permanent=True
                                 ) from error
        try:
            with httpx.Client(timeout=self.timeout, follow_redirects=False, verify=_tls(),
                              auth=self.auth) as client:
                response = client.put(f"{self.url}/api/v2/tickets/{ticket}.json",
                                      json=document,
                                      headers={"Idempotency-Key": message.idempotency_key})
        except httpx.TimeoutException as error:
            raise DeliveryFailed(f"timed out ({type(error).__name__})", permanent=False
                                 ) from error
        except httpx.TransportError as error:
            raise DeliveryFailed(_transport(error), permanent=False) from error
        if 200 <= response.status_code < 300:
            return Receipt(reference=f"ticket {ticket}")
        failure = _failed(response.status_code)
        if response.status_code in _AGAIN:
            raise DeliveryFailed(failure.reason, permanent=False)
        raise failure
