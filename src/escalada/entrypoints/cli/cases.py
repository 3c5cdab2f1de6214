"""`escalada case ...`: the case lifecycle and its escalations."""

from __future__ import annotations

import itertools
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

import typer

from escalada.domain.case_words import CASE_WORDS
from escalada.entrypoints.cli.output import (
    FORMAT_OPTION,
    LABEL,
    NOTE,
    Format,
    actor,
    check_version,
    context,
    either,
    emit_json,
    emit_json_stream,
    id_of,
    old_spelling,
    parse_time,
    read_json,
)
from escalada.entrypoints.cli.paging import (
    ALL_OPTION,
    CURSOR_OPTION,
    LIMIT_OPTION,
    more,
    print_pages,
)
from escalada.entrypoints.cli.words import language, named, tr

if TYPE_CHECKING:
    from collections.abc import Iterable

    from escalada.services.case_board import CaseSummaryView
    from escalada.services.inbound_messages import MessageView
    from escalada.services.views import CaseView

app = typer.Typer(help="Cases: open, escalate, acknowledge, resolve.", no_args_is_help=True)

CASE = typer.Argument(..., help="case id, e.g. CASE-1042")
REASON = typer.Option(None, "--reason", help="why (goes on the timeline)", callback=NOTE)
VERSION = typer.Option(
    None, "--expected-version", help="refuse if the case changed since you read this version",
    callback=check_version,
)


def _done(view: CaseView, fmt: Format) -> None:
    from escalada.entrypoints.cli.render import case_panel

    emit_json(view) if fmt is Format.json else case_panel(view)


@app.command("open")
def open_(
    account: str = typer.Option(..., "--account"),
    severity: str = typer.Option(..., "--severity", help="P1, P2, P3 or P4"),
    title: str = typer.Option(..., "--title"),
    service: list[str] = typer.Option([], "--service", help="affected service (repeatable)"),
    region: list[str] = typer.Option([], "--region", help="a region affected, e.g. "
                                                          "eu-central-1 (repeatable)"),
    flag: list[str] = typer.Option([], "--flag", help="criterion flag (repeatable)"),
    revenue_impact_usd: str = typer.Option(None, "--revenue-impact-usd", help="USD (0)"),
    revenue_impact: str = old_spelling("--revenue-impact"),
    business_impact_usd: str = typer.Option(None, "--business-impact-usd", help="USD (0)"),
    business_impact: str = old_spelling("--business-impact"),
    contact: str = typer.Option(None, "--contact",
                                help="the escalating contact: an id or email from "
                                     "`escalada account contact list ACCOUNT`"),
    contact_level: str = typer.Option(None, "--contact-level",
                                      help="staff, manager, vp or c_level "
                                           "(default: the contact's, else staff)"),
    contact_title: str = typer.Option(None, "--contact-title",
                                      help="the escalating contact's title, e.g. CTO"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Open a case (prints it, with its id)."""
    from escalada.services.cases import open_case

    _done(open_case(
        ctx=context(), actor=actor(), account=account, severity=severity, title=title,
        services=service, regions=region, flags=flag,
        revenue_impact_usd=either(revenue_impact_usd, revenue_impact) or "0",
        business_impact_usd=either(business_impact_usd, business_impact) or "0",
        contact=contact, contact_level=contact_level,
        contact_title=contact_title,
    ), fmt)


@app.command("list")
def list_(
    open_only: bool = typer.Option(False, "--open", help="only cases not resolved or closed"),
    status: str = typer.Option(None, "--status", help="open or closed (resolved or closed)"),
    account: str = typer.Option(None, "--account", help="only this account's cases"),
    severity: str = typer.Option(None, "--severity", help="P1, P2, P3 or P4"),
    owner: str = typer.Option(None, "--owner", help="cases with a step this user acknowledged"),
    vendor: str = typer.Option(None, "--vendor", help="cases with a case at aws, azure or gcp"),
    tier: str = typer.Option(None, "--tier", help="T1, T2, T3 or vendor"),
    level: str = typer.Option(None, "--level", help="the executive level engaged, L1-L4"),
    sort: str = typer.Option("number", "--sort",
                             help="number (oldest first), sla_due (soonest due first, "
                                  "no clock running last) or updated (latest first)"),
    limit: int = LIMIT_OPTION, cursor: str = CURSOR_OPTION, every: bool = ALL_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """List cases a page at a time (the next page's --cursor goes to stderr)."""
    from escalada.services.case_board import list_page
    from escalada.services.paging import every_item

    query = {name: value for name, value in (
        ("status", "open" if open_only and status is None else status), ("account", account),
        ("severity", severity), ("owner", owner), ("vendor", vendor), ("tier", tier),
        ("level", level), ("sort", sort), ("limit", limit), ("cursor", cursor))
        if value is not None}
    ctx = context()
    if every:
        rows = every_item(list_page, ctx=ctx, **query)
        emit_json_stream(rows) if fmt is Format.json else _case_lines(rows)
        return
    page = list_page(ctx=ctx, **query)
    emit_json(page.items) if fmt is Format.json else _case_lines(page.items)
    more(page.next_cursor)


# Plain aligned lines, not a table: a table measures every row before it prints one, and
# drawing 10,000 rows took seconds; lines print as the pages come (`case list --all`), and
# no table module is imported for them. Each column is at least as wide as its header
# (Russian headers are longer); a page is measured whole, so a long account id or status
# word widens its column; a stream (`--all`) keeps the usual widths, its status column as
# wide as the longest status word.
_WIDTHS = (11, 16, 3, 0, 6, 4, 16)


def _case_lines(rows: Iterable[CaseSummaryView]) -> None:
    """Cases one per line under a header, written as they come (a sentence if none)."""
    out = sys.stdout
    # The due time as the reader writes a date, in the same 16 columns.
    day_first = "%d.%m.%Y %H:%M" if language() == "ru" else "%Y-%m-%d %H:%M"

    def cells(c: CaseSummaryView) -> tuple[str, ...]:
        due = "—" if c.sla_due_at is None else c.sla_due_at.strftime(day_first)
        return (c.id, c.account, c.severity, named(c.status), named(c.tier),
                c.exec_level or "—", due, c.title)

    table = [cells(c) for c in rows] if isinstance(rows, Sequence) else None
    lines = iter(table) if table is not None else map(cells, rows)
    first = next(lines, None)
    if first is None:
        out.write(tr("no cases") + "\n")
        return
    headers = (tr("case"), tr("account"), tr("sev"), tr("status"), tr("tier"), tr("exec"),
               tr("sla due (UTC)"), tr("title"))
    measured = [headers, *(table or ())]
    statuses = max(len(named(code)) for code in CASE_WORDS)
    widths = [max(len(line[n]) for line in measured) for n in range(len(_WIDTHS))]
    least = [*_WIDTHS[:3], statuses if table is None else 0, *_WIDTHS[4:]]
    line = " ".join(f"{{:<{max(at_least, width)}}}"
                    for at_least, width in zip(least, widths, strict=True)) + " {}\n"
    out.write(line.format(*headers))
    for cell in itertools.chain((first,), lines):
        out.write(line.format(*cell))


@app.command("show")
def show(case_id: str = CASE, fmt: Format = FORMAT_OPTION) -> None:
    """The case's snapshot, title, latest timeline and current recommendations, and
    similar past escalations from the knowledge base."""
    from escalada.entrypoints.cli.render import case_panel, incident_lines, similar_list
    from escalada.services.case_reads import show_case

    view = show_case(ctx=context(), case_id=case_id)
    if fmt is Format.json:
        emit_json(view)
        return
    case_panel(view)
    incident_lines(view.incidents)
    similar_list(view.similar)


@app.command("evaluate")
def evaluate(
    case_id: str = CASE,
    at: str = typer.Option(None, "--at", help="ISO 8601 time (default: now)"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Evaluate a stored case: SLA state and recommended escalations."""
    from escalada.entrypoints.cli.render import evaluation_table
    from escalada.services.cases import evaluate_case

    result = evaluate_case(ctx=context(), case_id=case_id, at=parse_time(at, "--at"))
    emit_json(result) if fmt is Format.json else evaluation_table(result)


@app.command("flag")
def flag(
    case_id: str = CASE,
    flags: list[str] = typer.Argument(..., help="e.g. churn_threat", callback=LABEL),
    reason: str = REASON, expected_version: int = VERSION, fmt: Format = FORMAT_OPTION,
) -> None:
    """Set criterion flags on a case."""
    from escalada.services.cases import set_flags

    _done(set_flags(ctx=context(), actor=actor(), case_id=case_id, flags=flags, on=True,
                    reason=reason, expected_version=expected_version), fmt)


@app.command("unflag")
def unflag(
    case_id: str = CASE, flags: list[str] = typer.Argument(..., callback=LABEL),
    reason: str = REASON, expected_version: int = VERSION, fmt: Format = FORMAT_OPTION,
) -> None:
    """Clear criterion flags from a case."""
    from escalada.services.cases import set_flags

    _done(set_flags(ctx=context(), actor=actor(), case_id=case_id, flags=flags, on=False,
                    reason=reason, expected_version=expected_version), fmt)


@app.command("respond")
def respond(case_id: str = CASE, note: str = typer.Option(None, "--note", callback=NOTE),
            expected_version: int = VERSION, fmt: Format = FORMAT_OPTION) -> None:
    """Record a response to the customer (the first response, then each update)."""
    from escalada.services.cases import respond as respond_case

    _done(respond_case(ctx=context(), actor=actor(), case_id=case_id, note=note,
                       expected_version=expected_version), fmt)


@app.command("update")
def update(
    case_id: str = CASE,
    title: str = typer.Option(None, "--title"),
    severity: str = typer.Option(None, "--severity"),
    status: str = typer.Option(None, "--status",
                               help="new, investigating, mitigating, monitoring ..."),
    service: list[str] = typer.Option(None, "--service", help="replaces the services"),
    revenue_impact_usd: str = typer.Option(None, "--revenue-impact-usd", help="USD"),
    revenue_impact: str = old_spelling("--revenue-impact"),
    business_impact_usd: str = typer.Option(None, "--business-impact-usd", help="USD"),
    business_impact: str = old_spelling("--business-impact"),
    contact: str = typer.Option(None, "--contact",
                                help="the escalating contact: an id or email of the account"),
    contact_level: str = typer.Option(None, "--contact-level"),
    contact_title: str = typer.Option(None, "--contact-title"),
    csat: float = typer.Option(None, "--csat", help="1-5"),
    region: list[str] = typer.Option(None, "--region", help="a region affected (repeatable; "
                                                           "replaces the regions)"),
    users_affected: int = typer.Option(None, "--users-affected", help="how many users"),
    reason: str = REASON, expected_version: int = VERSION, fmt: Format = FORMAT_OPTION,
) -> None:
    """Change severity, status, impact, services, escalating contact or CSAT."""
    from escalada.services.cases import update_case

    _done(update_case(
        ctx=context(), actor=actor(), case_id=case_id, reason=reason,
        expected_version=expected_version, title=title, severity=severity, status=status,
        services=service or None,
        revenue_impact_usd=either(revenue_impact_usd, revenue_impact),
        business_impact_usd=either(business_impact_usd, business_impact),
        contact=contact, contact_level=contact_level,
        contact_title=contact_title, csat=csat, regions=region or None,
        users_affected=users_affected,
    ), fmt)


@app.command("escalate")
def escalate(
    case_id: str = CASE,
    to: str = typer.Option(..., "--to", help="T2, T3, VENDOR or L1-L4"),
    handoff: str = typer.Option(None, "--handoff", help="handoff package JSON file (- for stdin)"),
    reason: str = REASON,
    override_reason: str = typer.Option(
        None, "--override-reason", help="take a technical step without its full handoff",
        callback=NOTE),
    expected_version: int = VERSION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Escalate one step up a track (exit 3 lists missing handoff items)."""
    from escalada.services.escalations import escalate as escalate_case

    package = None if handoff is None else read_json(handoff, "handoff")
    _done(escalate_case(
        ctx=context(), actor=actor(), case_id=case_id, to=to, handoff=package, reason=reason,
        override_reason=override_reason, expected_version=expected_version,
    ), fmt)


@app.command("ack")
def ack(
    case_id: str = CASE,
    step: int = typer.Option(..., "--step", help="the step number shown by case show",
                             callback=id_of("escalation step")),
    on_behalf_of: str = typer.Option(
        None, "--on-behalf-of", callback=LABEL,
        help="an enabled user you acknowledge for (you acknowledge, with your authority)"),
    note: str = typer.Option(None, "--note", callback=NOTE),
    expected_version: int = VERSION, fmt: Format = FORMAT_OPTION,
) -> None:
    """Acknowledge an escalation step: you take it (for someone else with --on-behalf-of)."""
    from escalada.services.escalations import acknowledge

    _done(acknowledge(ctx=context(), actor=actor(), case_id=case_id, step=step,
                      on_behalf_of=on_behalf_of, note=note,
                      expected_version=expected_version), fmt)


@app.command("deescalate")
def deescalate(
    case_id: str = CASE,
    track: str = typer.Option(..., "--track", help="technical or executive"),
    to: str = typer.Option(None, "--to", help="a lower tier/level, or none (default: one down)"),
    reason: str = typer.Option(..., "--reason", callback=NOTE),
    expected_version: int = VERSION, fmt: Format = FORMAT_OPTION,
) -> None:
    """Step down a track."""
    from escalada.services.escalations import deescalate as deescalate_case

    _done(deescalate_case(ctx=context(), actor=actor(), case_id=case_id, track=track, to=to,
                          reason=reason, expected_version=expected_version), fmt)


@app.command("timeline")
def timeline(
    case_id: str = CASE,
    kind: str = typer.Option(None, "--kind", help="only entries of this kind, e.g. escalated"),
    since: str = typer.Option(None, "--since", help="only entries at or after this ISO 8601 "
                                                    "time"),
    limit: int = LIMIT_OPTION, cursor: str = CURSOR_OPTION, every: bool = ALL_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """The append-only timeline, oldest first, a page at a time: who did what, when and
    why (the next page's --cursor goes to stderr)."""
    from functools import partial

    from escalada.entrypoints.cli.render import timeline_table
    from escalada.services.case_timeline import timeline_page

    print_pages(partial(timeline_page, ctx=context(), case_id=case_id),
                {"kind": kind, "since": parse_time(since, "--since"), "limit": limit,
                 "cursor": cursor}, every=every, fmt=fmt,
                table=lambda entries: timeline_table(entries, title=case_id),
                empty=tr("nothing in the timeline"))


@app.command("remind")
def remind(
    case_id: str = CASE,
    note: str = typer.Option(..., "--note", help="what to be reminded of", callback=NOTE),
    at: str = typer.Option(None, "--at", help="ISO 8601 time with offset"),
    after: str = typer.Option(None, "--in", help="or a span from now: 30m, 2h, 1d"),
    expected_version: int = VERSION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Set a reminder: it fires on the case's timeline at the time given."""
    from datetime import timedelta

    from escalada.domain.errors import InvalidInput
    from escalada.domain.policy import Duration
    from escalada.entrypoints.cli.render import timers_table
    from escalada.services.timer_views import set_reminder

    if (at is None) == (after is None):
        raise InvalidInput.of("--at", "give either --at TIME or --in SPAN")
    ctx = context()
    if after is not None:
        try:
            span = Duration.parse(after).minutes(24 * 60)
        except ValueError as error:
            raise InvalidInput.of("--in", str(error)) from error
        moment = ctx.clock() + timedelta(minutes=span)
    else:
        moment = parse_time(at, "--at")
    timer = set_reminder(ctx=ctx, actor=actor(), case_id=case_id, at=moment, note=note,
                         expected_version=expected_version)
    emit_json(timer) if fmt is Format.json else timers_table([timer])


@app.command("message")
def message(
    case_id: str = CASE,
    sender: str = typer.Option("customer", "--from", help="customer, vendor or internal"),
    text: str = typer.Option(..., "--text", help="the message as received"),
    author: str = typer.Option(None, "--author", help="who wrote it, e.g. their name"),
    received_at: str = typer.Option(None, "--at", help="when it came in (ISO 8601; now)"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Record a message received on the case; replies go out in the language of the
    customer's last one."""
    from escalada.services.inbound_messages import record_message

    view = record_message(ctx=context(), actor=actor(), case_id=case_id, sender=sender,
                          text=text, author=author, received_at=parse_time(received_at, "--at"))
    _messages([view], fmt)


@app.command("messages")
def messages(
    case_id: str = CASE,
    sender: str = typer.Option(None, "--from", help="customer, vendor or internal"),
    language: str = typer.Option(None, "--language", help="ru or en"),
    since: str = typer.Option(None, "--since", help="only those received at or after this "
                                                    "ISO 8601 time"),
    limit: int = LIMIT_OPTION, cursor: str = CURSOR_OPTION, every: bool = ALL_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """The messages received on the case, oldest first, with their detected language (a
    page; the next page's --cursor on stderr)."""
    from functools import partial

    from escalada.services.inbound_messages import message_page

    print_pages(partial(message_page, ctx=context(), case_id=case_id),
                {"from": sender, "language": language, "since": parse_time(since, "--since"),
                 "limit": limit, "cursor": cursor},
                every=every, fmt=fmt, table=lambda views: _messages(views, Format.table),
                empty=tr("no messages"))


def _messages(views: list[MessageView], fmt: Format) -> None:
    if fmt is Format.json:
        emit_json(views)
        return
    from rich.table import Table

    from escalada.entrypoints.cli.output import console, when
    from escalada.entrypoints.cli.words import said

    table = Table()
    for column in (tr("id"), tr("case"), tr("from"), tr("language"), tr("received"),
                   tr("text")):
        table.add_column(column)
    for v in views:
        # who wrote: the customer, a vendor or colleagues, in the words of a message's
        # addressees (клиент, вендор, коллеги)
        sender = said("audience", v.sender)
        sender = f"{sender} ({v.author})" if v.author else sender
        table.add_row(str(v.id), v.case, sender, v.language or "—", when(v.received_at), v.text)
    console().print(table)


def _lifecycle(name: str, summary: str) -> None:
    """Register `escalada case NAME ID [--reason] [--expected-version]`."""

    def command(case_id: str = CASE, reason: str = REASON, expected_version: int = VERSION,
                fmt: Format = FORMAT_OPTION) -> None:
        from escalada.services import cases

        change = getattr(cases, name)
        _done(change(ctx=context(), actor=actor(), case_id=case_id, reason=reason,
                     expected_version=expected_version), fmt)

    command.__doc__ = summary
    app.command(name)(command)


for _name, _summary in (
    ("pause", "The case waits on the customer: SLA clocks stop."),
    ("resume", "The customer answered: SLA clocks run again."),
    ("resolve", "Mark the case resolved: clocks stop."),
    ("close", "Close a resolved case."),
    ("reopen", "Reopen a resolved case whose issue came back (--reason says what); it "
               "counts in the account's reopen rate."),
):
    _lifecycle(_name, _summary)


def _register_outcomes() -> None:
    """The root cause and the commitments live in their own module."""
    from escalada.entrypoints.cli import case_outcomes

    case_outcomes.register(app)


_register_outcomes()
