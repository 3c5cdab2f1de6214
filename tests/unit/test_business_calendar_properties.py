"""Properties of the calendar math on business calendars with public holidays, moved
working days, overrides, several spans a day and daylight saving time."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from itertools import takewhile
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalada.domain.business_calendar import WEEKDAYS, BusinessCalendar, CalendarSpec
from escalada.domain.model import Interval
from escalada.domain.working_time import deadline, elapsed

ONE_MICROSECOND_IN_MINUTES = 1 / 60_000_000

# A country, the zone its calendar runs in and the days around its DST changes.
PLACES = {
    "RU": ("Europe/Moscow", ()),
    "US": ("America/New_York", ((3, 8), (11, 1), (3, 14), (11, 7), (3, 9), (11, 2))),
    "GB": ("Europe/London", ((3, 29), (10, 25), (3, 31), (10, 27), (3, 30), (10, 26))),
}

# Day patterns: plain, split for lunch, round the clock, and spans that straddle the
# small hours in which clocks change (01:00-03:00 local in New York and London).
DAY_HOURS: tuple[tuple[str, ...], ...] = (
    ("09:00-18:00",),
    ("09:00-13:00", "14:00-18:00"),
    ("08:00-12:00", "12:30-16:30", "17:00-20:00"),
    ("00:00-24:00",),
    ("00:30-02:30", "03:00-04:00", "22:00-24:00"),
    ("01:00-02:00", "02:00-03:00"),
    ("18:00-24:00",),
)

day_hours = st.sampled_from(DAY_HOURS)


@st.composite
def starts(draw: st.DrawFn, country: str) -> datetime:
    """A moment in 2024-2027, often in the days around a DST change or a holiday."""
    zone = ZoneInfo(PLACES[country][0])
    year = draw(st.integers(min_value=2024, max_value=2027))
    near = draw(st.sampled_from(((11, 1), (1, 1), (12, 28), *PLACES[country][1])))
    if draw(st.booleans()):
        around = datetime(year, *near, 12, tzinfo=zone)
        return draw(st.datetimes(min_value=(around - timedelta(days=5)).replace(tzinfo=None),
                                 max_value=(around + timedelta(days=2)).replace(tzinfo=None),
                                 timezones=st.just(zone))).astimezone(UTC)
    return draw(st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 20),
                             timezones=st.just(UTC)))


@st.composite
def business_calendars(draw: st.DrawFn, near: datetime, country: str) -> BusinessCalendar:
    """A calendar of the country with random weekdays, hours and overrides near `near`."""
    timezone = PLACES[country][0]
    days = draw(st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=7, unique=True))
    week = {day: draw(day_hours) for day in days}
    first = near.astimezone(ZoneInfo(timezone)).date() - timedelta(days=1)
    overrides = draw(st.dictionaries(
        st.integers(min_value=0, max_value=12).map(lambda offset: first + timedelta(days=offset)),
        st.one_of(st.just(()), day_hours),
        max_size=4,
    ))
    spec = CalendarSpec.model_validate({
        "timezone": timezone, "week": week, "country": country,
        "overrides": {day.isoformat(): hours for day, hours in overrides.items()},
    })
    return BusinessCalendar(spec)


@st.composite
def cases(draw: st.DrawFn) -> tuple[BusinessCalendar, datetime]:
    country = draw(st.sampled_from(sorted(PLACES)))
    start = draw(starts(country))
    return draw(business_calendars(start, country)), start


@st.composite
def pauses_around(draw: st.DrawFn, start: datetime) -> list[Interval]:
    """Closed pauses, overnight and over weekends, that may begin before the start,
    overlap and come in any order."""
    spans = draw(st.lists(
        st.tuples(st.floats(min_value=-600, max_value=8000, allow_nan=False),
                  st.floats(min_value=0, max_value=4000, allow_nan=False)),
        max_size=4,
    ))
    return [Interval(start + timedelta(minutes=offset),
                     start + timedelta(minutes=offset + length)) for offset, length in spans]


business_minutes = st.floats(min_value=0, max_value=6 * 540, allow_nan=False)
with_or_without_pauses = st.booleans()
properties = settings(deadline=None)  # examples: the profile (tests/conftest.py)


def _pauses(draw: st.DrawFn, start: datetime, paused: bool) -> list[Interval]:
    return draw(pauses_around(start)) if paused else []


@properties
@given(case=cases(), minutes=business_minutes, paused=with_or_without_pauses, data=st.data())
def test_elapsed_until_the_deadline_is_the_minutes_asked_for(case, minutes, paused, data):
    calendar, start = case
    pauses = _pauses(data.draw, start, paused)

    due = deadline(start, minutes, calendar, pauses)

    assert elapsed(start, due, calendar, pauses) == pytest.approx(
        minutes, rel=0, abs=ONE_MICROSECOND_IN_MINUTES)


@properties
@given(case=cases(), lengths=st.lists(business_minutes, min_size=2, max_size=2),
       paused=with_or_without_pauses, data=st.data())
def test_deadline_never_moves_earlier_as_the_minutes_grow(case, lengths, paused, data):
    calendar, start = case
    pauses = _pauses(data.draw, start, paused)
    fewer, more = sorted(lengths)

    assert deadline(start, fewer, calendar, pauses) <= deadline(start, more, calendar, pauses)


@properties
@given(case=cases(), offsets=st.lists(st.floats(min_value=-120, max_value=15_000,
                                                allow_nan=False), min_size=2, max_size=2),
       paused=with_or_without_pauses, data=st.data())
def test_elapsed_adds_up_over_consecutive_spans(case, offsets, paused, data):
    calendar, first = case
    pauses = _pauses(data.draw, first, paused)
    middle, last = sorted(first + timedelta(minutes=offset) for offset in offsets)
    middle = max(middle, first)

    parts = elapsed(first, middle, calendar, pauses) + elapsed(middle, last, calendar, pauses)

    assert parts == pytest.approx(elapsed(first, last, calendar, pauses),
                                  rel=0, abs=ONE_MICROSECOND_IN_MINUTES)


@properties
@given(case=cases(), minutes=business_minutes, paused=with_or_without_pauses, data=st.data())
def test_the_deadline_falls_inside_a_business_interval_or_at_its_end(case, minutes, paused,
                                                                      data):
    calendar, start = case
    pauses = _pauses(data.draw, start, paused)

    due = deadline(start, minutes, calendar, pauses)

    assert due.tzinfo is UTC
    assert due >= start
    walked = takewhile(lambda interval: interval[0] <= due, calendar.intervals(start))
    assert any(begin <= due <= end for begin, end in walked)
    if minutes > 0:  # the clock runs out while it runs, never in the middle of a pause
        assert not any(p.start < due < p.end for p in pauses if p.end is not None)


@properties
@given(case=cases(), days=st.integers(min_value=0, max_value=10))
def test_a_day_counts_its_spans_in_real_minutes(case, days):
    """A local day's business minutes are its spans' wall-clock minutes, give or take
    the hour a DST change adds or takes away in the small hours."""
    calendar, start = case
    zone = calendar.zone
    day = start.astimezone(zone).date() + timedelta(days=days)
    midnight = datetime.combine(day, time(), zone)
    next_midnight = datetime.combine(day + timedelta(days=1), time(), zone)
    spans, _ = calendar.day(day)
    wall_minutes = sum(end - begin for begin, end in spans)

    counted = elapsed(midnight, next_midnight, calendar)

    if midnight.utcoffset() == next_midnight.utcoffset():
        assert counted == wall_minutes
    else:
        assert abs(counted - wall_minutes) <= 60


@properties
@given(case=cases(), days=st.integers(min_value=0, max_value=10))
def test_a_day_off_counts_nothing_and_a_working_day_counts_something(case, days):
    calendar, start = case
    day = start.astimezone(calendar.zone).date() + timedelta(days=days)
    midnight = datetime.combine(day, time(), calendar.zone)

    counted = elapsed(midnight, datetime.combine(day + timedelta(days=1), time(), calendar.zone),
                      calendar)

    # Every day pattern above has hours outside the hour a spring-forward change skips.
    assert (counted > 0) == calendar.is_working_day(day)
