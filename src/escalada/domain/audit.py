"""The tamper-evident timeline: each entry's hash covers the previous entry's hash and
the entry itself, so that altering, removing or reordering an entry breaks the chain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64  # the "previous hash" of a case's first entry


def canonical_data(data: dict[str, Any]) -> dict[str, Any]:
    """The data as it will read back from the database (JSON keys are strings)."""
    result: dict[str, Any] = json.loads(json.dumps(data, ensure_ascii=False))
    return result


def entry_hash(
    prev_hash: str, *, case: int, at: datetime, actor: str, kind: str, summary: str,
    reason: str | None, data: dict[str, Any],
) -> str:
    document = {
        "case": case, "at": at.astimezone(UTC).isoformat(), "actor": actor, "kind": kind,
        "summary": summary, "reason": reason, "data": data,
    }
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{prev_hash}\n{text}".encode()).hexdigest()


@dataclass(frozen=True)
class Entry:
    """A stored timeline entry, as the chain sees it."""

    id: int
    case: int
    at: datetime
    actor: str
    kind: str
    summary: str
    reason: str | None
    data: dict[str, Any]
    prev_hash: str | None
    hash: str | None


@dataclass(frozen=True)
class BrokenLink:
    entry: int  # the id of the first entry whose link does not hold
    case: int
    reason: str


def first_broken_link(entries: Iterable[Entry]) -> BrokenLink | None:
    """Walk one case's entries in order; the first that does not chain, if any."""
    previous = GENESIS
    for entry in entries:
        if entry.prev_hash != previous:
            return BrokenLink(entry.id, entry.case,
                              "its previous-hash does not match the entry before it "
                              "(an entry was removed, inserted or reordered)")
        expected = entry_hash(previous, case=entry.case, at=entry.at, actor=entry.actor,
                              kind=entry.kind, summary=entry.summary, reason=entry.reason,
                              data=entry.data)
        if entry.hash != expected:
            return BrokenLink(entry.id, entry.case,
                              "its content does not match its hash (the entry was altered)")
        previous = entry.hash
    return None
