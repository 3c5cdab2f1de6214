"""The audit of the tamper-evident timeline: walk each case's hash chain and report the
first entry whose link does not hold. It only reads; anyone who may sign in (viewer
and up) may run it, as every other read."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from itertools import groupby
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from escalada.adapters.db.tables import CaseRow, TimelineRow
from escalada.domain.audit import Entry, first_broken_link
from escalada.domain.snapshot import AwareDatetime
from escalada.services.context import Context
from escalada.services.records import load_case
from escalada.services.views import View

# Rows fetched from the database at a time: 100k entries never sit in memory at once.
BATCH = 1000
# Cases read in one (short) transaction, so that a long audit does not hold SQLite's
# write lock for its whole run; the timeline is append-only, so nothing checked
# can change behind the audit's back.
CASES_PER_TRANSACTION = 200
NO_ENTRIES = "the case has no timeline entry at all (every case starts with one)"

# Told (entries checked so far, entries in all) as the audit goes, e.g. for a progress bar.
Progress = Callable[[int, int], None]


def verify(
    *, ctx: Context, case_id: str | None = None, progress: Progress | None = None
) -> AuditView:
    """Check the hash chain of every case's timeline (or of one case), in order of id."""
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        numbers = _case_numbers(uow.session, case_id)
        total = _entries_in(uow.session, None if case_id is None else numbers[0])
    audit = _Audit(total, progress)
    for start in range(0, len(numbers), CASES_PER_TRANSACTION):
        with ctx.unit_of_work() as uow:
            audit.check(uow.session, numbers[start:start + CASES_PER_TRANSACTION])
    asked = None if case_id is None else f"CASE-{numbers[0]}"
    return AuditView(at=now, case=asked, intact=not audit.broken,
                     cases_checked=len(numbers), entries_checked=audit.checked,
                     broken=audit.broken)


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
            TimelineRow.prev_hash, TimelineRow.hash)


def _entry(row: Row[Any]) -> Entry:
    return Entry(id=row.id, case=row.case_number, at=row.at, actor=row.actor, kind=row.kind,
                 summary=row.summary, reason=row.reason, data=row.data,
                 prev_hash=row.prev_hash, hash=row.hash)


class _Audit:
    """The running tally: entries checked, and the first broken link of each case."""

    def __init__(self, total: int, progress: Progress | None) -> None:
        self.total, self.progress = total, progress
        self.checked = 0
        self.broken: list[BrokenLinkView] = []

    def check(self, session: Session, numbers: Sequence[int]) -> None:
        query = (select(*_COLUMNS).where(TimelineRow.case_number.in_(numbers))
                 .order_by(TimelineRow.case_number, TimelineRow.id)
                 .execution_options(yield_per=BATCH))
        rows = session.execute(query)
        seen = set()
        for number, chain in groupby(rows, key=lambda row: row.case_number):
            seen.add(number)
            self._case(number, chain)
        self.broken.extend(BrokenLinkView(case=f"CASE-{n}", reason=NO_ENTRIES)
                           for n in numbers if n not in seen)
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

        link = first_broken_link(entries())
        if link is not None:
            entry = walked[0]
            self.broken.append(BrokenLinkView(case=f"CASE-{number}", entry=entry.id,
                                              kind=entry.kind, at=entry.at,
                                              reason=link.reason))

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


class AuditView(View):
    """The verdict: intact, or the first broken link of each case that is not."""

    at: AwareDatetime  # when the audit ran
    case: str | None  # the one case asked for; None: every case
    intact: bool
    cases_checked: int
    entries_checked: int
    broken: list[BrokenLinkView]
