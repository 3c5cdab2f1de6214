"""Working time: the `Calendar` a clock runs on (24x7, or a business calendar from
`business_calendar`), and the time elapsed on it and deadlines counted on it, walked
as UTC intervals."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol

from escalada.domain.model import Interval

FOREVER = datetime.max.replace(tzinfo=UTC)


class Calendar(Protocol):
    """Where the clock runs: business intervals in UTC, in order, from a start."""

    name: str
    minutes_per_day: int

    def intervals(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Yield the business intervals that end after `start`, clipped to start."""
        ...


class TwentyFourSeven:
    """The clock always runs."""

    name = "24x7"
    minutes_per_day = 24 * 60

    def intervals(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        yield start, FOREVER


TWENTY_FOUR_SEVEN = TwentyFourSeven()


def _pause_start(pause: Interval) -> datetime:
    return pause.start


def _ordered(pauses: Sequence[Interval]) -> Sequence[Interval]:
    """The pauses by start (stable, so equal starts keep their order)."""
    if len(pauses) < 2:
        return pauses
    return sorted(pauses, key=_pause_start)


def _utc(moment: datetime) -> datetime:
    # Python subtracts two datetimes of one zone by wall clock, so across a DST
    # change zone-aware times would be an hour off: all arithmetic is in UTC.
    return moment if moment.tzinfo is UTC else moment.astimezone(UTC)


def _utc_pauses(pauses: Sequence[Interval]) -> Sequence[Interval]:
    if not pauses or all(
        p.start.tzinfo is UTC and (p.end is None or p.end.tzinfo is UTC) for p in pauses
    ):
        return pauses
    return [Interval(_utc(p.start), None if p.end is None else _utc(p.end)) for p in pauses]


# The two walks below cut the pauses out of one business interval [begin, end),
# piece by piece, without generators.


def _running_time(
    begin: datetime, end: datetime, until: datetime, ordered: Sequence[Interval]
) -> timedelta:
    """How long the clock runs in [begin, end) before `until`, with the pauses cut out."""
    total = timedelta()
    cursor = begin
    for pause in ordered:
        pause_end = FOREVER if pause.end is None else pause.end
        if pause_end <= cursor or pause.start >= end:
            continue
        if pause.start > cursor:
            if cursor >= until:
                return total
            total += min(pause.start, until) - cursor
        cursor = max(cursor, pause_end)
        if cursor >= end:
            return total
    if cursor < end and cursor < until:
        total += min(end, until) - cursor
    return total


def _due_within(
    begin: datetime, end: datetime, remaining: timedelta, ordered: Sequence[Interval]
) -> tuple[datetime | None, timedelta]:
    """When `remaining` running time runs out in [begin, end) with the pauses cut out.

    (None, what is left) when it does not run out there.
    """
    cursor = begin
    for pause in ordered:
        pause_end = FOREVER if pause.end is None else pause.end
        if pause_end <= cursor or pause.start >= end:
            continue
        if pause.start > cursor:
            if cursor + remaining <= pause.start:
                return cursor + remaining, remaining
            remaining -= pause.start - cursor
        cursor = max(cursor, pause_end)
        if cursor >= end:
            return None, remaining
    if cursor < end:
        if cursor + remaining <= end:
            return cursor + remaining, remaining
        remaining -= end - cursor
    return None, remaining


def elapsed(
    start: datetime, end: datetime, calendar: Calendar, pauses: Sequence[Interval] = ()
) -> float:
    """Business minutes between start and end, pauses excluded."""
    start, end = _utc(start), _utc(end)
    if end <= start:
        return 0.0
    ordered = _ordered(_utc_pauses(pauses))
    if isinstance(calendar, TwentyFourSeven):  # one endless interval: no walk over days
        running = _running_time(start, FOREVER, end, ordered) if ordered else end - start
        return running.total_seconds() / 60
    total = timedelta()
    for begin, finish in calendar.intervals(start):
        if begin >= end:
            break
        if ordered:
            total += _running_time(begin, finish, end, ordered)
        else:
            total += min(finish, end) - begin
        if finish >= end:
            break  # intervals come in order: the next one starts after `end`
    return total.total_seconds() / 60


def deadline(
    start: datetime, minutes: float, calendar: Calendar, pauses: Sequence[Interval] = ()
) -> datetime:
    """The moment `minutes` business minutes after start, pauses excluded."""
    start, remaining = _utc(start), timedelta(minutes=minutes)
    ordered = _ordered(_utc_pauses(pauses))
    if isinstance(calendar, TwentyFourSeven):  # one endless interval: no walk over days
        if not ordered:
            return start + remaining
        due, _ = _due_within(start, FOREVER, remaining, ordered)
        return FOREVER if due is None else due
    for begin, finish in calendar.intervals(start):
        if ordered:
            due, remaining = _due_within(begin, finish, remaining, ordered)
            if due is not None:
                return due
        elif begin < finish:
            if begin + remaining <= finish:
                return begin + remaining
            remaining -= finish - begin
    return FOREVER
