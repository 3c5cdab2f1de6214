"""What the help desks' write-back channels (Jira, Zendesk) share: one authenticated
`PUT` per delivery of the request's JSON document (the body) to the record `to` names.
A 2xx is delivered; 408, 409, 425, 429 and 5xx are tried again later; any other 4xx is
refused for good. Each help desk says how its record is named and addressed."""

from __future__ import annotations

import json
from typing import ClassVar, Self

import httpx

from escalada.adapters.channels import DeliveryFailed, Outbound, Receipt, http_url
from escalada.adapters.channels.webhook import _failed, _tls, _transport
from escalada.settings import Settings

_AGAIN = frozenset({408, 409, 425, 429})


class HelpdeskWriteBack:
    """Updates one help-desk record per delivery."""

    name: str  # also its settings' prefix: ESCALADA_<NAME>_URL, ...
    record: ClassVar[str]  # what `to` is, as a refusal names it: "Jira issue key"
    purpose: ClassVar[str]  # why its settings are required

    def __init__(self, *, url: str, email: str, token: str, timeout: float = 10.0) -> None:
        self.url = http_url(url).rstrip("/")
        self.auth = self.credentials(email, token)
        self.timeout = timeout

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        return cls(url=settings.required(f"{cls.name}_url", cls.purpose),
                   email=settings.required(f"{cls.name}_email", cls.purpose),
                   token=settings.required(f"{cls.name}_api_token", cls.purpose),
                   timeout=settings.seconds(f"{cls.name}_timeout", 10.0))

    @property
    def longest_attempt(self) -> float:
        return 3 * self.timeout

    def credentials(self, email: str, token: str) -> tuple[str, str]:
        return email, token

    def names_a_record(self, record: str) -> bool:
        raise NotImplementedError

    def address(self, record: str) -> str:
        raise NotImplementedError

    def headers(self, message: Outbound) -> dict[str, str]:
        return {}

    def reference(self, record: str) -> str:
        raise NotImplementedError

    def deliver(self, message: Outbound) -> Receipt:
        record = message.to.strip()
        if not self.names_a_record(record):
            raise DeliveryFailed(f"not a {self.record}: {record!r}", permanent=True)
        try:
            document = json.loads(message.body)
        except ValueError as error:
            raise DeliveryFailed("the write-back is not a JSON document", permanent=True
                                 ) from error
        try:
            with httpx.Client(timeout=self.timeout, follow_redirects=False, verify=_tls(),
                              auth=self.auth) as client:
                response = client.put(self.address(record), json=document,
                                      headers=self.headers(message))
        except httpx.TimeoutException as error:
            raise DeliveryFailed(f"timed out ({type(error).__name__})", permanent=False
                                 ) from error
        except httpx.TransportError as error:
            raise DeliveryFailed(_transport(error), permanent=False) from error
        if 200 <= response.status_code < 300:
            return Receipt(reference=self.reference(record))
        failure = _failed(response.status_code)
        if response.status_code in _AGAIN:
            raise DeliveryFailed(failure.reason, permanent=False)
        raise failure
