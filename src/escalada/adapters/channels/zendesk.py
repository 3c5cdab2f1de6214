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

from escalada.adapters.channels import Outbound
from escalada.adapters.channels.helpdesk import HelpdeskWriteBack


class ZendeskChannel(HelpdeskWriteBack):
    """Updates one ticket's tags per delivery."""

    name = "zendesk"
    record = "Zendesk ticket id"
    purpose = "writing a case's tier and level back to its Zendesk ticket"

    def credentials(self, email: str, token: str) -> tuple[str, str]:
        return f"{email}/token", token

    def names_a_record(self, record: str) -> bool:
        return record.isdigit()

    def address(self, record: str) -> str:
        return f"{self.url}/api/v2/tickets/{record}.json"

    def headers(self, message: Outbound) -> dict[str, str]:
        return {"Idempotency-Key": message.idempotency_key}

    def reference(self, record: str) -> str:
        return f"ticket {record}"
