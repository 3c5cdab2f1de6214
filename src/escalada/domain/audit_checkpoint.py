"""Signed checkpoints of the timeline, kept outside the database: each case's chain
head (entry count, last entry, its hash) signed with an audit key, so that entries
removed at the end, or a whole chain recomputed, are found by whoever kept the file."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any, Final, Literal

from escalada.domain.audit import KEYS_SETTING, Keyring

CheckpointFormat = Literal["escalada-audit-checkpoint/1"]
CHECKPOINT_FORMAT: Final[CheckpointFormat] = "escalada-audit-checkpoint/1"


def checkpoint_signature(secret: bytes, document: Mapping[str, Any]) -> str:
    """HMAC-SHA256 of the document's canonical JSON (all but its signature); the format
    leads the message, so that no timeline entry's hash can pass for a signature."""
    body = {name: value for name, value in document.items() if name != "signature"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hmac.new(secret, f"{CHECKPOINT_FORMAT}\n{text}".encode(), hashlib.sha256).hexdigest()


def signature_problem(document: Mapping[str, Any], keyring: Keyring) -> str | None:
    """Why the document cannot be trusted as a checkpoint, or None when its signature
    holds under the audit key it names."""
    if document.get("format") != CHECKPOINT_FORMAT:
        return f"not an escalada audit checkpoint (its format is not {CHECKPOINT_FORMAT!r})"
    key_id, signature = document.get("key_id"), document.get("signature")
    if not isinstance(key_id, str) or not isinstance(signature, str):
        return "has no key_id and signature: it is not signed"
    secret = keyring.secret(key_id)
    if secret is None:
        return (f"is signed with audit key {key_id!r}, which this audit was not given "
                f"(add it to {KEYS_SETTING})")
    expected = checkpoint_signature(secret, document)
    if not hmac.compare_digest(signature.encode(), expected.encode()):
        return ("its signature does not match: the file was changed after it was signed, "
                f"or signed with another key named {key_id!r}")
    return None
