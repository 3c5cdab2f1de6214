"""The tamper-evident timeline: each entry's hash covers the previous entry's hash and
the entry itself, so that altering, removing or reordering an entry breaks the chain.

A hash anyone can compute only shows accidents: whoever can write the database can
recompute it. So an entry written while an audit key is configured is hashed with
HMAC-SHA256 under that key, and carries the key's id; only a holder of the key can
recompute it. Entries written without a key keep the plain SHA-256 (key id None) and
the audit says so."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from escalada.domain.words import Words

GENESIS = "0" * 64  # the "previous hash" of a case's first entry
KEYS_SETTING = "ESCALADA_AUDIT_KEYS"

ALTERED = "its content does not match its hash (the entry was altered)"
UNLINKED = ("its previous-hash does not match the entry before it "
            "(an entry was removed, inserted or reordered)")
UNKEYED = "unkeyed: anyone with database access can rewrite these"


def canonical_data(data: dict[str, Any]) -> dict[str, Any]:
    """The data as it will read back from the database (JSON keys are strings)."""
    result: dict[str, Any] = json.loads(json.dumps(data, ensure_ascii=False))
    return result


def entry_hash(
    prev_hash: str, *, case: int, at: datetime, actor: str, kind: str, summary: str,
    reason: str | None, data: dict[str, Any], key: bytes | None = None,
) -> str:
    """SHA-256 of the previous hash and the entry's canonical content; with a key,
    HMAC-SHA256 under it."""
    document = {
        "case": case, "at": at.astimezone(UTC).isoformat(), "actor": actor, "kind": kind,
        "summary": summary, "reason": reason, "data": data,
    }
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    message = f"{prev_hash}\n{text}".encode()
    if key is None:
        return hashlib.sha256(message).hexdigest()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class AuditKey:
    """A secret that keys the chain, known by its id (stored on each entry it keys)."""

    id: str
    secret: bytes = field(repr=False)


@dataclass(frozen=True)
class Keyring:
    """The audit keys this process was given: the first keys new entries, all verify
    (so that a key can be rotated without losing the entries of the one before)."""

    keys: tuple[AuditKey, ...] = ()

    @property
    def active(self) -> AuditKey | None:
        return self.keys[0] if self.keys else None

    @property
    def ids(self) -> list[str]:
        return [key.id for key in self.keys]

    def secret(self, key_id: str) -> bytes | None:
        return next((key.secret for key in self.keys if key.id == key_id), None)


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
    key_id: str | None = None  # the audit key its hash is keyed with; None: plain SHA-256


@dataclass(frozen=True)
class Head:
    """Where a case's chain ended when a checkpoint was taken: how many entries it had,
    the id of its last entry and that entry's hash."""

    entries: int
    last_entry: int
    last_hash: str


@dataclass(frozen=True)
class BrokenLink:
    entry: int | None  # the id of the first entry whose link does not hold; None: missing
    case: int
    reason: str  # why, in English
    # The same as words, for readers of other languages (the English is what compares).
    words: Words | None = field(default=None, compare=False)

    @classmethod
    def of(cls, entry: int | None, case: int, reason: Words) -> BrokenLink:
        return cls(entry, case, str(reason), reason)

    def told(self) -> Words:
        """Why, as words (the English as a finished sentence when none were given)."""
        return self.words if self.words is not None else Words.literal(self.reason)


@dataclass
class ChainWalk:
    """What walking one case's chain found."""

    entries: int = 0  # entries walked whose link holds
    head: Head | None = None  # the last of them
    broken: BrokenLink | None = None
    subject: Entry | None = None  # the entry `broken` is about
    unkeyed: int = 0  # entries without a key that no checkpoint vouches for
    first_unkeyed: Entry | None = None

    def finding(self, keyring: Keyring) -> tuple[BrokenLink, Entry | None] | None:
        """The case's first problem: a broken link; or, once keys are in use, entries
        that anyone could have rewritten."""
        if self.broken is not None:
            return self.broken, self.subject
        if keyring.keys and self.first_unkeyed is not None:
            first = self.first_unkeyed
            reason = Words("{unkeyed} (entries without an audit key: {count}, this the first; "
                           "a checkpoint vouches for entries written before the key)",
                           unkeyed=Words(UNKEYED), count=self.unkeyed)
            return BrokenLink.of(first.id, first.case, reason), first
        return None


def walk_chain(
    entries: Iterable[Entry], keyring: Keyring | None = None, checkpoint: Head | None = None
) -> ChainWalk:
    """Walk one case's entries in order, stopping at the first that does not chain (or
    that cannot be checked, or that departs from the checkpointed head)."""
    keys = keyring or Keyring()
    walk, previous, last = ChainWalk(), GENESIS, None
    for entry in entries:
        reason = _link_problem(entry, previous, keys)
        if reason is None and checkpoint is not None:
            reason = _departure(entry, walk.entries + 1, checkpoint)
        if reason is not None:
            walk.broken, walk.subject = BrokenLink.of(entry.id, entry.case, reason), entry
            return walk
        walk.entries += 1
        if entry.key_id is None:
            walk.unkeyed += 1
            walk.first_unkeyed = walk.first_unkeyed or entry
        if checkpoint is not None and walk.entries == checkpoint.entries:
            walk.unkeyed, walk.first_unkeyed = 0, None  # the signed head vouches for them
        previous, last = entry.hash or "", entry
        walk.head = Head(walk.entries, entry.id, previous)
    if checkpoint is not None and last is not None and walk.entries < checkpoint.entries:
        walk.broken = BrokenLink.of(None, last.case, truncated(walk.entries, checkpoint))
    return walk


def first_broken_link(
    entries: Iterable[Entry], keyring: Keyring | None = None
) -> BrokenLink | None:
    """Walk one case's entries in order; the first that does not chain, if any."""
    return walk_chain(entries, keyring).broken


def _link_problem(entry: Entry, previous: str, keyring: Keyring) -> Words | None:
    if entry.prev_hash != previous:
        return Words(UNLINKED)
    key = None
    if entry.key_id is not None:
        key = keyring.secret(entry.key_id)
        if key is None:
            return Words("its hash is keyed with audit key {key!r}, which this audit was not "
                         "given (add it to {setting}): it cannot be checked", key=entry.key_id,
                         setting=KEYS_SETTING)
    expected = entry_hash(previous, case=entry.case, at=entry.at, actor=entry.actor,
                          kind=entry.kind, summary=entry.summary, reason=entry.reason,
                          data=entry.data, key=key)
    if entry.hash is None or not hmac.compare_digest(entry.hash.encode(), expected.encode()):
        return Words(ALTERED)
    return None


def _departure(entry: Entry, number: int, head: Head) -> Words | None:
    """Why the `number`th entry shows the chain departing from the checkpointed head."""
    at_head = number == head.entries
    if entry.id != head.last_entry and not at_head:
        return None
    if at_head and entry.id == head.last_entry and entry.hash == head.last_hash:
        return None
    return Words("the chain no longer reaches the checkpointed head: its entry number "
                 "{number} should be entry {entry} with hash {hash}… (entries rewritten or "
                 "removed, or the whole chain recomputed)", number=head.entries,
                 entry=head.last_entry, hash=head.last_hash[:12])


def truncated(entries: int, head: Head) -> Words:
    return Words.counted("the chain ends after {count} entry, short of the checkpointed head "
                         "(entry {entry}, its entry number {number}): entries were removed at "
                         "the end",
                         "the chain ends after {count} entries, short of the checkpointed head "
                         "(entry {entry}, its entry number {number}): entries were removed at "
                         "the end", entries, entry=head.last_entry, number=head.entries)
