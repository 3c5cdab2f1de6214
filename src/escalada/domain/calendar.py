"""Business calendars: when the SLA clock runs, walked as UTC intervals."""

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


def _open_time(calendar: Calendar, start: datetime, end: datetime) -> timedelta:
    """How long the calendar runs in [start, end)."""
    if isinstance(calendar, TwentyFourSeven):
        return end - start  # most targets run round the clock: nothing to walk
    total = timedelta()
    for begin, finish in calendar.intervals(start):
        if begin >= end:
            break
        total += min(finish, end) - begin
    return total


def _merged(
    pauses: Sequence[Interval], start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The pauses clipped to [start, end), overlapping ones merged, in order."""
    merged: list[tuple[datetime, datetime]] = []
    cursor = start
    for pause in _ordered(pauses):
        if pause.start >= end:
            break
        pause_end = FOREVER if pause.end is None else pause.end
        if pause_end <= cursor:
            continue
        merged.append((max(pause.start, cursor), min(pause_end, end)))
        cursor = pause_end
        if cursor >= end:
            break
    return merged


def elapsed(
    start: datetime, end: datetime, calendar: Calendar, pauses: Sequence[Interval] = ()
) -> float:
    """Business minutes between start and end, pauses excluded."""
    if end <= start:
        return 0.0
    running = _open_time(calendar, start, end)
    if pauses:
        for pause_start, pause_end in _merged(pauses, start, end):
            running -= _open_time(calendar, pause_start, pause_end)
    return running.total_seconds() / 60


def _due_within(
    begin: datetime, end: datetime, remaining: timedelta, ordered: Sequence[Interval]
) -> tuple[datetime | None, timedelta]:
    """When `remaining` running time runs out inside [begin, end) with the pauses cut out.

    Returns (None, what is left) when it does not. The due moment keeps the time
    zone of the piece it falls in, as the original walk did: it is shown to people.
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


def deadline(
    start: datetime, minutes: float, calendar: Calendar, pauses: Sequence[Interval] = ()
) -> datetime:
    """The moment `minutes` business minutes after start, pauses excluded."""
    remaining = timedelta(minutes=minutes)
    ordered = _ordered(pauses)
    if isinstance(calendar, TwentyFourSeven):
        due, _ = _due_within(start, FOREVER, remaining, ordered)
        return FOREVER if due is None else due
    for begin, finish in calendar.intervals(start):
        due, remaining = _due_within(begin, finish, remaining, ordered)
        if due is not None:
            return due
    return FOREVER
