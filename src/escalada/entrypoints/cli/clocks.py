"""`escalada calendar ...`, `escalada sla ...`, `escalada timers ...` and `escalada worker`:
the clocks and the work that runs on them."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import typer

from escalada.entrypoints.cli.output import (
    FORMAT_OPTION,
    Format,
    actor,
    bare_context,
    console,
    context,
    emit_json,
    long_running,
    parse_time,
    read_json,
)
from escalada.entrypoints.cli.paging import ALL_OPTION, CURSOR_OPTION, LIMIT_OPTION, print_pages
from escalada.entrypoints.cli.words import ntr, tr

if TYPE_CHECKING:
    from escalada.domain.business_calendar import CalendarSpec
    from escalada.services.context import Context

calendar_app = typer.Typer(help="Business calendars accounts run their SLA clocks on.",
                           no_args_is_help=True)
sla_app = typer.Typer(help="SLA arithmetic on calendars, and recomputing open cases' clocks.",
                      no_args_is_help=True)
timers_app = typer.Typer(help="Durable timers: what is due, what fired, what is overdue.",
                         no_args_is_help=True)

TIMEZONE = typer.Option(None, "--timezone", help="IANA zone of the business hours")
COUNTRY = typer.Option(None, "--country", help="public holidays of this ISO country, e.g. RU")
SUBDIVISION = typer.Option(None, "--subdivision", help="state or region holidays, e.g. NY")
HOURS = typer.Option(None, "--hours", help="local hours, e.g. 09:00-18:00 (repeat for a split day)")
DAYS = typer.Option(None, "--days", help="working weekdays, e.g. mon-fri or sun-thu")
PAUSE = typer.Option(None, "--pause", help="a pause FROM/TO in ISO 8601 (repeatable)")
CALENDAR = typer.Option("24x7", "--calendar",
                        help="24x7, business (with --timezone ...) or a stored calendar's name")


def _date(value: str, option: str) -> date:
    from escalada.domain.errors import InvalidInput
    from escalada.domain.validation import YEARS, in_years

    try:
        day = date.fromisoformat(value)
    except ValueError as error:
        raise InvalidInput.of(option, "{value!r} is not a date like 2026-11-26",
                              value=value) from error
    if not in_years(day):
        raise InvalidInput.of(option, YEARS)
    return day


def _overrides(values: list[str] | None) -> dict[str, list[str]]:
    """'2024-12-28=off', '2024-11-02=09:00-18:00', '2024-11-01=09:00-17:00,18:00-19:00'."""
    from escalada.domain.errors import InvalidInput

    result: dict[str, list[str]] = {}
    for value in values or []:
        day, sep, hours = value.partition("=")
        if not sep:
            raise InvalidInput.of("--override", "{value!r} is not DATE=off or DATE=HH:MM-HH:MM",
                                  value=value)
        _date(day.strip(), "--override")
        result[day.strip()] = [] if hours.strip() == "off" else hours.split(",")
    return result


def _spec(name: str, timezone: str | None, country: str | None, subdivision: str | None,
          hours: list[str] | None, days: str | None,
          overrides: list[str] | None = None) -> CalendarSpec:
    from escalada.services.calendars import calendar_spec

    return calendar_spec(name=name, timezone=timezone, country=country, subdivision=subdivision,
                         hours=hours, days=days, overrides=_overrides(overrides))


def _pauses(values: list[str] | None) -> list[tuple[datetime, datetime]]:
    from escalada.domain.errors import InvalidInput

    pauses = []
    for value in values or []:
        start, sep, end = value.partition("/")
        if not sep:
            raise InvalidInput.of("--pause", "{value!r} is not FROM/TO", value=value)
        first, last = parse_time(start, "--pause"), parse_time(end, "--pause")
        assert first is not None and last is not None
        pauses.append((first, last))
    return pauses


def _math_context(calendar: str) -> Context:
    """SLA arithmetic on 24x7 or a calendar given inline is math: no user needed. A
    stored calendar is data, read as the acting user."""
    return bare_context() if calendar in ("24x7", "business") else context()


@calendar_app.command("add")
def calendar_add(
    name: str = typer.Argument(..., help="lower-case name, e.g. moscow-office"),
    timezone: str = TIMEZONE,
    country: str = COUNTRY,
    subdivision: str = SUBDIVISION,
    hours: list[str] = HOURS,
    days: str = DAYS,
    override: list[str] = typer.Option(
        None, "--override",
        help="DATE=off (extra day off) or DATE=HH:MM-HH:MM (extra working or shortened day)"),
    file: str = typer.Option(None, "--file", help="the whole calendar as JSON (or - for stdin)"),
    replace: bool = typer.Option(False, "--replace", help="change the calendar if it exists"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Store a named business calendar."""
    from escalada.entrypoints.cli.render import calendar_table
    from escalada.services.calendars import add_calendar, calendar_spec

    if file is not None:
        spec = calendar_spec(name=name, document={**read_json(file, "--file"), "name": name})
    else:
        spec = _spec(name, timezone, country, subdivision, hours, days, override)
    view = add_calendar(ctx=context(), actor=actor(), spec=spec, replace=replace)
    if fmt is Format.json:
        emit_json(view)
        return
    calendar_table(view)
    if replace and view.accounts:
        console().print(ntr("{count} account uses it: run `escalada sla recompute` to move its "
                            "open cases' clocks.",
                            "{count} accounts use it: run `escalada sla recompute` to move "
                            "their open cases' clocks.", view.accounts))


@calendar_app.command("list")
def calendar_list(
    limit: int = LIMIT_OPTION, cursor: str = CURSOR_OPTION, every: bool = ALL_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """List the stored calendars by name, a page at a time."""
    from escalada.entrypoints.cli.render import calendars_table
    from escalada.services.calendars import calendar_page

    print_pages(calendar_page, {"ctx": context(), "limit": limit, "cursor": cursor},
                every=every, fmt=fmt, table=calendars_table,
                empty=tr("no calendars"))


@calendar_app.command("show")
def calendar_show(
    name: str = typer.Argument(...),
    start: str = typer.Option(None, "--from", help="first local day shown (default: today)"),
    days: int = typer.Option(14, "--days", help="how many days to show"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Show a calendar and its working hours, holidays and overrides day by day."""
    from escalada.entrypoints.cli.render import calendar_table
    from escalada.services.calendars import show_calendar

    view = show_calendar(ctx=context(), name=name,
                         start=None if start is None else _date(start, "--from"), days=days)
    emit_json(view) if fmt is Format.json else calendar_table(view)


def _sla_calendar(calendar: str, timezone: str | None, country: str | None,
                  subdivision: str | None, hours: list[str] | None,
                  days: str | None) -> CalendarSpec | None:
    if calendar != "business":
        return None
    from escalada.domain.errors import InvalidInput

    if timezone is None:
        raise InvalidInput.of("--timezone", "a business calendar needs its time zone")
    return _spec("business", timezone, country, subdivision, hours, days)


@sla_app.command("deadline")
def sla_deadline(
    start: str = typer.Option(..., "--start", help="ISO 8601 time with offset"),
    minutes: float = typer.Option(..., "--minutes", help="calendar minutes to add"),
    calendar: str = CALENDAR,
    timezone: str = TIMEZONE,
    country: str = COUNTRY,
    subdivision: str = SUBDIVISION,
    hours: list[str] = HOURS,
    days: str = DAYS,
    pause: list[str] = PAUSE,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """When N calendar minutes after START run out."""
    from escalada.services.calendars import sla_deadline as deadline

    view = deadline(ctx=_math_context(calendar), start=parse_time(start, "--start"),  # type: ignore[arg-type]
                    minutes=minutes, calendar=calendar, pauses=_pauses(pause),
                    spec=_sla_calendar(calendar, timezone, country, subdivision, hours, days))
    if fmt is Format.json:
        emit_json({"due_at": view.due_at.isoformat(), "calendar": view.calendar,
                   "start": view.start.isoformat(), "minutes": view.minutes})
    else:
        console().print(view.due_at.isoformat())


@sla_app.command("elapsed")
def sla_elapsed(
    start: str = typer.Option(..., "--start", help="ISO 8601 time with offset"),
    end: str = typer.Option(..., "--end", help="ISO 8601 time with offset"),
    calendar: str = CALENDAR,
    timezone: str = TIMEZONE,
    country: str = COUNTRY,
    subdivision: str = SUBDIVISION,
    hours: list[str] = HOURS,
    days: str = DAYS,
    pause: list[str] = PAUSE,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Calendar minutes between START and END."""
    from escalada.services.calendars import sla_elapsed as elapsed

    view = elapsed(ctx=_math_context(calendar), start=parse_time(start, "--start"),  # type: ignore[arg-type]
                   end=parse_time(end, "--end"), calendar=calendar,  # type: ignore[arg-type]
                   pauses=_pauses(pause),
                   spec=_sla_calendar(calendar, timezone, country, subdivision, hours, days))
    if fmt is Format.json:
        emit_json({"minutes": view.minutes, "calendar": view.calendar,
                   "start": view.start.isoformat(), "end": view.end.isoformat()})
    else:
        console().print(f"{view.minutes:g}")


@sla_app.command("recompute")
def sla_recompute(
    account: str = typer.Option(None, "--account", help="only this account's open cases"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Put open cases on the current policy and calendars, and re-plan their timers."""
    from rich.progress import Progress

    from escalada.services.sla import recompute

    with Progress(console=console(stderr=True), transient=True,
                  disable=fmt is Format.json) as bar:
        task = bar.add_task(tr("recomputing SLA clocks"), total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = recompute(ctx=context(), actor=actor(), account=account, progress=progress)
    if fmt is Format.json:
        emit_json(result)
        return
    moved = f": {', '.join(result.moved)}" if result.moved else ""
    console().print(ntr("{count} open case recomputed; due times moved on {moved}{cases}",
                        "{count} open cases recomputed; due times moved on {moved}{cases}",
                        result.cases, moved=len(result.moved), cases=moved))
    if result.conflicts:
        console().print(tr("changed meanwhile (re-planned by that change): {cases}",
                           cases=", ".join(result.conflicts)))


@timers_app.command("status")
def timers_status(
    check: bool = typer.Option(False, "--check", help="exit 1 when timers are overdue"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """The auditor: counts by state and the timers overdue by more than a minute."""
    from escalada.entrypoints.cli.render import timers_status_table
    from escalada.services.timer_views import timers_status as status

    view = status(ctx=context())
    emit_json(view) if fmt is Format.json else timers_status_table(view)
    if check and view.overdue:
        raise typer.Exit(1)


@timers_app.command("list")
def timers_list(
    case: str = typer.Option(None, "--case", help="only this case's timers"),
    state: str = typer.Option(None, "--state", help="pending, fired, dropped or failed"),
    kind: str = typer.Option(None, "--kind", help="only timers of this kind, e.g. reminder"),
    limit: int = LIMIT_OPTION, cursor: str = CURSOR_OPTION, every: bool = ALL_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Timers in due order (a page; the next page's --cursor on stderr)."""
    from escalada.entrypoints.cli.render import timers_table
    from escalada.services.timer_views import timer_page

    print_pages(timer_page, {"ctx": context(), "case": case, "state": state, "kind": kind,
                             "limit": limit, "cursor": cursor},
                every=every, fmt=fmt, table=timers_table,
                empty=tr("no timers"))


def worker(
    once: bool = typer.Option(False, "--once", help="fire what is due now, then exit"),
    concurrency: int = typer.Option(1, "--concurrency", min=1, max=64,
                                    help="workers in this process (one on SQLite)"),
    batch: int = typer.Option(50, "--batch", min=1, max=10_000,
                              help="timers (and deliveries) claimed at a time; timers fire "
                                   "in one transaction per 50"),
    lease: float = typer.Option(60.0, "--lease", min=1,
                                help="seconds a claim holds before another worker may take it"),
    idle: float = typer.Option(0.5, "--idle", min=0.01,
                               help="longest rest when nothing is due (it wakes for the next "
                                    "timer it knows of)"),
) -> None:
    """Run workers that fire due timers (SLA thresholds, response deadlines, reminders)."""
    import signal
    from datetime import timedelta

    from escalada.entrypoints import logs
    from escalada.entrypoints.worker import Pool

    logs.configure()
    pool = Pool(bare_context(), concurrency=concurrency, batch=batch,
                lease=timedelta(seconds=lease), idle=idle)
    if once:
        fired = pool.drain()
        # The English stays "timer(s)": scripts and tests read the count from this line.
        console(stderr=True).print(ntr("{count} timer(s) fired", "{count} timer(s) fired",
                                       fired))
        return
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: pool.stop.set())
    long_running()
    pool.start()
    while not pool.stop.wait(0.5):
        pass
    pool.shutdown()
