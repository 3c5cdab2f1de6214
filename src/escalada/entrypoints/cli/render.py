"""Rich renderings of accounts, cases, evaluations and timelines."""

from __future__ import annotations

from rich.table import Table

from escalada.entrypoints.cli.output import console, when
from escalada.services.views import (
    AccountView,
    CaseSummaryView,
    CaseView,
    EvaluationView,
    TimelineEntryView,
)


def evaluation_table(result: EvaluationView, timezone: str | None = None) -> None:
    out = console()
    sla = Table(title=f"{result.case} at {when(result.at)}: SLA", title_justify="left")
    for column in ("target", "due", "consumed", "state"):
        sla.add_column(column)
    for clock in result.sla:
        state = "BREACHED" if clock.breached else ("paused" if clock.paused else "running")
        sla.add_row(clock.target, when(clock.due_at, timezone), f"{clock.consumed:.0%}", state)
    out.print(sla)
    if not result.recommendations:
        out.print("No escalation recommended.")
    for r in result.recommendations:
        out.print(
            f"[bold]Recommend {r.track} {r.from_ or 'none'} -> {r.to}[/bold] "
            f"(respond within {r.respond_within_minutes} min): {', '.join(r.criteria)}"
        )
        if r.handoff_required:
            out.print(f"  handoff required: {', '.join(r.handoff_required)}")


def case_panel(view: CaseView) -> None:
    out, case = console(), view.snapshot
    out.print(f"[bold]{case.id}[/bold] {view.title}  (version {view.version})")
    out.print(
        f"account {case.account.id} ({case.account.tier}, {case.account.support_plan})  "
        f"severity {case.severity}  status {case.status}  tier {case.tier}  "
        f"executive {case.exec_level or '—'}"
    )
    zone = case.account.timezone
    out.print(f"opened {when(case.opened_at, zone)}  "
              f"first response {when(case.first_response_at, zone)}")
    if case.flags:
        out.print(f"flags: {', '.join(sorted(case.flags))}")
    if case.services:
        out.print(f"services: {', '.join(case.services)}")
    for step in view.escalations:
        ack = f"acknowledged by {step.acknowledged_by}" if step.acknowledged_by else (
            f"due {when(step.response_due_at)}" if step.response_due_at else "")
        out.print(f"  step {step.step}: {step.track} {step.from_ or 'none'} -> "
                  f"{step.to or 'none'} {ack}")
    timeline_table(view.timeline, title="Latest on the timeline")
    evaluation_table(view.evaluation, zone)


def timeline_table(entries: list[TimelineEntryView], title: str = "Timeline") -> None:
    table = Table(title=title, title_justify="left")
    for column in ("when", "who", "what", "why"):
        table.add_column(column)
    for entry in entries:
        table.add_row(when(entry.at), entry.actor, entry.summary, entry.reason or "")
    console().print(table)


def cases_table(rows: list[CaseSummaryView]) -> None:
    table = Table()
    for column in ("case", "account", "sev", "status", "tier", "exec", "opened", "title"):
        table.add_column(column)
    for c in rows:
        table.add_row(c.id, c.account, c.severity, c.status, c.tier, c.exec_level or "—",
                      when(c.opened_at), c.title)
    console().print(table)


def accounts_table(rows: list[AccountView]) -> None:
    table = Table()
    for column in ("id", "name", "tier", "plan", "timezone", "lang", "health"):
        table.add_column(column)
    for a in rows:
        health = "—" if a.health_score is None else f"{a.health_score:g}"
        table.add_row(a.id, a.name, a.tier, a.support_plan, a.timezone, a.language, health)
    console().print(table)
