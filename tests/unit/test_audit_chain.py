"""The hash chain of a case's timeline (domain.audit): any entry altered, removed,
inserted or reordered after the fact is found, at the first entry whose link fails."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from escalada.domain.audit import GENESIS, BrokenLink, Entry, entry_hash, first_broken_link

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
