"""`escalada vendor ...`: cases with AWS, Azure and Google Cloud support, opened,
synced, noted, escalated and closed through their APIs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from escalada.entrypoints.cli.output import (
    BODY,
    FORMAT_OPTION,
    NOTE,
    Format,
    actor,
    context,
    emit_json,
)
from escalada.entrypoints.cli.paging import ALL_OPTION, CURSOR_OPTION, LIMIT_OPTION, print_pages
from escalada.entrypoints.cli.words import tr

if TYPE_CHECKING:
    from escalada.services.vendor_views import VendorCaseView, VendorRequestView

app = typer.Typer(
    help="Vendor support cases (AWS, Azure, Google Cloud): open one for a case at the "
         "VENDOR tier, sync the vendor's answers onto the timeline, chase, close.",
    no_args_is_help=True,
)

CASE = typer.Argument(..., help="case id, e.g. CASE-1042")
VENDOR = typer.Option(None, "--vendor", help="aws, azure or gcp (when the case has several)")
DRY_RUN = typer.Option(False, "--dry-run", help="print the exact request; send none")


def _done(view: VendorCaseView | VendorRequestView, fmt: Format) -> None:
    from escalada.services.vendor_views import VendorRequestView

    if isinstance(view, VendorRequestView):
        emit_json(view)
        return
    _show([view], fmt)


def _show(views: list[VendorCaseView], fmt: Format) -> None:
    if fmt is Format.json:
        emit_json(views)
        return
    from rich.table import Table

    from escalada.entrypoints.cli.output import console, styled, when
    from escalada.entrypoints.cli.words import named, tr

    table = Table()
    for column in (tr("case"), tr("vendor"), tr("their id"), tr("plan"), tr("severity"),
                   tr("status"), tr("response due"), tr("responded"), tr("synced"),
                   tr("messages")):
        table.add_column(column)
    for v in views:
        table.add_row(v.case, v.vendor, v.display_id or v.vendor_case_id, v.plan, v.severity,
                      f"{v.status} ({named(v.state)})", when(v.response_due_at),
                      when(v.responded_at),
                      styled(when(v.last_synced_at),
                             (f" {v.sync_error}" if v.sync_error else "", "red")),
                      str(len(v.messages)))
    console().print(table)
    for v in views:
        for m in v.messages:
            who = m.author + (" " + tr("(vendor)") if m.from_vendor else "")
            console().print(styled((f"{when(m.at)} {who}", "bold"), f"\n{m.body}\n"))


@app.command("open")
def open_case(
    case_id: str = CASE,
    vendor: str = typer.Option(..., "--vendor", help="aws, azure or gcp"),
    plan: str = typer.Option(
        None, "--plan", help="our support plan with the vendor (or ESCALADA_<VENDOR>_PLAN)"),
    service: str = typer.Option(
        None, "--service", help="the vendor's service: AWS serviceCode, Azure service id, "
                                "Google classification id"),
    category: str = typer.Option(
        None, "--category", help="AWS categoryCode or Azure problem classification id"),
    region: str = typer.Option(None, "--region", help="the affected region, e.g. eu-central-1"),
    request: str = typer.Option(None, "--request", help="what we ask the vendor to do",
                                callback=NOTE),
    severity: str = typer.Option(
        None, "--severity", help="the vendor's severity (default: from our severity and plan)"),
    handoff: str = typer.Option(
        None, "--handoff", help="from T3: the T3 -> VENDOR handoff package JSON file (- for "
                                "stdin), all but vendor_case_number"),
    override_reason: str = typer.Option(
        None, "--override-reason",
        help="from T3: take the step without its full handoff package (team lead and up)"),
    dry_run: bool = DRY_RUN,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Open a vendor case (subject and body from the vendor escalation template; the
    vendor's response due time from the plan). From T3 it takes the step to VENDOR with
    --handoff (or --override-reason); exit 3 lists the missing handoff items."""
    from escalada.entrypoints.cli.output import read_json
    from escalada.services.vendor_opening import open_vendor_case

    package = None if handoff is None else read_json(handoff, "handoff")
    view = open_vendor_case(ctx=context(), actor=actor(), case_id=case_id, vendor=vendor,
                            plan=plan, service=service, category=category, region=region,
                            request=request, severity=severity, handoff=package,
                            override_reason=override_reason, dry_run=dry_run)
    _done(view, fmt)


@app.command("sync")
def sync(case_id: str = CASE, fmt: Format = FORMAT_OPTION) -> None:
    """Pull the status and communications of the case's open vendor cases now (workers
    also sync them every 15 minutes)."""
    from escalada.services.vendor_sync import sync_vendor_cases

    _show(sync_vendor_cases(ctx=context(), actor=actor(), case_id=case_id), fmt)


@app.command("note")
def note(
    case_id: str = CASE,
    text: str = typer.Option(..., "--text", help="what to tell them", callback=BODY),
    vendor: str = VENDOR, dry_run: bool = DRY_RUN, fmt: Format = FORMAT_OPTION,
) -> None:
    """Add a communication to the vendor case."""
    from escalada.services.vendor_actions import note_vendor_case

    _done(note_vendor_case(ctx=context(), actor=actor(), case_id=case_id, text=text,
                           vendor=vendor, dry_run=dry_run), fmt)


@app.command("escalate")
def escalate(
    case_id: str = CASE,
    reason: str = typer.Option(
        ..., "--reason", help="RESOLUTION_TIME, TECHNICAL_EXPERTISE or BUSINESS_IMPACT"),
    justification: str = typer.Option(
        ..., "--justification", help="the business impact and urgency, in a sentence or two",
        callback=NOTE),
    vendor: str = VENDOR, dry_run: bool = DRY_RUN, fmt: Format = FORMAT_OPTION,
) -> None:
    """Escalate the vendor case (Google: escalate_case; AWS: a manager review request and
    the TAM where set; Azure: a higher severity and a request)."""
    from escalada.services.vendor_actions import escalate_vendor_case

    _done(escalate_vendor_case(ctx=context(), actor=actor(), case_id=case_id, reason=reason,
                               justification=justification, vendor=vendor, dry_run=dry_run),
          fmt)


@app.command("close")
def close(
    case_id: str = CASE, vendor: str = VENDOR, dry_run: bool = DRY_RUN,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Close the vendor case (AWS: resolve it)."""
    from escalada.services.vendor_actions import close_vendor_case

    _done(close_vendor_case(ctx=context(), actor=actor(), case_id=case_id, vendor=vendor,
                            dry_run=dry_run), fmt)


@app.command("list")
def list_cases(
    case_id: str = CASE,
    vendor: str = typer.Option(None, "--vendor", help="aws, azure or gcp"),
    state: str = typer.Option(None, "--state", help="open, waiting_on_us, resolved or closed"),
    limit: int = LIMIT_OPTION, cursor: str = CURSOR_OPTION, every: bool = ALL_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """The case's vendor cases with their messages (a page; the next page's --cursor on
    stderr)."""
    from functools import partial

    from escalada.services.vendor_views import vendor_case_page

    print_pages(partial(vendor_case_page, ctx=context(), case_id=case_id),
                {"vendor": vendor, "state": state, "limit": limit, "cursor": cursor},
                every=every, fmt=fmt, table=lambda views: _show(views, Format.table),
                empty=tr("no vendor cases"))


@app.command("plans")
def plans(
    vendor: str = typer.Option(None, "--vendor", help="only this vendor's: aws, azure or gcp"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """The vendors' support plans: response targets by their severity, 24x7 or business
    hours, each with its source and whether it is the vendor's own figure."""
    from rich.table import Table

    from escalada.entrypoints.cli.output import console
    from escalada.entrypoints.cli.words import said, tr
    from escalada.services.vendor_views import list_vendor_plans

    views = list_vendor_plans(vendor=vendor)
    if fmt is Format.json:
        emit_json(views)
        return
    table = Table()
    for column in (tr("vendor"), tr("plan"), tr("severity"), tr("first response"),
                   tr("hours"), tr("verified"), tr("our P1/P2/P3/P4"), tr("source")):
        table.add_column(column)
    for v in views:
        flags = (" " + tr("(retired)") if v.retired
                 else " " + tr("(ends {date})", date=v.ends_on) if v.ends_on else "")
        ours = "/".join(v.our_severities[p] or "—" for p in ("P1", "P2", "P3", "P4"))
        vendor = said("vendor", v.vendor)
        if not v.targets:
            table.add_row(vendor, v.plan + flags, "—", "—", "—", "—", ours, v.note)
        for t in v.targets:
            hours = tr("business hours") if t.calendar == "business" else t.calendar
            table.add_row(vendor, v.plan + flags, t.label, _within(t.within), hours,
                          tr("yes") if t.verified else tr("no"), ours, t.source)
    console().print(table)


def _within(within: str) -> str:
    """A response target ("12h", "30m", as the plans file writes it) as the reader writes
    it ("12 ч", "30 мин")."""
    from escalada.entrypoints.cli.words import tr

    count, unit = within[:-1], within[-1:]
    if not count.isdigit():
        return within
    return {"h": tr("{count}h", count=count), "m": tr("{count}m", count=count)}.get(
        unit, within)


health_app = typer.Typer(
    help="The vendors' service health (AWS Health, Azure Service Health, Google Cloud "
         "Service Health): the events open now and the cases each is linked to, as the "
         "workers poll them (ESCALADA_VENDOR_HEALTH); `poll` polls now.",
    invoke_without_command=True,
)
app.add_typer(health_app, name="health")


@health_app.callback()
def health(
    typer_ctx: typer.Context,
    vendor: str = typer.Option(None, "--vendor", help="only this vendor's: aws, azure or gcp"),
    include_closed: bool = typer.Option(False, "--all", help="closed events too"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """The vendors' events open now (with --all, closed ones too), the cases each is
    linked to, and how each vendor's last poll went."""
    if typer_ctx.invoked_subcommand is not None:
        return
    from rich.table import Table

    from escalada.entrypoints.cli.output import console, styled, when
    from escalada.entrypoints.cli.words import tr
    from escalada.services.vendor_health_views import vendor_health

    view = vendor_health(ctx=context(), vendor=vendor, include_closed=include_closed)
    if fmt is Format.json:
        emit_json(view)
        return
    table = Table()
    for column in (tr("vendor"), tr("service"), tr("region"), tr("what"), tr("since"),
                   tr("status"), tr("cases"), tr("incidents")):
        table.add_column(column)
    for e in view.events:
        table.add_row(e.vendor, e.service, e.region or tr("global"), e.title,
                      when(e.started_at), tr(e.status), ", ".join(e.cases) or "—",
                      ", ".join(e.incidents) or "—")
    console().print(table if view.events else tr("No vendor event is open."))
    if not view.polls:
        console().print(tr("No vendor is watched: set ESCALADA_VENDOR_HEALTH (e.g. "
                           "aws,azure,gcp)."))
    for p in view.polls:
        line = tr("{vendor}: last polled {polled}, next {next}", vendor=p.vendor,
                  polled=when(p.polled_at), next=when(p.next_poll_at))
        console().print(styled(line, (f": {p.error}" if p.error else "", "red")))


@health_app.command("poll")
def poll(
    vendor: str = typer.Option(
        None, "--vendor", help="aws, azure or gcp (default: every vendor watched)"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Poll the vendors' service health now: keep their open events and link each to
    the open cases it matches. Exit 1 when a vendor's poll failed (the others still ran)."""
    from escalada.entrypoints.cli.output import console, styled
    from escalada.entrypoints.cli.words import ntr, speaking
    from escalada.services.vendor_health import poll_now

    polled = poll_now(ctx=context(), actor=actor(), vendor=vendor)
    if fmt is Format.json:
        emit_json(polled)
    else:
        for p in polled:
            said = p.error_read_by(speaking())
            if said:
                line = said if said.startswith(f"{p.vendor}:") else f"{p.vendor}: {said}"
                console().print(styled((line, "red")))
            else:
                console().print(ntr("{vendor}: {count} open event, {linked} newly linked to cases",
                                    "{vendor}: {count} open events, {linked} newly linked to "
                                    "cases", p.events, vendor=p.vendor, linked=p.linked))
    if any(p.error for p in polled):
        raise typer.Exit(1)
