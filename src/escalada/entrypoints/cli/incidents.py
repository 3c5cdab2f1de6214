"""`escalada incident list|show|open|link|update|resolve|resolve-cases`: platform
incidents (outage storms across customers)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from escalada.entrypoints.cli.output import (
    FORMAT_OPTION,
    LABEL,
    NOTE,
    Format,
    actor,
    context,
    emit_json,
)
from escalada.entrypoints.cli.paging import ALL_OPTION, CURSOR_OPTION, LIMIT_OPTION, print_pages
from escalada.entrypoints.cli.words import tr

if TYPE_CHECKING:
    from escalada.services.incidents import IncidentSummary, IncidentUpdateView, IncidentView

app = typer.Typer(help="Platform incidents: an outage storm across customers as one record; "
                       "an update told to every linked customer in their language; resolving "
                       "it proposes resolving the cases.", no_args_is_help=True)

INCIDENT = typer.Argument(..., help="incident id, e.g. INC-7")
CASES = typer.Option([], "--case", help="a case id (repeatable)")


@app.command("list")
def list_(
    status: str = typer.Option(None, "--status", help="open or resolved"),
    service: str = typer.Option(None, "--service", help="only this service's, e.g. rds"),
    region: str = typer.Option(None, "--region", help="only this region's"),
    limit: int = LIMIT_OPTION, cursor: str = CURSOR_OPTION, every: bool = ALL_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Platform incidents, newest first (a page; the next page's --cursor on stderr)."""
    from escalada.services.incidents import incident_page

    print_pages(incident_page, {"ctx": context(), "status": status, "service": service,
                                "region": region, "limit": limit, "cursor": cursor},
                every=every, fmt=fmt, table=_incidents_table,
                empty=tr("no platform incidents"))


def _incidents_table(items: list[IncidentSummary]) -> None:
    from rich.table import Table

    from escalada.entrypoints.cli.output import console, when
    from escalada.entrypoints.cli.words import named, tr, trc

    table = Table(title=tr("platform incidents"), title_justify="left")
    for column in (tr("incident"), tr("service"), tr("region"), tr("status"), tr("accounts"),
                   tr("cases"), tr("opened"), trc("incident", "resolved")):
        table.add_column(column)
    for item in items:
        table.add_row(item.id, item.service, item.region, named(item.status, "incident"),
                      str(item.accounts),
                      str(item.cases), when(item.opened_at), when(item.resolved_at))
    console().print(table)


@app.command("show")
def show(incident_id: str = INCIDENT, fmt: Format = FORMAT_OPTION) -> None:
    """The incident: its cases, the flags it set, its updates, the resolutions it
    proposes."""
    from escalada.services.incidents import show_incident

    _show(show_incident(ctx=context(), incident_id=incident_id), fmt)


@app.command("open")
def open_(
    service: str = typer.Option(..., "--service", help="the service, e.g. rds",
                                callback=LABEL),
    region: str = typer.Option(..., "--region", help="the region, e.g. eu-central-1",
                               callback=LABEL),
    title: str = typer.Option(None, "--title", help="default: SERVICE in REGION",
                              callback=LABEL),
    case: list[str] = CASES,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Open an incident by hand (escalada opens one itself when a storm arrives)."""
    from escalada.services.incidents import open_incident

    _show(open_incident(ctx=context(), actor=actor(), service=service, region=region,
                        title=title, cases=case), fmt)


@app.command("link")
def link(incident_id: str = INCIDENT, case: list[str] = CASES,
         fmt: Format = FORMAT_OPTION) -> None:
    """Link open cases to the incident (each gets the flags it set)."""
    from escalada.services.incidents import link_cases

    _show(link_cases(ctx=context(), actor=actor(), incident_id=incident_id, cases=case), fmt)


@app.command("update")
def update(
    incident_id: str = INCIDENT,
    understanding: str = typer.Option(..., "--understanding", help="what we know",
                                      callback=NOTE),
    doing_now: str = typer.Option(..., "--doing-now", help="what we are doing",
                                  callback=NOTE),
    next_steps: str = typer.Option(..., "--next-steps", help="what comes next",
                                   callback=NOTE),
    status: str = typer.Option(None, "--status", help="INVESTIGATING (default), MITIGATING, "
                               "MONITORING or RESOLVED"),
    note: str = typer.Option(None, "--note", help="a line of your own", callback=NOTE),
    now: bool = typer.Option(False, "--now", help="try each delivery at once (default: the "
                             "workers send them)"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Tell every linked customer, each in their language; each delivery restarts that
    case's next-update clock on its own cadence."""
    from escalada.services.incident_updates import post_update

    view = post_update(ctx=context(), actor=actor(), incident_id=incident_id, status=status,
                       understanding=understanding, doing_now=doing_now,
                       next_steps=next_steps, note=note, deliver_now=now)
    if fmt is Format.json:
        emit_json(view)
        return
    _fan_out(view)


@app.command("resolve")
def resolve(
    incident_id: str = INCIDENT,
    resolution: str = typer.Option(None, "--resolution", help="what ended the outage",
                                   callback=NOTE),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Resolve the incident; resolving its open cases is proposed (`resolve-cases`)."""
    from escalada.services.incidents import resolve_incident

    _show(resolve_incident(ctx=context(), actor=actor(), incident_id=incident_id,
                           resolution=resolution), fmt)


@app.command("resolve-cases")
def resolve_cases(incident_id: str = INCIDENT, case: list[str] = CASES,
                  fmt: Format = FORMAT_OPTION) -> None:
    """Confirm the proposal: resolve the linked cases (all proposed, or those named)."""
    from escalada.services.incident_resolutions import confirm_resolutions

    done = confirm_resolutions(ctx=context(), actor=actor(), incident_id=incident_id,
                               cases=case or None)
    if fmt is Format.json:
        emit_json(done)
        return
    from escalada.entrypoints.cli.output import console
    from escalada.entrypoints.cli.words import tr

    out = console()
    out.print(tr("resolved: {cases}", cases=", ".join(done.resolved) or "—"), markup=False)
    for refused, why in done.refused.items():
        out.print(tr("not resolved: {case}: {why}", case=refused, why=why), markup=False)


def _show(view: IncidentView, fmt: Format) -> None:
    if fmt is Format.json:
        emit_json(view)
        return
    from rich.table import Table

    from escalada.entrypoints.cli.output import console, when
    from escalada.entrypoints.cli.words import named, tr

    out = console()
    # the title escalada gives an incident it opens ("compute in eu-central-1") in the
    # reader's words; an operator's own title as written
    title = (tr("{service} in {region}", service=view.service, region=view.region)
             if view.title == f"{view.service} in {view.region}" else view.title)
    out.print(tr("{incident} {title}: {status}, {accounts} accounts, opened {opened} by "
                 "{by}", incident=view.id, title=title, status=named(view.status, "incident"),
                 accounts=view.accounts, opened=when(view.opened_at), by=view.opened_by),
              markup=False)
    if view.resolved_at:
        out.print(tr("resolved {at} by {by}", at=when(view.resolved_at), by=view.resolved_by),
                  markup=False)
    from escalada.entrypoints.cli.render import criteria_named

    out.print(tr("flags set on its cases: {flags}", flags=criteria_named(view.flags) or "—"),
              markup=False)
    table = Table(title=tr("linked cases"), title_justify="left")
    for column in (tr("case"), tr("account"), tr("severity"), tr("status"), tr("title")):
        table.add_column(column)
    for case in view.linked:
        table.add_row(case.case, case.account, case.severity, named(case.status), case.title)
    out.print(table)
    if view.proposed_resolutions:
        out.print(tr("resolving proposed (escalada incident resolve-cases {incident}): "
                     "{cases}", incident=view.id, cases=", ".join(view.proposed_resolutions)),
                  markup=False)
    if view.vendor_events:
        from escalada.entrypoints.cli.words import speaking
        from escalada.services.vendor_health_views import line

        now = context().clock()
        out.print(tr("Vendor service health"), markup=False)
        for event in view.vendor_events:
            told = line(event, timezone="UTC", now=now).render(speaking())
            out.print(f"  {told}", markup=False)
    for update in view.updates:
        out.print(tr("update {id} ({status}) by {by}, {at}: {count} customers", id=update.id,
                     status=update.status, by=update.posted_by, at=when(update.posted_at),
                     count=sum(1 for item in update.fan_out if item.delivery)), markup=False)


def _fan_out(view: IncidentUpdateView) -> None:
    from rich.table import Table

    from escalada.entrypoints.cli.output import console, when
    from escalada.entrypoints.cli.words import tr

    table = Table(title=tr("update {id} of {incident}", id=view.id, incident=view.incident),
                  title_justify="left")
    for column in (tr("case"), tr("account"), tr("language"), tr("to"), tr("next update due")):
        table.add_column(column)
    for item in view.fan_out:
        # gettext("") is the catalog's header: a copy without a reason shows none
        why = tr(item.skipped) if item.skipped else "—"
        to = item.to or tr("not sent: {why}", why=why)
        table.add_row(item.case, item.account, item.language or "—", to,
                      when(item.next_update_due_at))
    console().print(table)
