"""A Zendesk webhook as the tests send it: the hooks mapping with chosen accounts, a
ticket.created event, and the signature headers Zendesk would put on it (`signature` for
the service, `signed` for an HTTP request)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import yaml

from escalada.adapters.hooks_file import HOOKS_MAPPING
from escalada.domain.hook_signatures import zendesk_signature

SECRET = "zendesk-shared-secret"


def mapping(tmp_path: Path, accounts: dict[str, str], name: str) -> Path:
    """The shipped hooks mapping with Zendesk organisations mapped to `accounts`."""
    document = yaml.safe_load(HOOKS_MAPPING.default_path().read_text(encoding="utf-8"))
    document["zendesk"]["accounts"] = accounts
    path = tmp_path / name
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def created(at: datetime, event_id: str = "evt-1") -> bytes:
    """Ticket 77 of organisation 900 created at `at`, as Zendesk's event."""
    stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return json.dumps({
        "id": event_id, "type": "zen:event-type:ticket.created", "time": stamp,
        "subject": "zen:ticket:77", "zendesk_event_version": "2022-11-06", "account_id": 1,
        "detail": {"id": "77", "organization_id": "900", "priority": "URGENT",
                   "status": "NEW", "subject": "API returns 500"},
        "event": {}}).encode()


def signature(body: bytes, at: datetime, secret: str = SECRET) -> dict[str, str]:
    """The two headers with which Zendesk signs `body` sent at `at` (what the service,
    hooks.receive_hook, verifies)."""
    stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"X-Zendesk-Webhook-Signature": zendesk_signature(secret, stamp, body),
            "X-Zendesk-Webhook-Signature-Timestamp": stamp}


def signed(body: bytes, at: datetime, secret: str = SECRET) -> dict[str, str]:
    """The headers of `body` signed at `at` as an HTTP request: the signature, JSON, and
    no bearer token."""
    return {**signature(body, at, secret), "Content-Type": "application/json",
            "Authorization": ""}
