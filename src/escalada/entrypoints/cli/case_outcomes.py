"""`escalada case rca|commit|commitments|commit-close`: a case's root cause and the
commitments made to its customer (registered on the `case` command group)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from escalada.entrypoints.cli.output import (
    FORMAT_OPTION,
    NOTE,
    Format,
    actor,
    context,
    emit_json,
    id_of,
)
from escalada.entrypoints.cli.paging import ALL_OPTION, CURSOR_OPTION, LIMIT_OPTION, print_pages
from escalada.entrypoints.cli.words import tr

if TYPE_CHECKING:
    from escalada.services.commitments import CommitmentView
    from escalada.services.root_cause import RootCauseView

CASE = typer.Argument(..., help="case id, e.g. CASE-1042")
DUE = ("when it was promised: a date (the end of that day in the account's time zone) "
       "or an ISO 8601 time with offset")


def rca(
    case_id: str = CASE,
    technical: str = typer.Option(None, "--technical", help="the technical root cause",
                                  callback=NOTE),
    process: str = typer.Option(None, "--process",
                                help="the process root cause (why it was not caught or "
                                     "handled sooner)", callback=NOTE),
    reason: str = typer.Option(None, "--reason", help="why (goes on the timeline)",
                               callback=NOTE),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Enter or revise the case's root cause, technical and process (either or both;
    the one not given stays as it was). Without options, show it."""
    from escalada.services.root_cause import record_root_cause, root_cause

    if technical is None and process is None and reason is None:
        _root_cause(root_cause(ctx=context(), case_id=case_id), fmt)
        return
    _root_cause(record_root_cause(ctx=context(), actor=actor(), case_id=case_id,
                                  technical=technical, process=process, reason=reason), fmt)


def commit(
    case_id: str = CASE,
    what: str = typer.Option(..., "--what", help="what the customer was promised",
                             callback=NOTE),
    due: str = typer.Option(..., "--due", help=DUE),
    owner: str = typer.Option(None, "--owner", help="the user who owns it (default: you)"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Record a commitment made to the customer: a timer marks it missed if it is still
    open at its due time; `case commit-close` marks it met (or missed, if late)."""
    from escalada.services.commitments import make_commitment

    _commitments([make_commitment(ctx=context(), actor=actor(), case_id=case_id, what=what,
                                  due_at=due, owner=owner)], fmt, single=True)


def commitments(
    case_id: str = CASE,
    state: str = typer.Option(None, "--state", help="open, met or missed"),
    limit: int = LIMIT_OPTION, cursor: str = CURSOR_OPTION, every: bool = ALL_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """The commitments made to the case's customer, each open, met or missed."""
    from functools import partial

    from escalada.services.commitments import commitment_page

    print_pages(partial(commitment_page, ctx=context(), case_id=case_id),
                {"state": state, "limit": limit, "cursor": cursor}, every=every, fmt=fmt,
                table=lambda views: _commitments(views, Format.table, title=case_id),
                empty=tr("no commitments"))


def commit_close(
    case_id: str = CASE,
    commitment_id: int = typer.Argument(..., help="the commitment's id (`case commitments`)",
                                        callback=id_of("commitment")),
    note: str = typer.Option(None, "--note", help="how it was delivered", callback=NOTE),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """The commitment is delivered: met if by its due time, missed if late."""
    from escalada.services.commitments import close_commitment

    _commitments([close_commitment(ctx=context(), actor=actor(), case_id=case_id,
                                   commitment_id=commitment_id, note=note)], fmt, single=True)


def register(app: typer.Typer) -> None:
    app.command("rca")(rca)
    app.command("commit")(commit)
    app.command("commitments")(commitments)
    app.command("commit-close")(commit_close)


def _root_cause(view: RootCauseView, fmt: Format) -> None:
    if fmt is Format.json:
        emit_json(view)
        return
    from escalada.entrypoints.cli.output import console, when
    from escalada.entrypoints.cli.words import tr

    out = console()
    out.print(tr("{case} root cause (by {name}, {at})", case=view.case, name=view.updated_by,
                 at=when(view.updated_at)), markup=False)
    missing = tr("— (not entered)")
    for label, text in ((tr("technical"), view.technical), (tr("process"), view.process)):
        out.print(f"{label}: {text or missing}", markup=False)


def _commitments(views: list[CommitmentView], fmt: Format, *, single: bool = False,
                 title: str | None = None) -> None:
    if fmt is Format.json:
        emit_json(views[0] if single else views)
        return
    from rich.table import Table

    from escalada.entrypoints.cli.output import console, styled, when
    from escalada.entrypoints.cli.words import named, tr

    table = Table(title=title, title_justify="left")
    for column in (tr("id"), tr("commitment"), tr("owner"), tr("due"), tr("state"),
                   tr("closed")):
        table.add_column(column)
    for v in views:
        state = styled((named(v.state), "red")) if v.state == "missed" else named(v.state)
        table.add_row(str(v.id), v.what, v.owner, when(v.due_at, v.timezone), state,
                      when(v.closed_at, v.timezone))
    console().print(table)
