"""Benchmark business-hours deadlines against businesstime and pandas; explain every difference.

Run: python bench/calendar.py [--inputs N] [--seed S] [--repeat R]. Everything runs in one
thread, so on one core. Exits 1 when a peer's answer differs from escalada's for a reason the
classifier cannot name (printed as UNEXPLAINED), so a new difference is never waved through.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Python puts bench/ first on the path, where this file would shadow the standard library's
# calendar module, which pandas and holidays import.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)
sys.path.append(str(Path(__file__).resolve().parent))  # results.py, after the standard library

import argparse
import gc
import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import pandas as pd
from businesstime import BusinessTime
from results import report
from rich.console import Console
from rich.table import Table

from escalada.domain.business_calendar import BusinessCalendar, CalendarSpec, business_calendar
from escalada.domain.working_time import deadline

SPEEDUP_GOAL = 10  # escalada at least this many times faster than businesstime
OPENS, CLOSES = clock(9), clock(18)
BUSINESS_DAY = 9 * 60  # minutes from 09:00 to 18:00
YEARS = range(2024, 2028)  # starts in 2024-2026; deadlines may run into 2027
FIRST_START = datetime(2024, 1, 1, tzinfo=UTC)
START_MINUTES = (datetime(2027, 1, 1, tzinfo=UTC) - FIRST_START) // timedelta(minutes=1)
TOLERANCE = timedelta(seconds=1)
# zone, country, subdivision: 09:00-18:00 Monday to Friday in each
CALENDARS = (
    ("America/New_York", "US", None),
    ("Europe/Moscow", "RU", None),
    ("Australia/Sydney", "AU", "NSW"),
    ("UTC", None, None),
)


@dataclass(frozen=True)
class Setup:
    """One business calendar as each library is told it."""

    zone: ZoneInfo
    country: str | None
    spec: CalendarSpec
    calendar: BusinessCalendar
    holidays: frozenset[date]  # the public holidays and days off escalada knows, 2024-2027
    moved_working_days: frozenset[date]  # weekend days the government made working days
    businesstime: BusinessTime
    pandas_hour: pd.offsets.CustomBusinessHour

    @property
    def label(self) -> str:
        where = "-".join(filter(None, (self.country, self.spec.subdivision)))
        return f"{self.zone.key} ({where or 'no holidays'})"


def make_setup(zone: str, country: str | None, subdivision: str | None) -> Setup:
    spec = CalendarSpec.weekly(timezone=zone, country=country, subdivision=subdivision)
    if country is None:
        days_off: frozenset[date] = frozenset()
        moved: frozenset[date] = frozenset()
    else:
        known = holidays.country_holidays(country, subdiv=subdivision, years=YEARS)
        days_off, moved = frozenset(known), frozenset(known.weekend_workdays)
    return Setup(
        zone=ZoneInfo(zone), country=country, spec=spec, calendar=business_calendar(spec),
        holidays=days_off, moved_working_days=moved,
        businesstime=BusinessTime(business_hours=(OPENS, CLOSES), weekends=(5, 6),
                                  holidays=days_off),
        pandas_hour=pd.offsets.CustomBusinessHour(start="09:00", end="18:00",
                                                  holidays=sorted(days_off)),
    )


@dataclass(frozen=True)
class Case:
    setup: Setup
    start: datetime  # UTC, whole minutes
    minutes: int  # business minutes, 1 to five business days


def make_cases(rng: random.Random, count: int, setups: Sequence[Setup]) -> list[Case]:
    """Starts spread over 2024-2026 (so across DST changes and holidays); one in ten exactly
    at a local opening or closing time, where libraries disagree most."""
    cases = []
    for _ in range(count):
        setup = rng.choice(setups)
        start = FIRST_START + timedelta(minutes=rng.randrange(START_MINUTES))
        if rng.random() < 0.1:
            local = start.astimezone(setup.zone)
            edge = datetime.combine(local.date(), rng.choice((OPENS, CLOSES)), tzinfo=setup.zone)
            start = edge.astimezone(UTC)
        cases.append(Case(setup, start, rng.randint(1, 5 * BUSINESS_DAY)))
    return cases


# --- The three ways to a deadline --------------------------------------------------------


def escalada_deadline(case: Case) -> datetime:
    return deadline(case.start, case.minutes, case.setup.calendar)


def _wall(moment: datetime, zone: ZoneInfo) -> datetime:
    """What a user hands a naive-datetime library: the local wall clock."""
    return moment.astimezone(zone).replace(tzinfo=None)


def _instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """A naive local answer back to an instant, as a user would: attach the zone."""
    return wall.replace(tzinfo=zone).astimezone(UTC)


def businesstime_deadline(case: Case) -> datetime:
    """businesstime only measures (businesstime_hours between two datetimes): the deadline is
    the first whole minute at which it counts the target, found by doubling then bisection."""
    measure = case.setup.businesstime.businesstime_hours
    begin, target = _wall(case.start, case.setup.zone), timedelta(minutes=case.minutes)
    low, high = 0, (case.minutes // BUSINESS_DAY + 2) * 24 * 60  # minutes after begin
    while measure(begin, begin + timedelta(minutes=high)) < target:
        low, high = high, high * 2
    while high - low > 1:  # measure(low) < target <= measure(high)
        middle = (low + high) // 2
        if measure(begin, begin + timedelta(minutes=middle)) < target:
            low = middle
        else:
            high = middle
    return _instant(begin + timedelta(minutes=high), case.setup.zone)


def pandas_deadline(case: Case) -> datetime:
    """CustomBusinessHour counts whole hours (n); the remaining minutes are added on the
    wall clock and carried to the next opening when they run past the close."""
    hour = case.setup.pandas_hour
    hours, rest = divmod(case.minutes, 60)
    due = pd.Timestamp(_wall(case.start, case.setup.zone)) + hour * hours  # n=0 rolls forward
    if rest:
        close = due.normalize() + pd.Timedelta(hours=CLOSES.hour)
        due += pd.Timedelta(minutes=rest)
        if due > close:
            due = hour.rollforward(due) + (due - close)
    return _instant(due.to_pydatetime(), case.setup.zone)


PEERS: dict[str, Callable[[Case], datetime]] = {
    "businesstime": businesstime_deadline,
    "pandas": pandas_deadline,
}


# --- Why a peer differs ------------------------------------------------------------------


@dataclass
class Cause:
    count: int = 0
    examples: list[str] = field(default_factory=list)


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%a %Y-%m-%d %H:%M %Z")


def describe(case: Case, ours: datetime, theirs: datetime, peer: str) -> str:
    zone = case.setup.zone
    off = theirs - ours
    sign = "+" if off >= timedelta() else "-"
    return (f"{case.setup.label}: {_local(case.start, zone)} + {case.minutes} min -> "
            f"escalada {_local(ours, zone)}, {peer} {_local(theirs, zone)} "
            f"({sign}{abs(off)})")


def _days(case: Case, *moments: datetime) -> list[date]:
    zone = case.setup.zone
    first = case.start.astimezone(zone).date()
    last = max(moment.astimezone(zone).date() for moment in moments)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _close(one: datetime, other: datetime) -> bool:
    return abs(one - other) < TOLERANCE


_variants: dict[tuple[str, bool, bool], BusinessCalendar] = {}


def _variant(setup: Setup, *, moved: bool, wall_clock: bool) -> BusinessCalendar:
    """escalada's calendar with peer limitations built in: without the moved working days
    (they become days off) and/or on the wall clock (the zone's local dates and hours, as UTC)."""
    key = (setup.spec.key, moved, wall_clock)
    if key not in _variants:
        spec = CalendarSpec.weekly(
            timezone="UTC" if wall_clock else setup.spec.timezone, country=setup.country,
            subdivision=setup.spec.subdivision,
            overrides=dict.fromkeys(setup.moved_working_days, ()) if moved else None)
        _variants[key] = BusinessCalendar(spec)
    return _variants[key]


def explain(peer: str, case: Case, ours: datetime, theirs: datetime) -> tuple[str, str]:
    """The cause of one difference, and a detail for its example.

    A cause is proven, not guessed: escalada's answer recomputed with the peer's limitation
    built in must give the peer's answer, or the peer must be caught measuring wrongly, on the
    very case. Limitations combine (a moved working day, then a peer bug). UNEXPLAINED when
    nothing fits.
    """
    setup = case.setup
    found = _peer_defect(peer, case, ours, theirs, moved=False)
    if found is not None:
        return f"{peer}: {found[0]}", found[1]
    saturdays = [day for day in _days(case, ours, theirs) if day in setup.moved_working_days]
    if saturdays:
        moved = ("no government-moved working days (a working Saturday is a day off)",
                 f"{setup.country} working " + ", ".join(f"{d:%a %Y-%m-%d}" for d in saturdays))
        without = deadline(case.start, case.minutes, _variant(setup, moved=True, wall_clock=False))
        if _close(without, theirs):
            return f"{peer}: {moved[0]}", moved[1]
        found = _peer_defect(peer, case, without, theirs, moved=True)
        if found is not None:
            return f"{peer}: {moved[0]} + {found[0]}", f"{moved[1]}; {found[1]}"
    return f"UNEXPLAINED ({peer})", ""


def _peer_defect(
    peer: str, case: Case, ours: datetime, theirs: datetime, *, moved: bool
) -> tuple[str, str] | None:
    """A peer defect (other than the moved working days) that turns `ours`, escalada's answer
    on its calendar (`moved`: without the moved working days), into `theirs`."""
    setup, zone = case.setup, case.setup.zone
    begin, due, late = _wall(case.start, zone), _wall(ours, zone), _wall(theirs, zone)
    calendar = _variant(setup, moved=moved, wall_clock=False)
    if peer == "pandas" and due.time() == CLOSES and _close(deadline(ours, 0, calendar), theirs):
        return ("a deadline at exactly closing time is moved to the next opening",
                f"due at the close, {due:%a %H:%M}")
    if peer == "businesstime" and _after_hours_dip(case, due, late):
        measure = setup.businesstime.businesstime_hours
        before, evening = due - timedelta(minutes=1), datetime.combine(due.date(), CLOSES)
        return ("from a start after closing time, businesstime_hours counts 0 up to any end "
                "from the next business day's close to midnight; the search overshoots to "
                "that midnight",
                f"businesstime_hours({begin:%a %H:%M}, {before:%a %H:%M}) = "
                f"{measure(begin, before)}, ({begin:%a %H:%M}, {evening:%a %H:%M}) = "
                f"{measure(begin, evening)}")
    by_wall = deadline(begin.replace(tzinfo=UTC), case.minutes,
                       _variant(setup, moved=moved, wall_clock=True))
    if _close(_instant(by_wall.replace(tzinfo=None), zone), theirs):
        return ("naive wall clock across a DST change",
                f"UTC offset {case.start.astimezone(zone):%z} at the start, "
                f"{theirs.astimezone(zone):%z} at the peer's deadline")
    return None


def _after_hours_dip(case: Case, due: datetime, late: datetime) -> bool:
    """businesstime's bug, checked on the case: the start is after closing time on a business
    day; businesstime agrees with escalada a minute before escalada's deadline, yet counts
    nothing at that day's close; and its answer is the midnight after."""
    businesstime = case.setup.businesstime
    begin, target = _wall(case.start, case.setup.zone), timedelta(minutes=case.minutes)
    before = due - timedelta(minutes=1)
    return (begin.time() >= CLOSES and businesstime.isbusinessday(begin)
            and abs(businesstime.businesstime_hours(begin, before)
                    - (target - timedelta(minutes=1))) < TOLERANCE
            and businesstime.businesstime_hours(begin, datetime.combine(due.date(), CLOSES))
            == timedelta()
            and late == datetime.combine(due.date() + timedelta(days=1), clock()))


# --- Timing and the report -----------------------------------------------------------------


@dataclass
class Run:
    name: str
    answers: list[Any]
    best: float
    median: float


def timed(name: str, work: Callable[[Any], Any], items: Sequence[Any], repeat: int) -> Run:
    """`repeat` passes over all items; the best pass is the machine's speed with the least
    interference (timeit's convention), the median is shown beside it."""
    passes, answers = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        answers = [work(item) for item in items]
        passes.append(time.perf_counter() - started)
    return Run(name, answers, min(passes), statistics.median(passes))


def measures_per_search(cases: Sequence[Case]) -> float:
    """How many businesstime_hours calls one businesstime deadline takes, on average."""
    calls = 0

    def counted(measure: Callable[[datetime, datetime], timedelta]) -> Callable[..., timedelta]:
        def count(begin: datetime, end: datetime) -> timedelta:
            nonlocal calls
            calls += 1
            return measure(begin, end)
        return count

    setups = {id(case.setup): case.setup for case in cases}.values()
    for setup in setups:  # an instance attribute hides the method for this one pass
        setup.businesstime.businesstime_hours = counted(setup.businesstime.businesstime_hours)
    try:
        for case in cases:
            businesstime_deadline(case)
    finally:
        for setup in setups:
            del setup.businesstime.businesstime_hours
    return calls / max(len(cases), 1)


def compare(runs: Sequence[Run], cases: Sequence[Case], examples: int
            ) -> tuple[dict[str, int], dict[str, Cause]]:
    """How many of each peer's answers differ from escalada's (the first run), and why."""
    ours = runs[0]
    differing: dict[str, int] = {}
    causes: dict[str, Cause] = {}
    for run in runs[1:]:
        differing[run.name] = 0
        for case, mine, theirs in zip(cases, ours.answers, run.answers, strict=True):
            if _close(mine, theirs):
                continue
            differing[run.name] += 1
            text, detail = explain(run.name, case, mine, theirs)
            cause = causes.setdefault(text, Cause())
            cause.count += 1
            if len(cause.examples) < examples:
                example = describe(case, mine, theirs, run.name)
                cause.examples.append(f"{example}; {detail}" if detail else example)
    return differing, causes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--inputs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1042)
    parser.add_argument("--repeat", type=int, default=3, help="passes per row; the best counts")
    parser.add_argument("--examples", type=int, default=1, help="examples shown per cause")
    options = parser.parse_args()
    setups = [make_setup(*calendar) for calendar in CALENDARS]
    cases = make_cases(random.Random(options.seed), options.inputs, setups)
    for case in cases:  # warm the calendars' day spans, as in a long-running process
        escalada_deadline(case)
    gc.collect()
    gc.freeze()  # the inputs live all run long: collections should only see the work's garbage

    ours = timed("escalada", escalada_deadline, cases, options.repeat)
    runs = [ours] + [timed(name, work, cases, options.repeat) for name, work in PEERS.items()]
    # A floor, not a deadline: one businesstime_hours call per input, from the start to
    # escalada's deadline, on naive wall clocks made beforehand.
    walls = [(case.setup.businesstime.businesstime_hours, _wall(case.start, case.setup.zone),
              _wall(due, case.setup.zone)) for case, due in zip(cases, ours.answers, strict=True)]
    floor = timed("businesstime_hours, 1 call", lambda w: w[0](w[1], w[2]), walls,
                  options.repeat)
    differing, causes = compare(runs, cases, options.examples)

    console = Console(width=130)
    table = Table(title=f"business-hours deadlines (seed {options.seed}, one core)",
                  caption=f"{len(cases):,} inputs, 1 to {5 * BUSINESS_DAY:,} business minutes, "
                          "09:00-18:00 Mon-Fri in " + ", ".join(s.label for s in setups)
                          + f". businesstime has no deadline call: its deadline is a search "
                          f"taking {measures_per_search(cases):.1f} businesstime_hours calls "
                          "on average; the last row is one call alone (a floor, no deadline).")
    for column in ("library", "seconds", "per second", "vs escalada", "differ from escalada"):
        table.add_column(column, justify="left" if column == "library" else "right")
    for run in [*runs, floor]:
        ratio = "-" if run is ours else f"{run.best / ours.best:,.1f}x slower"
        differ = (f"{differing[run.name]:,} of {len(cases):,}" if run.name in differing
                  else "-")
        table.add_row(run.name, f"{run.best:.3f} best, {run.median:.3f} median of "
                      f"{options.repeat}", f"{len(cases) / run.best:,.0f}/s", ratio, differ)
    console.print(table)

    console.print("\nDifferences from escalada by cause (count, then an example):")
    order = sorted(causes.items(), key=lambda item: (
        not item[0].startswith("UNEXPLAINED"), item[0].split(":")[0], -item[1].count, item[0]))
    for text, cause in order:
        console.print(f"  {cause.count:6,}  {text}", highlight=False)
        for example in cause.examples:
            console.print(f"          e.g. {example}", highlight=False)
    if not causes:
        console.print("  none")

    speedup = runs[1].best / ours.best
    verdict = "PASS" if speedup >= SPEEDUP_GOAL else "MISS"
    console.print(f"\nGoal: escalada at least {SPEEDUP_GOAL}x faster than businesstime: "
                  f"{speedup:,.1f}x, {verdict} (one businesstime_hours call alone: "
                  f"{floor.best / ours.best:,.1f}x)", highlight=False)
    report("calendar", "business-hours deadlines, escalada against businesstime",
           round(speedup, 1), "x", f">= {SPEEDUP_GOAL}x faster", speedup >= SPEEDUP_GOAL,
           f"{len(cases) / ours.best:,.0f} deadlines/s, best of {options.repeat}")
    unexplained = sum(c.count for text, c in causes.items() if text.startswith("UNEXPLAINED"))
    if unexplained:
        console.print(f"{unexplained:,} differences UNEXPLAINED (listed first above): "
                      "investigate before trusting the numbers", highlight=False)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
