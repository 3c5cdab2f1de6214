"""The audit of the tamper-evident timeline: walk each case's hash chain (checking keyed
hashes with the audit keys given, and each chain against a signed checkpoint when one
is given) and report the first entry whose link does not hold. Verifying only reads;
anyone who may sign in (viewer and up) may run it. Signing a checkpoint of the chain
heads vouches for them, so it is an admin's."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from itertools import groupby
from typing import Any

from pydantic import Field
from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from escalada.adapters.db.tables import CaseRow, TimelineRow
from escalada.domain.audit import KEYS_SETTING, Entry, Head, Keyring, walk_chain
from escalada.domain.audit_checkpoint import checkpoint_signature
from escalada.domain.errors import InvalidInput, InvalidTransition
from escalada.domain.model import CASE_PREFIX, case_label
from escalada.domain.snapshot import AwareDatetime
from escalada.domain.words import Translator, Words
from escalada.services.audit_checkpoint import (
    CheckpointHeadView,
    CheckpointUsedView,
    CheckpointView,
    trusted_heads,
)
from escalada.services.authz import require_admin
from escalada.services.context import Actor, Context
from escalada.services.repositories import load_case
from escalada.services.views import View, summary_in

# Rows fetched from the database at a time: 100k entries never sit in memory at once.
BATCH = 1000
# Cases read in one (short) transaction, so that a long audit does not hold SQLite's
# write lock for its whole run; the timeline is append-only, so nothing checked
# can change behind the audit's back.
CASES_PER_TRANSACTION = 200
NO_ENTRIES = Words("the case has no timeline entry at all (every case starts with one)")

# Told (entries checked so far, entries in all) as the audit goes, e.g. for a progress bar.
Progress = Callable[[int, int], None]


def verify(
    *, ctx: Context, case_id: str | None = None, progress: Progress | None = None,
    against: Mapping[str, Any] | None = None,
) -> AuditView:
    """Check the hash chain of every case's timeline (or of one case), in order of id;
    `against`: a signed checkpoint each chain must still reach."""
    now = ctx.clock()
    checkpoint = None if against is None else trusted_heads(against, ctx.keyring)
    heads = {} if checkpoint is None else checkpoint.heads
    audit, numbers = _walk(ctx, case_id, progress, heads)
    if case_id is None:
        audit.broken.extend(_gone(heads, set(numbers)))
    asked = None if case_id is None else case_label(numbers[0])
    return AuditView(at=now, case=asked, intact=not audit.broken,
                     cases_checked=len(numbers), entries_checked=audit.checked,
                     broken=audit.broken, keys=ctx.keyring.ids,
                     unkeyed_entries=audit.unkeyed,
                     checkpoint=None if checkpoint is None else checkpoint.used)


def checkpoint(*, ctx: Context, actor: Actor, case_id: str | None = None) -> CheckpointView:
    """Each case's chain head (or one case's), signed with the active audit key, to be
    kept outside the database; refused while a chain is broken."""
    require_admin(actor, "signing an audit checkpoint")
    key = ctx.keyring.active
    if key is None:
        raise InvalidInput.of(KEYS_SETTING, "not set: a checkpoint is signed with the "
                              "active audit key (KEY_ID:BASE64_SECRET, ...)")
    now = ctx.clock()
    audit, numbers = _walk(ctx, case_id, None, {})
    refused = [link for link in audit.broken if _number(link.case) not in audit.heads]
    if refused:
        first = refused[0]
        raise InvalidTransition.of("{case}'s timeline is broken ({reason}); a checkpoint vouches "
                                   "only for intact chains: run `escalada audit verify`",
                                   case=first.case, reason=first.words())
    heads = [CheckpointHeadView(case=case_label(n), entries=audit.heads[n][0].entries,
                                last_entry=audit.heads[n][0].last_entry,
                                last_hash=audit.heads[n][0].last_hash,
                                last_at=audit.heads[n][1]) for n in numbers]
    unsigned = CheckpointView(at=now, by=actor.name, case=None if case_id is None
                              else case_label(numbers[0]), key_id=key.id, heads=heads,
                              signature="")
    signature = checkpoint_signature(key.secret, unsigned.model_dump(mode="json"))
    return unsigned.model_copy(update={"signature": signature})


def _walk(
    ctx: Context, case_id: str | None, progress: Progress | None, heads: Mapping[int, Head]
) -> tuple[_Audit, list[int]]:
    with ctx.reading() as uow:
        numbers = _case_numbers(uow.session, case_id)
        total = _entries_in(uow.session, None if case_id is None else numbers[0])
    audit = _Audit(total, progress, ctx.keyring, heads)
    for start in range(0, len(numbers), CASES_PER_TRANSACTION):
        with ctx.reading() as uow:
            audit.check(uow.session, numbers[start:start + CASES_PER_TRANSACTION])
    return audit, numbers


def _number(case: str) -> int:
    return int(case.removeprefix(CASE_PREFIX))


def _gone(heads: Mapping[int, Head], numbers: set[int]) -> list[BrokenLinkView]:
    """Cases a checkpoint vouches for that are no longer in the database at all."""
    return [_link(case_label(n), Words.counted(
        "the checkpoint vouches for {count} entry of this case, which is gone",
        "the checkpoint vouches for {count} entries of this case, which is gone",
        heads[n].entries)) for n in sorted(heads) if n not in numbers]


def _case_numbers(session: Session, case_id: str | None) -> list[int]:
    if case_id is not None:
        return [load_case(session, case_id).number]
    return list(session.scalars(select(CaseRow.number).order_by(CaseRow.number)))


def _entries_in(session: Session, case_number: int | None) -> int:
    query = select(func.count()).select_from(TimelineRow)
    if case_number is not None:
        query = query.where(TimelineRow.case_number == case_number)
    return session.scalar(query) or 0


_COLUMNS = (TimelineRow.id, TimelineRow.case_number, TimelineRow.at, TimelineRow.actor,
            TimelineRow.kind, TimelineRow.summary, TimelineRow.reason, TimelineRow.data,
            TimelineRow.prev_hash, TimelineRow.hash, TimelineRow.key_id)


def _entry(row: Row[Any]) -> Entry:
    return Entry(id=row.id, case=row.case_number, at=row.at, actor=row.actor, kind=row.kind,
                 summary=row.summary, reason=row.reason, data=row.data,
                 prev_hash=row.prev_hash, hash=row.hash, key_id=row.key_id)


class _Audit:
    """The running tally: entries checked, the first finding of each case, entries
    nobody's key vouches for, and the head of each chain that holds."""

    def __init__(self, total: int, progress: Progress | None, keyring: Keyring,
                 checkpointed: Mapping[int, Head]) -> None:
        self.total, self.progress = total, progress
        self.keyring, self.checkpointed = keyring, checkpointed
        self.checked = self.unkeyed = 0
        self.broken: list[BrokenLinkView] = []
        self.heads: dict[int, tuple[Head, datetime]] = {}

    def check(self, session: Session, numbers: Sequence[int]) -> None:
        query = (select(*_COLUMNS).where(TimelineRow.case_number.in_(numbers))
                 .order_by(TimelineRow.case_number, TimelineRow.id)
                 .execution_options(yield_per=BATCH))
        rows = session.execute(query)
        seen = set()
        for number, chain in groupby(rows, key=lambda row: row.case_number):
            seen.add(number)
            self._case(number, chain)
        self.broken.extend(_link(case_label(n), NO_ENTRIES) for n in numbers if n not in seen)
        self._tell()

    def _case(self, number: int, chain: Iterator[Row[Any]]) -> None:
        walked: list[Entry] = []  # only the entry being checked is kept

        def entries() -> Iterator[Entry]:
            for row in chain:
                walked[:] = [_entry(row)]
                self.checked += 1
                if self.checked % BATCH == 0:
                    self._tell()
                yield walked[0]

        walk = walk_chain(entries(), self.keyring, self.checkpointed.get(number))
        self.unkeyed += walk.unkeyed
        if walk.broken is None and walk.head is not None:
            self.heads[number] = (walk.head, walked[0].at)
        finding = walk.finding(self.keyring)
        if finding is not None:
            link, entry = finding
            self.broken.append(_link(
                case_label(number), link.told(), entry=link.entry,
                kind=None if entry is None else entry.kind,
                at=None if entry is None else entry.at))

    def _tell(self) -> None:
        if self.progress is not None:
            self.progress(self.checked, max(self.total, self.checked))


# Views


class BrokenLinkView(View):
    """Where a case's chain first fails: the entry, what it says it is, and why."""

    case: str
    entry: int | None = None  # the timeline entry's id; None when the case has none
    kind: str | None = None
    at: AwareDatetime | None = None
    reason: str
    # The reason's words (not part of the API's shape), for readers of other languages.
    reason_words: dict[str, Any] | None = Field(default=None, exclude=True)

    def words(self) -> Words:
        """The reason as words (its English as a finished sentence when none are kept)."""
        return Words.from_json(self.reason_words) if self.reason_words else Words.literal(
            self.reason)

    def reason_in(self, language: Translator) -> str:
        return summary_in(self.reason, self.reason_words, language)

    def told_in(self, language: Translator) -> BrokenLinkView:
        return self.model_copy(update={"reason": self.reason_in(language)})


def _link(case: str, reason: Words, **where: Any) -> BrokenLinkView:
    return BrokenLinkView(case=case, reason=str(reason), reason_words=reason.as_json(), **where)


class AuditView(View):
    """The verdict: intact, or the first broken link of each case that is not."""

    at: AwareDatetime  # when the audit ran
    case: str | None  # the one case asked for; None: every case
    intact: bool
    cases_checked: int
    entries_checked: int
    broken: list[BrokenLinkView]
    # The ids of the audit keys given, the one keying new entries first.
    keys: list[str] = Field(default_factory=list)
    # Entries hashed without a key (anyone with database access can rewrite them) that
    # no checkpoint vouches for; once keys are given, each case with some is a finding.
    unkeyed_entries: int = 0
    checkpoint: CheckpointUsedView | None = None

    def told_in(self, language: Translator) -> AuditView:
        """The verdict with its findings' reasons in `language` (for the API's reader)."""
        return self.model_copy(update={"broken": [link.told_in(language)
                                                  for link in self.broken]})
