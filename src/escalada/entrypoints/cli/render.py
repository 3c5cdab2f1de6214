"""Rich renderings of accounts, cases, evaluations and timelines."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table

from escalada.entrypoints.cli.output import console, styled, when
from escalada.entrypoints.cli.words import (
    money,
    named,
    ntr,
    number,
    plan_name,
    policy_said,
    speaking,
    tier_name,
    tr,
)
from escalada.services.views import (
    AccountView,
    CalendarView,
    CaseView,
    EvaluationView,
    TimelineEntryView,
    TimersStatusView,
    TimerView,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from escalada.services.knowledge_base import KbHit
    from escalada.services.views import IncidentLink


def evaluation_table(result: EvaluationView, timezone: str | None = None) -> None:
    out = console()
    sla = Table(title=tr("{case} at {at}: SLA", case=result.case, at=when(result.at)),
                title_justify="left")
    for column in (tr("target"), tr("due"), tr("consumed"), tr("state")):
        sla.add_column(column)
    for clock in result.sla:
        state = tr("BREACHED") if clock.breached else (
            tr("paused") if clock.paused else tr("running"))
        sla.add_row(named(clock.target), when(clock.due_at, timezone),
                    f"{clock.consumed:.0%}", state)
    out.print(sla)
    if not result.recommendations:
        out.print(tr("No escalation recommended."))
    for r in result.recommendations:
        out.print(styled(
            (tr("Recommend {track} {start} -> {to}", track=named(r.track),
                start=named(r.from_) if r.from_ else tr("none"), to=named(r.to)), "bold"),
            " " + ntr("(respond within {count} min)", "(respond within {count} min)",
                      r.respond_within_minutes) + f": {criteria_named(r.criteria)}",
        ))
        if r.handoff_required:
            out.print(tr("  handoff required: {items}",
                         items=", ".join(named(item) for item in r.handoff_required)))


def criteria_named(criteria: list[str]) -> str:
    """Criteria by the policy's words in the reader's language, each with its id (what
    `--flag` takes) in brackets; one without words by its id alone."""
    from escalada.entrypoints.cli.output import bare_context

    policy = bare_context().policy()
    shown = []
    for criterion in criteria:
        words = policy_said(policy.described(criterion))
        shown.append(f"{words} [{criterion}]" if words else criterion)
    return ", ".join(shown)


def case_panel(view: CaseView) -> None:
    out, case = console(), view.snapshot
    out.print(styled((case.id, "bold"), " " + tr("{title}  (version {version})",
                                                 title=view.title, version=view.version)))
    out.print(tr("account {account} ({tier}, {plan})  severity {severity}  status {status}  "
                 "tier {case_tier}  executive {level}", account=case.account.id,
                 tier=tier_name(case.account.tier), plan=plan_name(case.account.support_plan),
                 severity=case.severity, status=named(case.status), case_tier=named(case.tier),
                 level=case.exec_level or tr("none")))
    zone = case.account.timezone
    out.print(tr("opened {opened}  first response {responded}",
                 opened=when(case.opened_at, zone), responded=when(case.first_response_at, zone)))
    if case.flags:
        out.print(tr("flags: {flags}", flags=criteria_named(sorted(case.flags))))
    if case.services:
        out.print(tr("services: {services}", services=", ".join(case.services)))
    for step in view.escalations:
        if step.acknowledged_by and step.acknowledged_on_behalf_of:
            ack = tr("acknowledged by {name} on behalf of {other}", name=step.acknowledged_by,
                     other=step.acknowledged_on_behalf_of)
        elif step.acknowledged_by:
            ack = tr("acknowledged by {name}", name=step.acknowledged_by)
        else:
            ack = tr("due {due}", due=when(step.response_due_at)) if step.response_due_at else ""
        out.print(tr("  step {step}: {track} {start} -> {to} {ack}", step=step.step,
                     track=named(step.track), start=step.from_ or tr("none"),
                     to=step.to or tr("none"), ack=ack))
    timeline_table(view.timeline, title=tr("Latest on the timeline"))
    evaluation_table(view.evaluation, zone)


def similar_list(hits: list[KbHit]) -> None:
    """Similar past escalations under a case (`case show`); nothing when there are none."""
    if not hits:
        return
    out = console()
    out.print(tr("similar past escalations (`escalada kb search` finds more):"), markup=False)
    for hit in hits:
        out.print(f"  {hit.case} {named(hit.kind)}: {hit.title} — {hit.excerpt}", markup=False)


def incident_lines(links: list[IncidentLink]) -> None:
    """The platform incidents a case is linked to (`case show`); nothing when none."""
    out = console()
    for link in links:
        out.print(tr("platform incident {incident}: {title} ({status}, {accounts} accounts)",
                     incident=link.id, title=link.title, status=named(link.status, "incident"),
                     accounts=link.accounts), markup=False)
        if link.resolution_proposed:
            out.print(tr("  the incident is resolved: resolving this case is proposed "
                         "(escalada incident resolve-cases {incident})", incident=link.id),
                      markup=False)


def timeline_table(entries: Sequence[TimelineEntryView], title: str | None = None) -> None:
    table = Table(title=tr("Timeline") if title is None else title, title_justify="left")
    for column in (tr("when"), tr("who"), tr("what"), tr("why")):
        table.add_column(column)
    language = speaking()
    for entry in entries:
        table.add_row(when(entry.at), entry.actor, entry.summary_in(language),
                      entry.reason_in(language) or "")
    console().print(table)


def accounts_table(rows: Sequence[AccountView]) -> None:
    """Accounts; listed (with their standing), the health column has its band and trend."""
    table = Table()
    for column in (tr("id"), tr("name"), tr("account tier"), tr("plan"), tr("timezone"),
                   tr("country"), tr("calendar"), tr("lang"), tr("health"), tr("fee/month")):
        table.add_column(column)
    for a in rows:
        health = "—" if a.health_score is None else number(a.health_score)
        band, trend = getattr(a, "health_band", None), getattr(a, "health_trend", None)
        if band is not None:
            health += f" {named(band)}" + {"up": " ↑", "down": " ↓", "flat": " →"}.get(
                trend or "", "")
        calendar = a.calendar.name if a.calendar else tr("policy hours")
        table.add_row(a.id, a.name, tier_name(a.tier), plan_name(a.support_plan), a.timezone,
                      a.country or "—", calendar, a.language, health, money(a.monthly_fee_usd))
    console().print(table)


def calendars_table(rows: list[CalendarView]) -> None:
    table = Table()
    for column in (tr("name"), tr("timezone"), tr("holidays"), tr("week"), tr("overrides"),
                   tr("accounts")):
        table.add_column(column)
    for row in rows:
        spec = row.spec
        holidays = f"{spec.country}-{spec.subdivision}" if spec.subdivision else spec.country
        week = "; ".join(f"{weekday(day)} {' '.join(hours)}" for day, hours in spec.week.items())
        table.add_row(spec.name, spec.timezone, holidays or tr("none"), week,
                      str(len(spec.overrides)), str(row.accounts))
    console().print(table)


def calendar_table(view: CalendarView) -> None:
    calendars_table([view])
    if view.spec.overrides:
        overrides = Table(title=tr("Overrides"))
        overrides.add_column(tr("date"))
        overrides.add_column(tr("hours"))
        for day, hours in view.spec.overrides.items():
            overrides.add_row(day.isoformat(), " ".join(hours) or tr("day off"))
        console().print(overrides)
    if view.days:
        days = Table(title=tr("Days ({zone})", zone=view.spec.timezone))
        for column in (tr("date"), tr("day"), tr("hours"), tr("why")):
            days.add_column(column)
        for shown in view.days:
            days.add_row(shown["date"], weekday(shown["weekday"]),
                         " ".join(shown["hours"]) or "—",
                         _why_the_day(shown["why"]))
        console().print(days)


_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def weekday(day: str) -> str:
    """A weekday id (`mon`, as --days and the JSON write it) as the reader abbreviates it
    ("mon", «пн»)."""
    from escalada.entrypoints.cli.words import language

    if day not in _WEEKDAYS or language() == "en":
        return day
    from babel.dates import get_day_names

    return str(get_day_names("abbreviated", locale=language())[_WEEKDAYS.index(day)])


def _why_the_day(why: str) -> str:
    """The calendar's reason for a day's hours (business_calendar: day) in the reader's
    words; a holiday keeps its own name."""
    if why.startswith("holiday: "):
        return tr("holiday: {name}", name=why.removeprefix("holiday: "))
    return {"override": tr("override"), "moved working day": tr("moved working day"),
            "weekly": tr("weekly"), "weekly day off": tr("weekly day off")}.get(why, why)


def timers_status_table(view: TimersStatusView) -> None:
    table = Table(title=tr("Timers at {time}", time=when(view.at)))
    table.add_column("")
    table.add_column(tr("count"), justify="right")
    for state, count in view.counts.items():
        table.add_row(named(state), str(count))
    table.add_row(tr("due now"), str(view.due_now))
    table.add_row(tr("overdue > {seconds}s", seconds=view.overdue_after_seconds),
                  str(view.overdue))
    console().print(table)
    if view.overdue:
        console().print(tr("OVERDUE: {count} timer(s), the oldest due {time}: is a worker "
                           "running?", count=view.overdue,
                           time=when(view.oldest_overdue_due_at)))
    console().print(tr("next due: {time}", time=when(view.next_due_at)))


def timers_table(rows: list[TimerView]) -> None:
    table = Table()
    for column in (tr("id"), tr("case"), tr("kind"), tr("due"), tr("state"), tr("tries"),
                   tr("outcome")):
        table.add_column(column)
    language = speaking()
    for t in rows:
        table.add_row(str(t.id), t.case, named(t.kind), when(t.due_at), named(t.state),
                      str(t.attempts), t.outcome_in(language) or "")
    console().print(table)
