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


def _running(
    calendar: Calendar, start: datetime, pauses: Sequence[Interval]
) -> Iterator[tuple[datetime, datetime]]:
    """Business intervals from `start` with the pauses cut out."""
    ordered = sorted(pauses, key=lambda pause: pause.start)
    for begin, end in calendar.intervals(start):
        yield from _subtract(begin, end, ordered)


def _subtract(
    begin: datetime, end: datetime, pauses: Iterable[Interval]
) -> Iterator[tuple[datetime, datetime]]:
    cursor = begin
    for pause in pauses:
        pause_end = FOREVER if pause.end is None else pause.end
        if pause_end <= cursor or pause.start >= end:
            continue
        if pause.start > cursor:
            yield cursor, pause.start
        cursor = max(cursor, pause_end)
        if cursor >= end:
            return
    if cursor < end:
        yield cursor, end


def elapsed(
    start: datetime, end: datetime, calendar: Calendar, pauses: Sequence[Interval] = ()
) -> float:
    """Business minutes between start and end, pauses excluded."""
    total = timedelta()
    if end <= start:
        return 0.0
    for begin, finish in _running(calendar, start, pauses):
        if begin >= end:
            break
        total += min(finish, end) - begin
    return total.total_seconds() / 60


def deadline(
    start: datetime, minutes: float, calendar: Calendar, pauses: Sequence[Interval] = ()
) -> datetime:
    """The moment `minutes` business minutes after start, pauses excluded."""
    remaining = timedelta(minutes=minutes)
    for begin, finish in _running(calendar, start, pauses):
        if begin + remaining <= finish:
            return begin + remaining
        remaining -= finish - begin
    return FOREVER
