"""`escalada hooks ...`: the help desks' inbound webhooks that could not be applied,
and their replay."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from escalada.entrypoints.cli.output import (
    FORMAT_OPTION,
    Format,
    actor,
    context,
    emit_json,
    id_of,
)
from escalada.entrypoints.cli.paging import ALL_OPTION, CURSOR_OPTION, LIMIT_OPTION, print_pages
from escalada.entrypoints.cli.words import named, speaking, tr

if TYPE_CHECKING:
    from escalada.services.hooks import HookDeliveryView, HookReceiptView

app = typer.Typer(
    help="Help desks' inbound webhooks (Zendesk, Jira, generic): the deliveries that "
         "could not be applied, kept with what is wrong, and their replay.",
    no_args_is_help=True,
)
DELIVERY = typer.Argument(..., help="the delivery's id (hooks failed lists them)",
                          callback=id_of("webhook delivery"))


def _problems(view: HookDeliveryView) -> str:
    return "; ".join(f"{field}: {reason}" for field, reason in view.problems_in(speaking()))


def _table(views: list[HookDeliveryView], fmt: Format, *, states: bool = True) -> None:
    """The deliveries, with what became of each (`states`: not when all are failed)."""
    if fmt is Format.json:
        emit_json(views)
        return
    from rich.table import Table

    from escalada.entrypoints.cli.output import console, when

    table = Table()
    for column in (tr("id"), tr("source"), tr("event"), tr("ticket"), tr("received"),
                   *([tr("state")] if states else []), tr("attempts"), tr("what is wrong")):
        table.add_column(column)
    for v in views:
        state = [named(v.state, "webhook delivery")] if states else []
        table.add_row(str(v.id), v.source, v.event_type or v.event_id or "-", v.ticket or "-",
                      when(v.received_at), *state, str(v.attempts), _problems(v))
    console().print(table)


@app.command("failed")
def failed(
    limit: int = LIMIT_OPTION, cursor: str = CURSOR_OPTION, every: bool = ALL_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """The deliveries that could not be applied, newest first, with what is wrong (a page,
    as `hooks deliveries --state failed`)."""
    deliveries(state="failed", source=None, limit=limit, cursor=cursor, every=every, fmt=fmt)


@app.command("deliveries")
def deliveries(
    state: str | None = typer.Option(None, "--state", help="applied, ignored or failed"),
    source: str | None = typer.Option(None, "--source", help="zendesk, jira or generic"),
    limit: int = LIMIT_OPTION, cursor: str = CURSOR_OPTION, every: bool = ALL_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Every delivery received, newest first (a page; the next page's --cursor on stderr)."""
    from escalada.services.hooks import delivery_page

    print_pages(delivery_page, {"ctx": context(), "actor": actor(), "state": state,
                                "source": source, "limit": limit, "cursor": cursor},
                every=every, fmt=fmt,
                table=lambda views: _table(views, Format.table, states=state != "failed"),
                empty=tr("no failed webhook deliveries") if state == "failed"
                else tr("no webhook deliveries"))


@app.command("show")
def show(delivery_id: int = DELIVERY, fmt: Format = FORMAT_OPTION) -> None:
    """One delivery: what became of it, what is wrong, and its body as received."""
    from escalada.services.hooks import show_delivery

    view = show_delivery(ctx=context(), actor=actor(), delivery_id=delivery_id)
    if fmt is Format.json:
        emit_json(view)
        return
    from escalada.entrypoints.cli.output import console

    out = console()
    out.print(tr("delivery {id} from {source}: {state}", id=view.id, source=view.source,
                 state=named(view.state, "webhook delivery")), markup=False)
    if view.problems:
        out.print(tr("what is wrong: {problems}", problems=_problems(view)), markup=False)
    if view.outcome:
        out.print(tr("outcome: {outcome}", outcome=view.outcome_in(speaking())), markup=False)
    out.print(view.body, markup=False, highlight=False)


@app.command("replay")
def replay(delivery_id: int = DELIVERY, fmt: Format = FORMAT_OPTION) -> None:
    """Apply a failed delivery again, with the hooks mapping in force now."""
    from escalada.services.hooks import replay_delivery

    receipt = replay_delivery(ctx=context(), actor=actor(), delivery_id=delivery_id)
    _receipt(receipt, fmt)


def _receipt(receipt: HookReceiptView, fmt: Format) -> None:
    if fmt is Format.json:
        emit_json(receipt)
        return
    from escalada.entrypoints.cli.output import console

    console().print(tr("delivery {id}: {state} ({case}): {outcome}", id=receipt.delivery,
                       state=named(receipt.state, "webhook delivery"),
                       case=receipt.case or "-",
                       outcome=receipt.outcome_in(speaking())), markup=False)
