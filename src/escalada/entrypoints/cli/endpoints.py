"""`escalada endpoint ...`: the named destinations of webhook and Slack deliveries."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from escalada.entrypoints.cli.output import FORMAT_OPTION, Format, actor, context, emit_json
from escalada.entrypoints.cli.paging import ALL_OPTION, CURSOR_OPTION, LIMIT_OPTION, print_pages
from escalada.entrypoints.cli.words import tr

if TYPE_CHECKING:
    from escalada.services.endpoints import EndpointView

app = typer.Typer(
    help="Where webhook and Slack messages may go: destinations an admin names, which "
         "senders give by name (`comms send --to NAME`). URLs are shown masked.",
    no_args_is_help=True,
)
NAME = typer.Argument(..., help="the endpoint's name, e.g. ops-webhook")


def _table(views: list[EndpointView], fmt: Format) -> None:
    if fmt is Format.json:
        emit_json(views)
        return
    from rich.table import Table

    from escalada.entrypoints.cli.output import console, when
    from escalada.entrypoints.cli.words import said, tr

    table = Table()
    for column in (tr("name"), tr("channel"), "url", tr("by"), tr("since")):
        table.add_column(column)
    for v in views:
        table.add_row(v.name, said("channel", v.channel), v.url, v.created_by,
                      when(v.created_at))
    console().print(table)


@app.command("add")
def add(
    name: str = NAME,
    channel: str = typer.Option(..., "--channel", help="webhook or slack"),
    url: str = typer.Option(
        ..., "--url", help="the http(s) URL (a Slack incoming webhook's is a secret: it is "
                           "never shown again)"),
    replace: bool = typer.Option(
        False, "--replace", help="point an existing name at this URL (e.g. a rotated Slack "
                                 "webhook)"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Name a destination (admins only; audited)."""
    from escalada.entrypoints import logs
    from escalada.services.endpoints import add_endpoint

    logs.configure()  # the audit line goes to stderr, not into the output

    view = add_endpoint(ctx=context(), actor=actor(), name=name, channel=channel, url=url,
                        replace=replace)
    _table([view], fmt)


@app.command("list")
def list_(
    channel: str = typer.Option(None, "--channel", help="webhook or slack"),
    limit: int = LIMIT_OPTION, cursor: str = CURSOR_OPTION, every: bool = ALL_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """The destinations, their URLs masked (scheme and host only), a page at a time."""
    from escalada.services.endpoints import endpoint_page

    print_pages(endpoint_page, {"ctx": context(), "channel": channel, "limit": limit,
                                "cursor": cursor},
                every=every, fmt=fmt, table=lambda views: _table(views, Format.table),
                empty=tr("no endpoints"))


@app.command("remove")
def remove(name: str = NAME, fmt: Format = FORMAT_OPTION) -> None:
    """Remove a destination (admins only; audited): deliveries still waiting for it are
    dead-lettered at their next attempt."""
    from escalada.entrypoints import logs
    from escalada.services.endpoints import remove_endpoint

    logs.configure()

    _table([remove_endpoint(ctx=context(), actor=actor(), name=name)], fmt)
