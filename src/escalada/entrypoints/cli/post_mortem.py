"""`escalada postmortem start|show|attend|finding|action|done|complete|list`: the
post-mortem of a resolved case."""

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
    id_of,
)
from escalada.entrypoints.cli.paging import ALL_OPTION, CURSOR_OPTION, LIMIT_OPTION, print_pages
from escalada.entrypoints.cli.words import tr

if TYPE_CHECKING:
    from escalada.services.post_mortem import PostMortemItem, PostMortemView

app = typer.Typer(help="Post-mortems of resolved cases: the playbook's agenda, attendees, "
                       "findings and action items with owners and due dates; completing one "
                       "freezes it, puts it in the knowledge base and fills the report's "
                       "lessons learned.", no_args_is_help=True)

CASE = typer.Argument(..., help="case id, e.g. CASE-1042")
DUE = ("when it is due: a date (the end of that day in the account's time zone) or an "
       "ISO 8601 time with offset")


@app.command("start")
def start(case_id: str = CASE, fmt: Format = FORMAT_OPTION) -> None:
    """Start the post-mortem of a resolved case (attendees: the war room team and the
    executives on the case)."""
    from escalada.services.post_mortem import start_post_mortem

    _show(start_post_mortem(ctx=context(), actor=actor(), case_id=case_id), fmt)


@app.command("show")
def show(case_id: str = CASE, fmt: Format = FORMAT_OPTION) -> None:
    """The post-mortem: attendees, findings under each heading, action items."""
    from escalada.services.post_mortem import show_post_mortem

    _show(show_post_mortem(ctx=context(), case_id=case_id), fmt)


@app.command("attend")
def attend(
    case_id: str = CASE,
    add: list[str] = typer.Option([], "--add", help="a user to add (repeatable)",
                                  callback=LABEL),
    remove: list[str] = typer.Option([], "--remove", help="an attendee to take off "
                                     "(repeatable)", callback=LABEL),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Add people to the post-mortem's attendees, or take them off."""
    from escalada.services.post_mortem import attend as attend_

    _show(attend_(ctx=context(), actor=actor(), case_id=case_id, add=add, remove=remove), fmt)


@app.command("finding")
def finding(
    case_id: str = CASE,
    heading: str = typer.Option(..., "--heading", help="timeline_review, "
                                "root_cause_technical, root_cause_process, went_well, "
                                "went_wrong, preventive_measures or process_improvements"),
    text: str = typer.Option(..., "--text", help="the finding", callback=NOTE),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """File a finding under one of the agenda's headings."""
    from escalada.services.post_mortem import add_finding

    _show(add_finding(ctx=context(), actor=actor(), case_id=case_id, heading=heading,
                      text=text), fmt)


@app.command("action")
def action(
    case_id: str = CASE,
    what: str = typer.Option(..., "--what", help="what is to be done", callback=NOTE),
    due: str = typer.Option(..., "--due", help=DUE),
    owner: str = typer.Option(None, "--owner", help="the user who owns it (default: you)"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Add an action item (a tracked task; a timer reminds its owner when it falls due
    undone)."""
    from escalada.services.post_mortem import add_action

    _show(add_action(ctx=context(), actor=actor(), case_id=case_id, what=what, due_at=due,
                     owner=owner), fmt)


@app.command("done")
def done(
    case_id: str = CASE,
    action_id: int = typer.Argument(..., help="the action item's id (`postmortem show`)",
                                    callback=id_of("action")),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """An action item is done."""
    from escalada.services.post_mortem import finish_action

    _show(finish_action(ctx=context(), actor=actor(), case_id=case_id,
                        action_id=action_id), fmt)


@app.command("complete")
def complete(
    case_id: str = CASE,
    summary: str = typer.Option(None, "--summary", help="a summary for the knowledge base",
                                callback=NOTE),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Complete the post-mortem: it is frozen, published to the knowledge base and fills
    the report's lessons learned."""
    from escalada.services.post_mortem import complete_post_mortem

    _show(complete_post_mortem(ctx=context(), actor=actor(), case_id=case_id,
                               summary=summary), fmt)


@app.command("list")
def list_(
    overdue: bool = typer.Option(False, "--overdue", help="only those past their due time "
                                 "and not completed"),
    status: str = typer.Option(None, "--status", help="due (not started), open or completed"),
    account: str = typer.Option(None, "--account", help="only this account's cases'"),
    limit: int = LIMIT_OPTION, cursor: str = CURSOR_OPTION, every: bool = ALL_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Post-mortems by due time: due (not started), open or completed, and which are
    overdue (a page; the next page's --cursor on stderr)."""
    from escalada.services.post_mortem import post_mortem_page

    print_pages(post_mortem_page, {
        "ctx": context(), "overdue": overdue, "status": status, "account": account,
        "limit": limit, "cursor": cursor,
    }, every=every, fmt=fmt, table=lambda items: _list_table(items, overdue),
                empty=tr("no post-mortems"))


def _list_table(items: list[PostMortemItem], overdue: bool) -> None:
    from rich.table import Table

    from escalada.entrypoints.cli.output import console, styled, when
    from escalada.entrypoints.cli.words import named, tr

    table = Table(title=tr("overdue post-mortems") if overdue else tr("post-mortems"),
                  title_justify="left")
    for column in (tr("case"), tr("title"), tr("status"), tr("due"), tr("completed")):
        table.add_column(column)
    for item in items:
        said = named(item.status, "post-mortem")
        status = styled((tr("{status}, overdue", status=said), "red")) if item.overdue else said
        table.add_row(item.case, item.title, status, when(item.due_at), when(item.completed_at))
    console().print(table)


def _show(view: PostMortemView, fmt: Format) -> None:
    if fmt is Format.json:
        emit_json(view)
        return
    from rich.table import Table

    from escalada.entrypoints.cli.output import console, styled, when
    from escalada.entrypoints.cli.words import named, tr, trc

    out = console()
    status = named(view.status, "post-mortem")
    if view.due_at:
        line = tr("{case} post-mortem: {status}, due {due}", case=view.case, status=status,
                  due=when(view.due_at, view.timezone))
    else:
        line = tr("{case} post-mortem: {status}", case=view.case, status=status)
    out.print(line + (" " + trc("post-mortem", "OVERDUE") if view.overdue else ""), markup=False)
    if view.completed_at:
        out.print(tr("completed by {who}, {at}", who=view.completed_by,
                     at=when(view.completed_at, view.timezone)), markup=False)
    if view.summary:
        out.print(view.summary, markup=False)
    out.print(tr("attendees: {names}", names=", ".join(
        f"{a.name} ({named(a.why)})" for a in view.attendees) or tr("none")), markup=False)
    for heading, findings in view.agenda.items():
        out.print(f"\n{named(heading)}", markup=False)
        recorded = view.case_rca.get(heading)
        if recorded is not None:
            out.print("  * " + tr("the case's root cause: {text} ({who}, {at})",
                                  text=recorded.text, who=recorded.updated_by,
                                  at=when(recorded.updated_at, view.timezone)), markup=False)
        for f in findings:
            out.print(f"  - {f.text} ({f.added_by})", markup=False)
        if not findings and recorded is None:
            out.print("  — " + tr("(nothing yet)"), markup=False)
    table = Table(title=tr("action items"), title_justify="left")
    for column in (tr("id"), tr("action"), tr("owner"), tr("due"), tr("status")):
        table.add_column(column)
    for a in view.actions:
        shown = named(a.status, "action item")
        table.add_row(str(a.id), a.what, a.owner, when(a.due_at, view.timezone),
                      styled((shown, "red")) if a.status == "overdue" else shown)
    out.print(table)
