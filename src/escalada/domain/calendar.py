"""Business calendars: when the SLA clock runs, walked as UTC intervals."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
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


def _spans(calendar: Calendar, start: datetime) -> Iterable[tuple[datetime, datetime]]:
    # Most targets run round the clock: one span, without a generator to drive.
    if isinstance(calendar, TwentyFourSeven):
        return ((start, FOREVER),)
    return calendar.intervals(start)


def _pause_start(pause: Interval) -> datetime:
    return pause.start


def _ordered(pauses: Sequence[Interval]) -> Sequence[Interval]:
    """The pauses by start (stable, so equal starts keep their order)."""
    if len(pauses) < 2:
        return pauses
    return sorted(pauses, key=_pause_start)


def _paused_within(begin: datetime, end: datetime, ordered: Sequence[Interval]) -> timedelta:
    """How much of [begin, end) the pauses cover, overlapping pauses counted once."""
    covered = timedelta()
    cursor = begin
    for pause in ordered:
        if pause.start >= end:
            break
        pause_end = FOREVER if pause.end is None else pause.end
        if pause_end <= cursor:
            continue
        covered += min(pause_end, end) - max(pause.start, cursor)
        cursor = pause_end
        if cursor >= end:
            break
    return covered


def elapsed(
    start: datetime, end: datetime, calendar: Calendar, pauses: Sequence[Interval] = ()
) -> float:
    """Business minutes between start and end, pauses excluded."""
    if end <= start:
        return 0.0
    ordered = _ordered(pauses)
    total = timedelta()
    for begin, finish in _spans(calendar, start):
        if begin >= end:
            break
        finish = min(finish, end)
        total += finish - begin
        if ordered:
            total -= _paused_within(begin, finish, ordered)
    return total.total_seconds() / 60


def _due_within(
    begin: datetime, end: datetime, remaining: timedelta, ordered: Sequence[Interval]
) -> tuple[datetime | None, timedelta]:
    """When `remaining` running time runs out inside [begin, end) with the pauses cut out.

    Returns (None, what is left) when it does not. The due moment keeps the time
    zone of the piece it falls in, as callers show it to people.
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
    for begin, finish in _spans(calendar, start):
        due, remaining = _due_within(begin, finish, remaining, ordered)
        if due is not None:
            return due
    return FOREVER
