"""Jira's REST API (httpx) for the write-back of a case's tier and executive level to
the issue it came from: one `PUT /rest/api/3/issue/{key}` adding the case's labels and
removing the ones it no longer has (`update.labels`: the issue's other labels are left
alone). Authenticated as `email:API token` (Jira Cloud's basic auth).

The outbox delivers it like any message: `to` is the issue key, the body the request's
JSON document. A 2xx is delivered; 408, 409, 429 and 5xx are tried again later; any
other 4xx is refused for good.

Settings: ESCALADA_JIRA_URL (https://SITE.atlassian.net), ESCALADA_JIRA_EMAIL,
ESCALADA_JIRA_API_TOKEN, ESCALADA_JIRA_TIMEOUT (10 seconds).
"""

from __future__ import annotations

import json
import re

import httpx

from escalada.adapters.channels import DeliveryFailed, Outbound, Receipt, http_url
from escalada.adapters.channels.webhook import _failed, _tls, _transport
from escalada.settings import Settings

_AGAIN = frozenset({408, 409, 425, 429})
_ISSUE_KEY = re.compile(r"[A-Z][A-Z0-9_]*-\d+|\d+")


class JiraChannel:
    """Updates one issue's labels per delivery."""

    name = "jira"

    def __init__(self, *, url: str, email: str, token: str, timeout: float = 10.0) -> None:
        self.url = http_url(url).rstrip("/")
        self.auth = (email, token)
        self.timeout = timeout

    @classmethod
    def from_settings(cls, settings: Settings) -> JiraChannel:
        purpose = "writing a case's tier and level back to its Jira issue"
        return cls(url=settings.required("jira_url", purpose),
                   email=settings.required("jira_email", purpose),
                   token=settings.required("jira_api_token", purpose),
                   timeout=settings.seconds("jira_timeout", 10.0))

    @property
    def longest_attempt(self) -> float:
        return 3 * self.timeout

    def deliver(self, message: Outbound) -> Receipt:
        issue = message.to.strip()
        if not _ISSUE_KEY.fullmatch(issue):
            raise DeliveryFailed(f"not a Jira issue key: {issue!r}", permanent=True)
        try:
            document = json.loads(message.body)
        except ValueError as error:
            raise DeliveryFailed("the write-back is not a JSON document", permanent=True
                                 ) from error
        try:
            with httpx.Client(timeout=self.timeout, follow_redirects=False, verify=_tls(),
                              auth=self.auth) as client:
                response = client.put(f"{self.url}/rest/api/3/issue/{issue}", json=document)
        except httpx.TimeoutException as error:
            raise DeliveryFailed(f"timed out ({type(error).__name__})", permanent=False
                                 ) from error
        except httpx.TransportError as error:
            raise DeliveryFailed(_transport(error), permanent=False) from error
        if 200 <= response.status_code < 300:
            return Receipt(reference=f"issue {issue}")
        failure = _failed(response.status_code)
        if response.status_code in _AGAIN:
            raise DeliveryFailed(failure.reason, permanent=False)
        raise failure
