"""Business calendars: public holidays, moved working days, DST, overrides, split days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from escalada.domain.business_calendar import (
    BusinessCalendar,
    CalendarSpec,
    business_calendar,
    describe_day,
    parse_days,
    parse_hours,
)
from escalada.domain.model import Interval
from escalada.domain.sla import sla_clocks
from escalada.domain.working_time import deadline, elapsed

MOSCOW = ZoneInfo("Europe/Moscow")
NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
VLADIVOSTOK = ZoneInfo("Asia/Vladivostok")


def local(zone: ZoneInfo, *parts: int) -> datetime:
    """A local wall-clock time, as the UTC moment the rules work in."""
    return datetime(*parts, tzinfo=zone).astimezone(UTC)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def calendar(**spec: Any) -> BusinessCalendar:
    return BusinessCalendar(CalendarSpec.weekly(**spec))


@pytest.fixture
def russia() -> BusinessCalendar:
    return calendar(timezone="Europe/Moscow", country="RU")


@pytest.fixture
def new_york() -> BusinessCalendar:
    return calendar(timezone="America/New_York", country="US", subdivision="NY")


@pytest.fixture
def london() -> BusinessCalendar:
    return calendar(timezone="Europe/London", country="GB")


# Russia: public holidays and the government's moved working days


def test_a_moved_working_saturday_is_a_working_day(russia):
    assert russia.is_working_day(date(2024, 11, 2))
    assert russia.day(date(2024, 11, 2)) == (((540, 1080),), "moved working day")


def test_unity_day_is_a_holiday(russia):
    assert not russia.is_working_day(date(2024, 11, 4))
    assert russia.day(date(2024, 11, 4))[1] == "holiday: Unity Day"


def test_a_saturday_in_the_new_year_holidays_stays_off(russia):
    assert not russia.is_working_day(date(2024, 1, 6))
    assert russia.day(date(2024, 1, 6))[1].startswith("holiday:")


def test_an_ordinary_sunday_stays_off(russia):
    assert russia.day(date(2024, 11, 3)) == ((), "weekly day off")


def test_describe_day_names_the_moved_working_day():
    spec = CalendarSpec.weekly(timezone="Europe/Moscow", country="RU")

    assert describe_day(spec, date(2024, 11, 2)) == {
        "date": "2024-11-02", "weekday": "sat", "hours": ["09:00-18:00"],
        "why": "moved working day",
    }


def test_a_deadline_from_friday_evening_lands_on_the_working_saturday(russia):
    friday = local(MOSCOW, 2024, 11, 1, 17, 0)

    # Fri 17-18 (1 h), then Saturday 2 November is a working day: 09-10.
    assert deadline(friday, 120, russia) == local(MOSCOW, 2024, 11, 2, 10, 0)


def test_elapsed_counts_the_working_saturday_and_skips_the_holiday_monday(russia):
    saturday = local(MOSCOW, 2024, 11, 2, 0, 0)
    wednesday = local(MOSCOW, 2024, 11, 6, 0, 0)

    # Sat 9 h, Sun off, Mon 4 November (Unity Day) off, Tue 9 h.
    assert elapsed(saturday, wednesday, russia) == 2 * 9 * 60


def test_a_deadline_over_the_holiday_skips_it(russia):
    saturday = local(MOSCOW, 2024, 11, 2, 17, 0)

    assert deadline(saturday, 120, russia) == local(MOSCOW, 2024, 11, 5, 10, 0)


def test_without_a_country_there_are_no_holidays_or_moved_days():
    plain = calendar(timezone="Europe/Moscow")

    assert plain.is_working_day(date(2024, 11, 4))
    assert not plain.is_working_day(date(2024, 11, 2))


# Daylight saving time: local hours stay local, the UTC instants move


def test_new_york_spring_forward_weekend_keeps_local_hours(new_york):
    friday = local(NEW_YORK, 2026, 3, 6, 17, 0)
    assert friday == utc(2026, 3, 6, 22, 0)  # EST, UTC-5

    due = deadline(friday, 120, new_york)

    assert due == utc(2026, 3, 9, 14, 0)  # Monday 10:00 EDT, UTC-4
    assert due == local(NEW_YORK, 2026, 3, 9, 10, 0)
    assert elapsed(friday, due, new_york) == 120


def test_new_york_fall_back_weekend_keeps_local_hours(new_york):
    friday = local(NEW_YORK, 2026, 10, 30, 17, 0)
    assert friday == utc(2026, 10, 30, 21, 0)  # EDT, UTC-4

    due = deadline(friday, 120, new_york)

    assert due == utc(2026, 11, 2, 15, 0)  # Monday 10:00 EST, UTC-5
    assert due == local(NEW_YORK, 2026, 11, 2, 10, 0)
    assert elapsed(friday, due, new_york) == 120


def test_new_york_business_day_after_the_change_is_nine_real_hours(new_york):
    assert elapsed(utc(2026, 3, 9, 0, 0), utc(2026, 3, 10, 0, 0), new_york) == 540
    assert elapsed(utc(2026, 11, 2, 0, 0), utc(2026, 11, 3, 0, 0), new_york) == 540
    assert deadline(utc(2026, 3, 9, 0, 0), 540, new_york) == utc(2026, 3, 9, 22, 0)
    assert deadline(utc(2026, 11, 2, 0, 0), 540, new_york) == utc(2026, 11, 2, 23, 0)


def test_london_spring_forward_weekend_keeps_local_hours(london):
    friday = local(LONDON, 2026, 3, 27, 17, 0)
    assert friday == utc(2026, 3, 27, 17, 0)  # GMT

    due = deadline(friday, 120, london)

    assert due == utc(2026, 3, 30, 9, 0)  # Monday 10:00 BST, UTC+1
    assert elapsed(friday, due, london) == 120


def test_london_fall_back_weekend_keeps_local_hours(london):
    friday = local(LONDON, 2026, 10, 23, 17, 0)
    assert friday == utc(2026, 10, 23, 16, 0)  # BST, UTC+1

    due = deadline(friday, 120, london)

    assert due == utc(2026, 10, 26, 10, 0)  # Monday 10:00 GMT
    assert elapsed(friday, due, london) == 120


@pytest.mark.parametrize(("day", "real_minutes"), [
    (date(2026, 3, 8), 23 * 60),  # spring forward: the local day is an hour short
    (date(2026, 11, 1), 25 * 60),  # fall back: the local day is an hour long
    (date(2026, 3, 15), 24 * 60),
])
def test_a_round_the_clock_day_counts_real_minutes_across_a_dst_change(day, real_minutes):
    sundays = calendar(timezone="America/New_York", hours=("00:00-24:00",), days=("sun",))
    midnight = datetime.combine(day, datetime.min.time(), NEW_YORK)

    assert elapsed(midnight, midnight + timedelta(days=1), sundays) == real_minutes
    assert deadline(midnight, real_minutes, sundays) == local(
        NEW_YORK, *(day + timedelta(days=1)).timetuple()[:3])


# United States: federal and New York holidays


def test_thanksgiving_is_skipped_in_new_york(new_york):
    wednesday = local(NEW_YORK, 2026, 11, 25, 17, 0)

    assert new_york.day(date(2026, 11, 26))[1] == "holiday: Thanksgiving Day"
    assert deadline(wednesday, 120, new_york) == local(NEW_YORK, 2026, 11, 27, 10, 0)
    assert elapsed(wednesday, local(NEW_YORK, 2026, 11, 27, 10, 0), new_york) == 120


def test_a_subdivision_adds_its_own_holidays():
    federal = calendar(timezone="America/New_York", country="US")
    new_york_state = calendar(timezone="America/New_York", country="US", subdivision="NY")
    election_day = date(2026, 11, 3)

    assert federal.is_working_day(election_day)
    assert not new_york_state.is_working_day(election_day)


# Operator overrides


def test_an_override_with_no_hours_is_an_extra_day_off():
    closed = calendar(timezone="Europe/Moscow", country="RU",
                      overrides={date(2024, 11, 5): ()})
    friday = local(MOSCOW, 2024, 11, 1, 17, 0)

    assert closed.day(date(2024, 11, 5)) == ((), "override")
    # Fri 17-18, Sat 2 Nov 9-18 (moved working day), Mon 4 holiday, Tue 5 off: Wed 09-10.
    assert deadline(friday, 60 + 540 + 60, closed) == local(MOSCOW, 2024, 11, 6, 10, 0)


def test_an_override_with_hours_on_a_sunday_is_an_extra_working_day():
    open_sunday = calendar(timezone="Europe/Moscow", country="RU",
                           overrides={date(2024, 11, 10): ("10:00-14:00",)})
    saturday = local(MOSCOW, 2024, 11, 9, 12, 0)

    assert open_sunday.day(date(2024, 11, 10)) == (((600, 840),), "override")
    assert deadline(saturday, 60, open_sunday) == local(MOSCOW, 2024, 11, 10, 11, 0)
    assert elapsed(saturday, local(MOSCOW, 2024, 11, 11, 0, 0), open_sunday) == 240


def test_an_override_with_shorter_hours_shortens_a_pre_holiday_day():
    # Russia shortens the working day before a holiday by an hour.
    shortened = calendar(timezone="Europe/Moscow", country="RU",
                         overrides={date(2024, 11, 2): ("09:00-17:00",)})
    saturday = local(MOSCOW, 2024, 11, 2, 16, 0)

    assert shortened.day(date(2024, 11, 2)) == (((540, 1020),), "override")
    assert elapsed(local(MOSCOW, 2024, 11, 2, 0, 0), local(MOSCOW, 2024, 11, 3, 0, 0),
                   shortened) == 480
    # Sat 16-17 (1 h), Sun off, Mon holiday, Tue 09-10.
    assert deadline(saturday, 120, shortened) == local(MOSCOW, 2024, 11, 5, 10, 0)


def test_an_override_wins_over_a_public_holiday():
    opened = calendar(timezone="Europe/Moscow", country="RU",
                      overrides={date(2024, 11, 4): ("10:00-14:00",)})

    assert opened.day(date(2024, 11, 4)) == (((600, 840),), "override")
    assert elapsed(local(MOSCOW, 2024, 11, 4, 0, 0), local(MOSCOW, 2024, 11, 5, 0, 0),
                   opened) == 240


def test_an_override_wins_over_a_moved_working_day():
    off = calendar(timezone="Europe/Moscow", country="RU", overrides={date(2024, 11, 2): ()})

    assert off.day(date(2024, 11, 2)) == ((), "override")


def test_overrides_do_not_change_the_minutes_of_a_standard_day():
    spec = calendar(timezone="Europe/Moscow", overrides={date(2024, 11, 2): ("09:00-10:00",)})

    assert spec.minutes_per_day == 540


# Several spans a day


def test_lunch_between_two_spans_is_not_counted():
    split = calendar(timezone="Europe/Moscow", hours=("09:00-13:00", "14:00-18:00"))
    morning = local(MOSCOW, 2026, 11, 26, 12, 30)

    assert split.minutes_per_day == 480
    assert elapsed(morning, local(MOSCOW, 2026, 11, 26, 14, 30), split) == 60
    assert deadline(local(MOSCOW, 2026, 11, 26, 12, 0), 120, split) == local(
        MOSCOW, 2026, 11, 26, 15, 0)


def test_a_deadline_at_the_end_of_the_morning_is_before_lunch():
    split = calendar(timezone="Europe/Moscow", hours=("09:00-13:00", "14:00-18:00"))

    assert deadline(local(MOSCOW, 2026, 11, 26, 12, 0), 60, split) == local(
        MOSCOW, 2026, 11, 26, 13, 0)


def test_spans_are_kept_in_order_whatever_order_they_are_written_in():
    spec = CalendarSpec.weekly(timezone="Europe/Moscow", hours=("14:00-18:00", "09:00-13:00"))

    assert spec.week["mon"] == ("09:00-13:00", "14:00-18:00")


def test_touching_spans_are_allowed():
    touching = calendar(timezone="Europe/Moscow", hours=("09:00-13:00", "13:00-18:00"))

    assert touching.minutes_per_day == 540
    assert elapsed(local(MOSCOW, 2026, 11, 26, 0, 0), local(MOSCOW, 2026, 11, 27, 0, 0),
                   touching) == 540


def test_a_span_may_end_at_midnight():
    evening = calendar(timezone="Europe/Moscow", hours=("18:00-24:00",))

    assert parse_hours("18:00-24:00") == (1080, 1440)
    assert deadline(local(MOSCOW, 2026, 11, 26, 23, 0), 90, evening) == local(
        MOSCOW, 2026, 11, 27, 18, 30)


# Pauses over nights and weekends


def test_a_weekend_pause_removes_only_the_business_minutes_inside_it(russia):
    friday = local(MOSCOW, 2026, 11, 27, 16, 0)
    monday = local(MOSCOW, 2026, 11, 30, 11, 0)
    weekend = [Interval(local(MOSCOW, 2026, 11, 27, 17, 0), local(MOSCOW, 2026, 11, 30, 10, 0))]

    # Without the pause: Fri 16-18, Mon 9-11. The pause takes Fri 17-18 and Mon 9-10.
    assert elapsed(friday, monday, russia) == 240
    assert elapsed(friday, monday, russia, weekend) == 120
    assert deadline(friday, 120, russia, weekend) == monday


def test_an_overnight_pause_removes_the_evening_and_the_morning(russia):
    tuesday = local(MOSCOW, 2026, 11, 24, 16, 0)
    night = [Interval(local(MOSCOW, 2026, 11, 24, 17, 0), local(MOSCOW, 2026, 11, 25, 10, 0))]
    wednesday = local(MOSCOW, 2026, 11, 25, 12, 0)

    assert elapsed(tuesday, wednesday, russia, night) == 60 + 120
    assert deadline(tuesday, 180, russia, night) == wednesday


def test_a_pause_over_a_holiday_weekend_agrees_in_both_directions(russia):
    # Friday 1 November 2024 to Tuesday 5 November: the pause covers the working Saturday.
    friday = local(MOSCOW, 2024, 11, 1, 12, 0)
    pause = [Interval(local(MOSCOW, 2024, 11, 1, 17, 0), local(MOSCOW, 2024, 11, 3, 12, 0))]
    tuesday = local(MOSCOW, 2024, 11, 5, 11, 0)

    # Fri 12-17 (5 h), Sat paused, Sun off, Mon holiday, Tue 9-11 (2 h).
    assert elapsed(friday, tuesday, russia, pause) == 7 * 60
    assert deadline(friday, 7 * 60, russia, pause) == tuesday


# The account's named calendar against its own time zone


def _account(**fields: Any) -> dict[str, Any]:
    return {"support_plan": "business", "timezone": "Asia/Vladivostok", **fields}


def test_a_named_calendar_runs_in_its_own_zone_not_the_account_s(make_case, policy):
    moscow_hours = CalendarSpec.weekly(timezone="Europe/Moscow", country="RU", name="moscow")
    friday = local(MOSCOW, 2026, 11, 27, 16, 0)  # 23:00 in Vladivostok, after hours
    case = make_case(account=_account(calendar=moscow_hours), severity="P3", opened_at=friday)
    monday = local(MOSCOW, 2026, 11, 30, 10, 0)

    clocks = {clock.target: clock for clock in sla_clocks(case, policy, monday)}

    # 12 business hours on Moscow hours: Fri 16-18, Mon 9-18, Tue 9-10.
    assert clocks["first_response"].due_at == local(MOSCOW, 2026, 12, 1, 10, 0)
    assert clocks["first_response"].elapsed_minutes == pytest.approx(180)
    # 5 business days: Fri 2 h, Mon-Thu 36 h, Fri 7 h.
    assert clocks["resolution"].due_at == local(MOSCOW, 2026, 12, 4, 16, 0)


def test_an_account_without_a_named_calendar_runs_on_its_own_zone(make_case, policy):
    friday = local(MOSCOW, 2026, 11, 27, 16, 0)  # 23:00 in Vladivostok, after hours
    case = make_case(account=_account(), severity="P3", opened_at=friday)
    monday = local(MOSCOW, 2026, 11, 30, 10, 0)  # 17:00 in Vladivostok

    clocks = {clock.target: clock for clock in sla_clocks(case, policy, monday)}

    # 12 business hours on Vladivostok hours: Mon 9-18, Tue 9-12.
    assert clocks["first_response"].due_at == local(VLADIVOSTOK, 2026, 12, 1, 12, 0)
    assert clocks["first_response"].elapsed_minutes == pytest.approx(480)


def test_an_account_without_a_named_calendar_keeps_its_country_s_holidays(make_case, policy):
    tuesday = local(VLADIVOSTOK, 2026, 11, 3, 17, 0)
    plain = make_case(account=_account(), severity="P3", opened_at=tuesday)
    russian = make_case(account=_account(country="RU"), severity="P3", opened_at=tuesday)

    def due(case):
        return {c.target: c for c in sla_clocks(case, policy, tuesday)}["first_response"].due_at

    # Tue 17-18, Wed 9-18, Thu 9-11; Wednesday 4 November is Unity Day in Russia.
    assert due(plain) == local(VLADIVOSTOK, 2026, 11, 5, 11, 0)
    assert due(russian) == local(VLADIVOSTOK, 2026, 11, 6, 11, 0)


def test_a_named_calendar_s_country_wins_over_the_account_s(make_case, policy):
    moscow_hours = CalendarSpec.weekly(timezone="Europe/Moscow", country="RU")
    tuesday = local(MOSCOW, 2026, 11, 3, 17, 0)
    case = make_case(account=_account(country="US", calendar=moscow_hours), severity="P3",
                     opened_at=tuesday)

    clocks = {c.target: c for c in sla_clocks(case, policy, tuesday)}

    # Tue 17-18, Wed 4 November (Unity Day) off, Thu 9-18, Fri 9-11.
    assert clocks["first_response"].due_at == local(MOSCOW, 2026, 11, 6, 11, 0)


# Validation


@pytest.mark.parametrize("text", ["18:00-09:00", "25:00-26:00", "09:00-09:00", "9-18",
                                  "09:00-24:30", "24:00-24:00", ""])
def test_bad_hours_are_refused(text):
    with pytest.raises(ValueError, match=r"span of hours|ends before|ends after"):
        parse_hours(text)


@pytest.mark.parametrize("hours", [("18:00-09:00",), ("25:00-26:00",)])
def test_a_calendar_with_bad_hours_is_refused(hours):
    with pytest.raises(
        ValidationError,
        match=rf"\nweek\.mon\n  Value error, '{hours[0]}' (ends before it|is not a span of)",
    ):
        CalendarSpec.weekly(timezone="Europe/Moscow", hours=hours)


@pytest.mark.parametrize("hours", [
    ("09:00-13:00", "12:00-18:00"),
    ("09:00-18:00", "10:00-11:00"),
    ("09:00-18:00", "09:00-18:00"),
])
def test_overlapping_spans_are_refused(hours):
    with pytest.raises(ValidationError, match="overlaps"):
        CalendarSpec.weekly(timezone="Europe/Moscow", hours=hours)


def test_overlapping_override_spans_are_refused():
    with pytest.raises(ValidationError, match="overlaps"):
        CalendarSpec.weekly(timezone="Europe/Moscow",
                            overrides={date(2026, 1, 1): ("09:00-12:00", "11:00-13:00")})


@pytest.mark.parametrize("text", ["mon-fry", "funday", "mon,,fri", "mon-", "-fri", "mon-fri-sat"])
def test_unknown_weekdays_are_refused(text):
    with pytest.raises(ValueError, match="not a weekday"):
        parse_days(text)


@pytest.mark.parametrize(("text", "days"), [
    ("mon-fri", ("mon", "tue", "wed", "thu", "fri")),
    ("sun-thu", ("mon", "tue", "wed", "thu", "sun")),
    ("fri-mon", ("mon", "fri", "sat", "sun")),
    ("Mon, WED ,fri", ("mon", "wed", "fri")),
    ("sat", ("sat",)),
    ("mon-mon", ("mon",)),
])
def test_parse_days_reads_lists_and_ranges_that_wrap(text, days):
    assert parse_days(text) == days


def test_an_unknown_country_is_refused():
    with pytest.raises(ValidationError, match="'XX' is not a country"):
        CalendarSpec.weekly(timezone="Europe/Moscow", country="XX")


def test_a_lower_case_country_is_refused():
    with pytest.raises(ValidationError, match=r"\ncountry\n  String should match pattern "):
        CalendarSpec.weekly(timezone="Europe/Moscow", country="ru")


def test_a_subdivision_needs_a_country():
    with pytest.raises(ValidationError, match="needs a country"):
        CalendarSpec.weekly(timezone="America/New_York", subdivision="NY")


def test_an_unknown_subdivision_is_refused():
    with pytest.raises(ValidationError, match="'XX' is not one of US's"):
        CalendarSpec.weekly(timezone="America/New_York", country="US", subdivision="XX")


def test_a_calendar_needs_a_working_weekday():
    with pytest.raises(ValidationError, match="at least one weekday"):
        CalendarSpec.model_validate({"timezone": "Europe/Moscow", "week": {"mon": [], "tue": []}})
    with pytest.raises(ValidationError, match="at least one weekday"):
        CalendarSpec.weekly(timezone="Europe/Moscow", days=())


def test_an_unknown_time_zone_is_refused():
    with pytest.raises(ValidationError, match="not an IANA time zone"):
        CalendarSpec.weekly(timezone="Mars/Olympus_Mons")


def test_an_unknown_weekday_key_is_refused():
    with pytest.raises(
        ValidationError,
        match=r"\nweek\.monday\.\[key\]\n  Input should be 'mon', ",
    ):
        CalendarSpec.model_validate({"timezone": "Europe/Moscow",
                                     "week": {"monday": ["09:00-18:00"]}})


def test_a_changed_copy_of_a_spec_is_a_calendar_of_its_own():
    spec = CalendarSpec.weekly(timezone="Europe/Moscow", country="RU")
    business_calendar(spec)  # caches the spec's key

    copy = spec.model_copy(update={"overrides": {date(2024, 11, 5): ()}})

    assert copy.key != spec.key
    assert business_calendar(copy).day(date(2024, 11, 5)) == ((), "override")
    assert business_calendar(spec).is_working_day(date(2024, 11, 5))
