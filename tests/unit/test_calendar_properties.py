"""Properties of the calendar math that must hold for any start, length and pauses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalada.domain.business_calendar import BusinessCalendar, CalendarSpec
from escalada.domain.model import Interval
from escalada.domain.working_time import TWENTY_FOUR_SEVEN, Calendar, deadline, elapsed

ONE_MICROSECOND_IN_MINUTES = 1 / 60_000_000


def weekly(timezone: str, hours: str, days: tuple[str, ...]) -> BusinessCalendar:
    return BusinessCalendar(CalendarSpec.weekly(timezone=timezone, hours=(hours,), days=days))


CALENDARS: dict[str, Calendar] = {
    "24x7": TWENTY_FOUR_SEVEN,
    "new_york": weekly("America/New_York", "09:00-18:00", ("mon", "tue", "wed", "thu", "fri")),
    "moscow": weekly("Europe/Moscow", "09:00-18:00", ("mon", "tue", "wed", "thu", "fri")),
}

# 2026 holds both New York DST changes.
starts = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 20),
                      timezones=st.just(UTC))
business_minutes = st.floats(min_value=0, max_value=5 * 540, allow_nan=False)
calendars = st.sampled_from(sorted(CALENDARS))


@st.composite
def pauses_around(draw: st.DrawFn, start: datetime) -> list[Interval]:
    """Closed pauses that may begin before the start, overlap and come in any order."""
    spans = draw(st.lists(
        st.tuples(st.floats(min_value=-600, max_value=6000, allow_nan=False),
                  st.floats(min_value=0, max_value=900, allow_nan=False)),
        max_size=4,
    ))
    return [Interval(start + timedelta(minutes=offset),
                     start + timedelta(minutes=offset + length)) for offset, length in spans]


calendar_settings = settings(deadline=None)  # examples: the profile (tests/conftest.py)


@calendar_settings
@given(calendar=calendars, start=starts, minutes=business_minutes, data=st.data())
def test_elapsed_until_the_deadline_is_the_minutes_asked_for(calendar, start, minutes, data):
    pauses = data.draw(pauses_around(start))
    chosen = CALENDARS[calendar]

    due = deadline(start, minutes, chosen, pauses)

    assert elapsed(start, due, chosen, pauses) == pytest.approx(
        minutes, rel=0, abs=ONE_MICROSECOND_IN_MINUTES)


@calendar_settings
@given(calendar=calendars, start=starts, data=st.data(),
       ends=st.lists(st.floats(min_value=-60, max_value=20_000, allow_nan=False),
                     min_size=2, max_size=2))
def test_elapsed_never_decreases_as_the_end_moves_later(calendar, start, data, ends):
    pauses = data.draw(pauses_around(start))
    chosen = CALENDARS[calendar]
    early, late = sorted(start + timedelta(minutes=offset) for offset in ends)

    assert elapsed(start, early, chosen, pauses) <= elapsed(start, late, chosen, pauses)


@calendar_settings
@given(calendar=calendars, start=starts, data=st.data(),
       lengths=st.lists(business_minutes, min_size=2, max_size=2))
def test_deadline_never_moves_earlier_as_the_minutes_grow(calendar, start, data, lengths):
    pauses = data.draw(pauses_around(start))
    chosen = CALENDARS[calendar]
    fewer, more = sorted(lengths)

    assert deadline(start, fewer, chosen, pauses) <= deadline(start, more, chosen, pauses)


@calendar_settings
@given(calendar=calendars, start=starts, data=st.data(),
       span=st.floats(min_value=0, max_value=20_000, allow_nan=False))
def test_elapsed_never_exceeds_the_wall_clock_span(calendar, start, data, span):
    pauses = data.draw(pauses_around(start))

    passed = elapsed(start, start + timedelta(minutes=span), CALENDARS[calendar], pauses)

    assert 0 <= passed <= span + ONE_MICROSECOND_IN_MINUTES
