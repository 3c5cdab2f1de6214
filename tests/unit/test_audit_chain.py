"""The hash chain of a case's timeline (domain.audit): any entry altered, removed,
inserted or reordered after the fact is found, at the first entry whose link fails;
keyed entries only verify with their key, and a signed checkpoint's head must still be
reached."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from escalada.domain.audit import (
    GENESIS,
    UNKEYED,
    AuditKey,
    BrokenLink,
    Entry,
    Head,
    Keyring,
    entry_hash,
    first_broken_link,
    walk_chain,
)
from escalada.domain.audit_checkpoint import (
    CHECKPOINT_FORMAT,
    checkpoint_signature,
    signature_problem,
)

START = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
ALTERED = "its content does not match its hash (the entry was altered)"
UNLINKED = ("its previous-hash does not match the entry before it "
            "(an entry was removed, inserted or reordered)")


def sealed(entry: Entry, prev_hash: str) -> Entry:
    """The entry as record() writes it: linked to `prev_hash` and hashed."""
    digest = entry_hash(prev_hash, case=entry.case, at=entry.at, actor=entry.actor,
                        kind=entry.kind, summary=entry.summary, reason=entry.reason,
                        data=entry.data)
    return replace(entry, prev_hash=prev_hash, hash=digest)


def chain(count: int = 5, case: int = 7) -> list[Entry]:
    """A case's timeline of `count` entries, each chained to the one before."""
    entries: list[Entry] = []
    previous = GENESIS
    for n in range(count):
        data: dict[str, Any] = {"step": n, "items": ["a", "b"], "note": "ночь"}
        entry = sealed(Entry(id=100 + n, case=case, at=START + timedelta(minutes=n),
                             actor="ana", kind=f"kind_{n}", summary=f"entry {n}",
                             reason=None if n % 2 else "why", data=data,
                             prev_hash=None, hash=None), previous)
        entries.append(entry)
        previous = entry.hash or ""
    return entries


def test_an_untouched_chain_has_no_broken_link() -> None:
    assert first_broken_link(chain()) is None


def test_a_case_without_entries_has_no_broken_link_in_its_chain() -> None:
    assert first_broken_link([]) is None


def test_the_first_entry_links_to_the_genesis_hash() -> None:
    assert chain()[0].prev_hash == GENESIS == "0" * 64


@pytest.mark.parametrize("field, value", [
    ("summary", "nothing happened"),
    ("data", {"step": 2, "items": ["a", "b"], "note": "день"}),
    ("reason", "a better reason"),
    ("actor", "mallory"),
    ("kind", "kind_9"),
    ("at", START + timedelta(minutes=2, seconds=1)),
    ("case", 8),
], ids=["summary", "data", "reason", "actor", "kind", "at", "case"])
def test_an_altered_entry_is_the_broken_link(field: str, value: Any) -> None:
    entries = chain()
    entries[2] = replace(entries[2], **{field: value})

    link = first_broken_link(entries)

    assert link == BrokenLink(entry=102, case=entries[2].case, reason=ALTERED)


def test_an_altered_entry_whose_hash_was_recomputed_breaks_the_link_of_the_next() -> None:
    entries = chain()
    entries[2] = sealed(replace(entries[2], summary="nothing happened"), entries[1].hash or "")

    assert first_broken_link(entries) == BrokenLink(entry=103, case=7, reason=UNLINKED)


def test_a_removed_middle_entry_is_found_at_the_entry_after_it() -> None:
    entries = chain()
    del entries[2]

    assert first_broken_link(entries) == BrokenLink(entry=103, case=7, reason=UNLINKED)


def test_a_removed_first_entry_is_found_at_the_new_first_entry() -> None:
    assert first_broken_link(chain()[1:]) == BrokenLink(entry=101, case=7, reason=UNLINKED)


def test_reordered_entries_are_found_at_the_first_out_of_place() -> None:
    entries = chain()
    entries[1], entries[3] = entries[3], entries[1]

    assert first_broken_link(entries) == BrokenLink(entry=103, case=7, reason=UNLINKED)


def test_an_inserted_entry_that_does_not_link_is_the_broken_link() -> None:
    entries = chain()
    forged = replace(entries[2], id=150, summary="a forged entry", prev_hash=GENESIS)
    entries.insert(3, forged)

    assert first_broken_link(entries) == BrokenLink(entry=150, case=7, reason=UNLINKED)


def test_an_inserted_entry_chained_by_a_forger_breaks_the_link_of_the_entry_after_it() -> None:
    entries = chain()
    forged = sealed(replace(entries[2], id=150, summary="a forged entry"),
                    entries[2].hash or "")
    entries.insert(3, forged)

    assert first_broken_link(entries[:4]) is None  # it links to what came before ...
    assert first_broken_link(entries) == BrokenLink(entry=103, case=7, reason=UNLINKED)


def test_an_entry_without_a_hash_is_a_broken_link() -> None:
    entries = chain()
    entries[4] = replace(entries[4], hash=None)

    assert first_broken_link(entries) == BrokenLink(entry=104, case=7, reason=ALTERED)


def test_the_walk_stops_at_the_first_broken_link() -> None:
    entries = chain()
    entries[1] = replace(entries[1], summary="first change")
    entries[3] = replace(entries[3], summary="second change")
    walked: list[int] = []

    def stream() -> Any:
        for entry in entries:
            walked.append(entry.id)
            yield entry

    assert first_broken_link(stream()) == BrokenLink(entry=101, case=7, reason=ALTERED)
    assert walked == [100, 101]


# Keyed chains and checkpoints


K1 = AuditKey("k1", b"k1-secret-of-32-bytes-...........")
K2 = AuditKey("k2", b"k2-secret-of-32-bytes-...........")


def keyed_chain(*keys: AuditKey, count: int = 4) -> list[Entry]:
    """A chain whose entry n is keyed with keys[n % len(keys)]."""
    entries, previous = [], GENESIS
    for n, entry in enumerate(chain(count)):
        key = keys[n % len(keys)]
        digest = entry_hash(previous, case=entry.case, at=entry.at, actor=entry.actor,
                            kind=entry.kind, summary=entry.summary, reason=entry.reason,
                            data=entry.data, key=key.secret)
        entries.append(replace(entry, prev_hash=previous, hash=digest, key_id=key.id))
        previous = digest
    return entries


def test_a_keyed_hash_is_an_hmac_that_the_plain_hash_does_not_match() -> None:
    entry = chain(1)[0]
    content: dict[str, Any] = {"case": entry.case, "at": entry.at, "actor": entry.actor,
                               "kind": entry.kind, "summary": entry.summary,
                               "reason": entry.reason, "data": entry.data}

    plain = entry_hash(GENESIS, **content)
    with_k1 = entry_hash(GENESIS, **content, key=K1.secret)

    assert len({plain, with_k1, entry_hash(GENESIS, **content, key=K2.secret)}) == 3
    assert plain == entry.hash


def test_entries_under_two_keys_chain_when_both_are_given() -> None:
    walk = walk_chain(keyed_chain(K2, K1), Keyring((K2, K1)))

    assert (walk.broken, walk.entries, walk.unkeyed) == (None, 4, 0)


def test_an_entry_under_a_key_not_given_cannot_be_checked() -> None:
    link = first_broken_link(keyed_chain(K1, K2), Keyring((K1,)))

    assert link == BrokenLink(entry=101, case=7, reason=(
        "its hash is keyed with audit key 'k2', which this audit was not given "
        "(add it to ESCALADA_AUDIT_KEYS): it cannot be checked"))


def test_a_keyed_entry_rehashed_without_the_key_is_altered() -> None:
    entries = keyed_chain(K1)
    entries[2] = sealed(replace(entries[2], summary="nothing happened"), entries[1].hash or "")
    entries[2] = replace(entries[2], key_id="k1")

    assert first_broken_link(entries, Keyring((K1,))) == BrokenLink(102, 7, ALTERED)


def test_unkeyed_entries_are_a_finding_only_once_keys_are_in_use() -> None:
    walk = walk_chain(chain(3))

    assert (walk.broken, walk.unkeyed, walk.finding(Keyring())) == (None, 3, None)
    finding = walk.finding(Keyring((K1,)))
    assert finding is not None and finding[0].entry == 100
    assert finding[0].reason.startswith(UNKEYED)


def test_a_checkpoint_vouches_for_the_unkeyed_entries_up_to_its_head() -> None:
    entries = chain(5)
    head = Head(entries=3, last_entry=102, last_hash=entries[2].hash or "")

    walk = walk_chain(entries, Keyring((K1,)), head)

    assert (walk.broken, walk.unkeyed) == (None, 2)
    assert walk.first_unkeyed == entries[3]


def test_a_chain_short_of_its_checkpointed_head_was_truncated() -> None:
    entries = chain(5)
    head = Head(entries=5, last_entry=104, last_hash=entries[4].hash or "")

    walk = walk_chain(entries[:3], None, head)

    assert walk.broken == BrokenLink(None, 7, (
        "the chain ends after 3 entries, short of the checkpointed head (entry 104, its "
        "entry number 5): entries were removed at the end"))


def test_a_chain_recomputed_after_a_removal_departs_from_its_checkpointed_head() -> None:
    entries = chain(5)
    head = Head(entries=5, last_entry=104, last_hash=entries[4].hash or "")
    recomputed, previous = [], GENESIS
    for entry in entries[:2] + entries[3:]:
        recomputed.append(sealed(entry, previous))
        previous = recomputed[-1].hash or ""

    link = walk_chain(recomputed, None, head).broken

    assert first_broken_link(recomputed) is None  # it chains, as recomputed chains do
    assert link is not None and link.entry == 104
    assert link.reason.startswith("the chain no longer reaches the checkpointed head")


def test_a_checkpoint_signature_covers_every_field_and_names_its_key() -> None:
    document: dict[str, Any] = {"format": CHECKPOINT_FORMAT, "at": "2026-11-26T10:00:00+00:00",
                                "key_id": "k1", "heads": [{"case": "CASE-7", "entries": 3}]}
    document["signature"] = checkpoint_signature(K1.secret, document)
    edited = {**document, "heads": [{"case": "CASE-7", "entries": 2}]}

    assert signature_problem(document, Keyring((K2, K1))) is None
    assert "signature does not match" in (signature_problem(edited, Keyring((K1,))) or "")
    assert "'k1', which this audit was not given" in (
        signature_problem(document, Keyring((K2,))) or "")
