"""`escalada comms ...` and `escalada outbox ...`: drafting messages in the customer's
language, sending them through the outbox, and the communication log."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import typer

from escalada.entrypoints.cli.output import (
    FORMAT_OPTION,
    LABEL,
    Format,
    actor,
    context,
    emit_json,
    id_of,
)
from escalada.entrypoints.cli.paging import ALL_OPTION, CURSOR_OPTION, LIMIT_OPTION, print_pages
from escalada.entrypoints.cli.words import named, said, speaking, tr

if TYPE_CHECKING:
    from escalada.services.drafting import DraftView
    from escalada.services.outbox import DeliveryView

comms_app = typer.Typer(
    help="Messages to customers, executives, colleagues and vendors: drafted from the "
         "case in the customer's language, sent through the outbox, logged.",
    no_args_is_help=True,
)
outbox_app = typer.Typer(
    help="Deliveries waiting, delivered and dead-lettered; send a dead letter again.",
    no_args_is_help=True,
)

CASE = typer.Argument(..., help="case id, e.g. CASE-1042")
DRAFT = typer.Argument(..., help="the draft's number, as `comms draft` printed it",
                       callback=id_of("draft"))
DELIVERY = typer.Argument(..., help="the delivery's number, as `outbox list` shows it",
                          callback=id_of("delivery", big=True))


class DraftFormat(StrEnum):
    md = "md"
    json = "json"


def _fields(pairs: list[str]) -> dict[str, str]:
    from escalada.domain.errors import InvalidInput
    from escalada.domain.validation import LABEL_CHARS, NOTE_CHARS, checked_text

    fields: dict[str, str] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep or not name.strip():
            raise InvalidInput.of("--set", "{pair!r} is not NAME=TEXT", pair=pair[:40])
        try:
            name = checked_text(name.strip(), LABEL_CHARS, lines=False)
            fields[name] = checked_text(text, NOTE_CHARS, lines=True)
        except ValueError as error:
            raise InvalidInput.of(f"--set {name[:40]}", str(error)) from error
    return fields


def _print_draft(view: DraftView, fmt: DraftFormat) -> None:
    if fmt is DraftFormat.json:
        emit_json(view)
        return
    number = f" #{view.update_number}" if view.update_number else ""
    status = f" · {_status(view.update_status)}" if view.update_status else ""
    # The header is in the reader's words (the kind and status with the ids --kind and
    # --status take; the language and zone are the ids --lang and --timezone take); the
    # message below it, "Subject:" as its templates write it, is in the draft's language.
    draft_id = tr("draft {draft}", draft=view.id)
    why = tr("language {language}: {reason}", language=view.language,
             reason=view.language_reason_in(speaking()))
    zone = tr("times in {timezone}", timezone=view.timezone)
    template = _origin(view.template)
    sys.stdout.write(
        f"<!-- {draft_id} · {view.case} · {_kind(view.kind)}{number}{status} · "
        f"{_addressed(view.audience)}\n     {why}\n     {zone} · {template} -->\n\n"
        f"Subject: {view.subject}\n\n{view.body}\n")
    from escalada.entrypoints.cli.output import console, styled

    if view.missing:
        console(stderr=True).print(styled(
            (tr("still to write before sending: {missing} (draft again with --set NAME=TEXT)",
                missing=_parts(view.missing)), "yellow")))
    else:
        console(stderr=True).print(tr(
            "send it: escalada comms send {draft} --channel email|slack|webhook --to "
            "ADDRESS|#CHANNEL|ENDPOINT", draft=view.id))


def _addressed(audience: str) -> str:
    """Whom the draft is to, in the reader's words ("to the customer", "клиенту")."""
    return {"customer": tr("to the customer"), "executive": tr("to the customer's executive"),
            "internal": tr("to colleagues"), "vendor": tr("to the vendor")}.get(
        audience, audience)


@comms_app.command("draft")
def draft(
    case_id: str = CASE,
    kind: str = typer.Option(
        ..., "--kind", help="acknowledgment, progress_update, resolution, "
                            "executive_acknowledgment, handoff, vendor_escalation (or an "
                            "operator template's kind)"),
    lang: str = typer.Option("auto", "--lang", help="auto (the customer's language), ru or en"),
    status: str = typer.Option(
        None, "--status", help="a progress update's status: INVESTIGATING, MITIGATING, "
                               "RESOLVED or MONITORING"),
    parts: list[str] = typer.Option(
        [], "--set", help="a part to write in, NAME=TEXT (e.g. root_cause=...); repeatable"),
    timezone: str = typer.Option(
        None, "--timezone", help="show times in this zone (default: the account's for the "
                                 "customer, UTC for colleagues and vendors)"),
    fmt: DraftFormat = typer.Option(DraftFormat.md, "--format", "-f", help="md or json"),
) -> None:
    """Draft a message from the case's own data and print it (kept as a numbered draft)."""
    from escalada.services.drafting import draft_message

    view = draft_message(ctx=context(), actor=actor(), case_id=case_id, kind=kind,
                         language=lang, status=status, fields=_fields(parts), timezone=timezone)
    _print_draft(view, fmt)


@comms_app.command("show")
def show(
    draft_id: int = DRAFT,
    fmt: DraftFormat = typer.Option(DraftFormat.md, "--format", "-f", help="md or json"),
) -> None:
    """Print a draft again."""
    from escalada.services.drafting import show_draft

    _print_draft(show_draft(ctx=context(), draft_id=draft_id), fmt)


@comms_app.command("send")
def send(
    draft_id: int = DRAFT,
    channel: str = typer.Option(..., "--channel", help="email, slack or webhook"),
    to: str = typer.Option(
        ..., "--to", help="email addresses (comma-separated); for slack a #channel, a "
                          "channel id or an endpoint's name; for webhook an endpoint's name "
                          "(`escalada endpoint list`): never a URL"),
    idempotency_key: str = typer.Option(
        None, "--idempotency-key", help="your own key (default: one per draft, channel and "
                                        "recipient, so sending twice sends once)",
        callback=LABEL),
    queue_only: bool = typer.Option(
        False, "--queue-only", help="leave the delivery to the workers instead of trying now"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Send a draft through the outbox (tried at once; retried by workers if it fails)."""
    from escalada.services.outbox import send_draft

    view = send_draft(ctx=context(), actor=actor(), draft_id=draft_id, channel=channel, to=to,
                      idempotency_key=idempotency_key, deliver_now=not queue_only)
    _deliveries([view], fmt)


_STATE = typer.Option(None, "--state", help="pending, delivered or dead")
_CHANNEL = typer.Option(None, "--channel", help="email, slack or webhook")
_AUDIENCE = typer.Option(None, "--audience", help="customer, executive, internal or vendor")
_SINCE = typer.Option(None, "--since", help="only those queued at or after this ISO 8601 time")


@comms_app.command("log")
def log(
    case_id: str = CASE, state: str = _STATE, channel: str = _CHANNEL,
    audience: str = _AUDIENCE, since: str = _SINCE,
    limit: int = LIMIT_OPTION, cursor: str = CURSOR_OPTION, every: bool = ALL_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """The case's communication log, newest first: every message sent, with channel,
    audience, language and delivery state (a page; the next page's --cursor on stderr)."""
    _delivery_pages({"case": case_id, "state": state, "channel": channel, "audience": audience,
                     "since": since, "limit": limit, "cursor": cursor}, every, fmt)


def _delivery_pages(query: dict[str, Any], every: bool, fmt: Format) -> None:
    from escalada.entrypoints.cli.output import parse_time
    from escalada.services.delivery_list import delivery_page

    query["since"] = parse_time(query["since"], "--since")
    print_pages(delivery_page, {"ctx": context(), **query}, every=every, fmt=fmt,
                table=lambda rows: _deliveries(rows, Format.table),
                empty=tr("no deliveries"))


@comms_app.command("drafts")
def drafts(
    case_id: str = CASE,
    kind: str = typer.Option(None, "--kind", help="e.g. acknowledgment, progress_update"),
    language: str = typer.Option(None, "--language", help="ru or en"),
    sent: bool = typer.Option(None, "--sent/--unsent", help="only those sent, or never sent"),
    limit: int = LIMIT_OPTION, cursor: str = CURSOR_OPTION, every: bool = ALL_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """The case's drafts, newest first (a page; the next page's --cursor on stderr)."""
    from functools import partial

    from escalada.services.drafting import draft_page

    print_pages(partial(draft_page, ctx=context(), case_id=case_id),
                {"kind": kind, "language": language, "sent": sent, "limit": limit,
                 "cursor": cursor}, every=every, fmt=fmt,
                table=lambda views: _drafts_table(views, case_id),
                empty=tr("no drafts"))


def _drafts_table(views: list[DraftView], case_id: str) -> None:
    from rich.table import Table

    from escalada.entrypoints.cli.output import console, when

    table = Table(title=case_id)
    for column in (tr("draft"), tr("kind"), tr("audience"), tr("language"), tr("subject"),
                   tr("to write"), tr("by")):
        table.add_column(column)
    for v in views:
        table.add_row(str(v.id), said("message_kind", v.kind), said("audience", v.audience),
                      v.language, v.subject,
                      _parts(v.missing) or "—", f"{v.created_by} {when(v.created_at)}")
    console().print(table)


@comms_app.command("templates")
def templates(fmt: Format = FORMAT_OPTION) -> None:
    """The message kinds and where each language's template comes from (built-in, or the
    operator's directory ESCALADA_TEMPLATES)."""
    from rich.table import Table

    from escalada.entrypoints.cli.output import console
    from escalada.services.drafting import template_sources
    from escalada.settings import Settings

    kinds = template_sources(Settings.current())
    if fmt is Format.json:
        emit_json(kinds)
        return
    table = Table()
    for column in (tr("kind"), "en", "ru"):
        table.add_column(column)
    for kind, sources in sorted(kinds.items()):
        table.add_row(_kind(kind), _origin(sources.get("en")), _origin(sources.get("ru")))
    console().print(table)


def _kind(kind: str) -> str:
    """A message kind as the header and tables show it ("подтверждение [acknowledgment]")."""
    return _beside_id(said("message_kind", kind), kind)


def _parts(names: list[str]) -> str:
    """A draft's parts still to write ("Первопричина [root_cause]")."""
    return ", ".join(_beside_id(said("draft_part", name), name) for name in names)


def _status(status: str) -> str:
    """A progress update's status ("Расследуем [INVESTIGATING]")."""
    words = {"INVESTIGATING": tr("Investigating"), "MITIGATING": tr("Mitigating"),
             "RESOLVED": tr("Resolved"), "MONITORING": tr("Monitoring")}.get(status, status)
    return _beside_id(words, status)


def _beside_id(words: str, id_: str) -> str:
    """`words` with the id the options take (--kind, --set, --status) beside them; the id
    alone in English, and where the words only spell the id (an operator's own kind)."""
    from escalada.entrypoints.cli.words import language

    if language() == "en" or words.replace(" ", "_").lower() == id_.lower():
        return id_
    return f"{words} [{id_}]"


def _origin(source: str | None) -> str:
    """Where a template comes from (adapters/templates.py: template_kinds, and a draft's
    "built-in ru/acknowledgment.md.j2"), in the reader's words; an operator's template
    keeps its path."""
    if source is None:
        return "—"
    if source.startswith("operator "):
        return tr("operator {path}", path=source.removeprefix("operator "))
    if source.startswith("built-in "):
        return tr("built-in {name}", name=source.removeprefix("built-in "))
    return tr("built-in") if source == "built-in" else source


def _deliveries(views: list[DeliveryView], fmt: Format) -> None:
    if fmt is Format.json:
        emit_json(views)
        return
    from rich.table import Table

    from escalada.entrypoints.cli.output import console, styled, when

    table = Table()
    for column in (tr("id"), tr("case"), tr("draft"), tr("kind"), tr("channel"), tr("to"),
                   tr("audience"), tr("lang"), tr("state"), tr("attempts"), tr("next / done"),
                   tr("last error")):
        table.add_column(column)
    colours = {"delivered": "green", "dead": "red", "pending": "yellow"}
    for v in views:
        done = v.delivered_at or v.dead_at or v.next_attempt_at
        table.add_row(
            str(v.id), v.case, str(v.draft), said("message_kind", v.kind),
            said("channel", v.channel), v.to, said("audience", v.audience), v.language,
            styled((named(v.state, "message"), colours[v.state])),
            f"{v.attempts}/{v.max_attempts}",
            when(done), _last_error(v.last_error))
    console().print(table)


def _last_error(error: str | None) -> str:
    """A delivery's last error, "attempt N: REASON" as the outbox keeps it, with its
    "attempt N" in the reader's words (the reason as the channel or its server gave it)."""
    import re

    if not error:
        return ""
    if (found := re.match(r"attempt (\d+): ", error)) is None:
        return error
    return tr("attempt {attempt}: {error}", attempt=found[1], error=error[found.end():])


@outbox_app.command("list")
def outbox_list(
    state: str = _STATE,
    case: str = typer.Option(None, "--case", help="only this case's"),
    channel: str = _CHANNEL, audience: str = _AUDIENCE, since: str = _SINCE,
    limit: int = LIMIT_OPTION, cursor: str = CURSOR_OPTION, every: bool = ALL_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Deliveries, newest first, a page at a time: `--state dead` lists the dead letters."""
    _delivery_pages({"case": case, "state": state, "channel": channel, "audience": audience,
                     "since": since, "limit": limit, "cursor": cursor}, every, fmt)


@outbox_app.command("status")
def outbox_status(
    check: bool = typer.Option(
        False, "--check", help="exit 1 when deliveries are overdue or dead-lettered"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Deliveries by state, those no worker picked up within a minute, the dead letters."""
    from escalada.entrypoints.cli.output import console, when
    from escalada.services.outbox import outbox_status as status

    view = status(ctx=context())
    if fmt is Format.json:
        emit_json(view)
    else:
        counts = ", ".join(f"{named(state, 'message')} {count}"
                           for state, count in view.counts.items())
        console().print(tr("{counts}; overdue {overdue} (oldest due {due}); dead letters {dead}",
                           counts=counts, overdue=view.overdue, due=when(view.oldest_overdue_at),
                           dead=view.dead))
    if check and (view.overdue or view.dead):
        raise typer.Exit(1)


@outbox_app.command("retry")
def outbox_retry(delivery_id: int = DELIVERY, fmt: Format = FORMAT_OPTION) -> None:
    """Send a dead-lettered delivery again, now, with its attempts counted anew."""
    from escalada.services.outbox import retry_delivery

    _deliveries([retry_delivery(ctx=context(), actor=actor(), delivery_id=delivery_id)], fmt)


@outbox_app.command("deliver")
def outbox_deliver(fmt: Format = FORMAT_OPTION) -> None:
    """Try every delivery due now, once (workers do this all the time)."""
    import os
    import socket

    from escalada.entrypoints.cli.output import console
    from escalada.services.outbox import deliver_due

    ctx, attempts = context(), []
    owner = f"{socket.gethostname()}:{os.getpid()}:cli"
    while batch := deliver_due(ctx, owner=owner):
        attempts += batch
    counts = {outcome: sum(a.outcome == outcome for a in attempts)
              for outcome in ("delivered", "retry", "dead", "skipped")}
    if fmt is Format.json:
        emit_json(counts)
        return
    console().print(", ".join(f"{named(name)} {count}" for name, count in counts.items()))
