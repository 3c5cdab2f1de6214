"""`escalada recovery ...`: the relationship recovery plan of a case."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from escalada.services.recovery import RecoveryPlanView, RecoveryTaskView

app = typer.Typer(
    help="Relationship recovery plans: opened when an L2+ escalation resolves (immediate, "
         "short-, medium- and long-term tasks, the post-mortem and the customer follow-up); "
         "show them, assign owners, move tasks along, add your own.",
    no_args_is_help=True,
)

CASE = typer.Argument(..., help="case id, e.g. CASE-1042")
REASON = typer.Option(None, "--reason", help="why (goes on the case's timeline)",
                      callback=NOTE)
DUE = ("a date (the end of that day in the account's time zone) or an ISO 8601 time "
       "with offset")


def _tasks_table(tasks: list[RecoveryTaskView], title: str | None = None) -> None:
    from rich.table import Table

    from escalada.entrypoints.cli.output import console, styled, when
    from escalada.entrypoints.cli.words import named, tr, trc

    table = Table(title=title, title_justify="left")
    for column in (tr("id"), tr("phase"), tr("task"), tr("owner"), tr("due"), tr("status")):
        table.add_column(column)
    unassigned = tr("unassigned")  # outside the f-string below, where the extractor sees it
    for task in tasks:
        owner = task.owner or f"({named(task.owner_role) if task.owner_role else unassigned})"
        said = named(task.status, "recovery task")
        status = (styled(said, (" " + trc("recovery task", "OVERDUE"), "red")) if task.overdue
                  else said)
        table.add_row(str(task.id), named(task.phase), task.text, owner,
                      when(task.due_at, task.timezone), status)
    console().print(table)


def _plan(view: RecoveryPlanView, fmt: Format) -> None:
    if fmt is Format.json:
        emit_json(view)
        return
    from escalada.entrypoints.cli.output import console, when
    from escalada.entrypoints.cli.words import named, ntr, tr

    overdue = ntr("{count} overdue", "{count} overdue", view.overdue_tasks)
    title = (tr("{case} recovery plan ({account}, reached {level}): {open} open, {overdue}",
                case=view.case, account=view.account, level=view.level, open=view.open_tasks,
                overdue=overdue) if view.level else
             tr("{case} recovery plan ({account}): {open} open, {overdue}", case=view.case,
                account=view.account, open=view.open_tasks, overdue=overdue))
    _tasks_table([task for phase in view.phases for task in phase.tasks], title=title)
    for name, task in ((tr("post-mortem"), view.post_mortem),
                       (tr("customer follow-up"), view.customer_follow_up)):
        if task is not None:
            console().print(tr("{name}: task {id}, {status}, due {due}", name=name, id=task.id,
                               status=named(task.status, "recovery task"),
                               due=when(task.due_at, task.timezone)))


def _task(view: RecoveryTaskView, fmt: Format) -> None:
    emit_json(view) if fmt is Format.json else _tasks_table([view])


@app.command("show")
def show(case_id: str = CASE, fmt: Format = FORMAT_OPTION) -> None:
    """The case's recovery plan by phase: owners, due dates, status, what is overdue."""
    from escalada.entrypoints.cli.words import language
    from escalada.services.recovery import recovery_plan

    _plan(recovery_plan(ctx=context(), case_id=case_id, language=language()), fmt)


@app.command("create")
def create(case_id: str = CASE, reason: str = REASON, fmt: Format = FORMAT_OPTION) -> None:
    """Make the plan by hand for a case that needs one (team lead and up; exit 5 if it
    has one); its due dates run from now."""
    from escalada.entrypoints.cli.words import language
    from escalada.services.recovery import create_plan

    _plan(create_plan(ctx=context(), actor=actor(), case_id=case_id, reason=reason,
                      language=language()), fmt)


@app.command("add")
def add(
    case_id: str = CASE,
    phase: str = typer.Option(..., "--phase",
                              help="immediate, short_term, medium_term or long_term"),
    text: str = typer.Option(..., "--text", help="what is to be done"),
    due: str = typer.Option(None, "--due", help=DUE),
    owner: str = typer.Option(None, "--owner", help="the user who owns it"),
    reason: str = REASON,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Add a task of your own to a case's plan."""
    from escalada.services.recovery import add_task

    _task(add_task(ctx=context(), actor=actor(), case_id=case_id, phase=phase, text=text,
                   due_at=due, owner=owner, reason=reason), fmt)


@app.command("task")
def task(
    task_id: int = typer.Argument(..., help="the task's id, as `recovery show` lists it",
                                  callback=id_of("recovery task")),
    owner: str = typer.Option(None, "--owner", help="the user who owns it"),
    unassign: bool = typer.Option(False, "--unassign", help="the task has no owner"),
    status: str = typer.Option(None, "--status", help="open, in_progress, done or cancelled"),
    due: str = typer.Option(None, "--due", help=DUE),
    no_due: bool = typer.Option(False, "--no-due", help="the task has no due date"),
    text: str = typer.Option(None, "--text", help="new wording"),
    reason: str = REASON,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Change a task: owner, status, due date or text (goes on the case's timeline)."""
    from escalada.domain.errors import InvalidInput
    from escalada.entrypoints.cli.words import language
    from escalada.services.recovery import update_task

    if unassign and owner is not None:
        raise InvalidInput.of("--unassign", "give either --owner or --unassign")
    if no_due and due is not None:
        raise InvalidInput.of("--no-due", "give either --due or --no-due")
    changes: dict[str, Any] = {
        name: value for name, value in
        (("owner", owner), ("status", status), ("due_at", due), ("text", text))
        if value is not None}
    if unassign:
        changes["owner"] = None
    if no_due:
        changes["due_at"] = None
    _task(update_task(ctx=context(), actor=actor(), task_id=task_id, reason=reason,
                      language=language(), **changes), fmt)
