"""`escalada audit ...`: is the timeline as it was written?"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

from escalada.entrypoints.cli.output import (
    FORMAT_OPTION,
    Format,
    console,
    context,
    emit_json,
    styled,
)

if TYPE_CHECKING:
    from escalada.services.audit import AuditView

app = typer.Typer(
    help="The tamper-evident timeline: check every case's hash chain.",
    no_args_is_help=True,
)
# A broken chain is a finding, not a failure of the command: the report is printed in
# full (table or JSON) and the exit code says what it found.
BROKEN_EXIT = 1
# Below this many entries the audit takes a blink: no progress bar.
LONG_RUN_ENTRIES = 20_000


@app.command(
    "verify",
    epilog=f"Exit codes: 0 every chain checked is intact; {BROKEN_EXIT} a link is broken "
           "(the report names the first broken entry of each case); 4 no such case; "
           "9 unknown or disabled user.",
)
def verify(
    case: str = typer.Option(None, "--case", help="only this case, e.g. CASE-1042"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Walk each case's timeline in order and report the first entry whose hash link does
    not hold: an entry altered, removed, inserted or reordered since it was written."""
    from escalada.services.audit import verify as verify_chains

    with _progress_bar() as progress:
        report = verify_chains(ctx=context(), case_id=case, progress=progress)
    emit_json(report) if fmt is Format.json else _report_table(report)
    if not report.intact:
        raise typer.Exit(BROKEN_EXIT)


@contextmanager
def _progress_bar() -> Iterator[Callable[[int, int], None]]:
    """A Rich bar on stderr, shown once the audit turns out to be long and only to a
    terminal, so that JSON on stdout stays clean."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskID,
        TimeRemainingColumn,
    )

    err = console(stderr=True)
    bar = Progress("checking the timeline", BarColumn(), MofNCompleteColumn(),
                   TimeRemainingColumn(), console=err, transient=True)
    task: list[TaskID] = []

    def advance(checked: int, total: int) -> None:
        if not task:
            if total < LONG_RUN_ENTRIES or not err.is_terminal:
                return
            bar.start()
            task.append(bar.add_task("entries", total=total))
        bar.update(task[0], completed=checked, total=total)

    try:
        yield advance
    finally:
        if task:
            bar.stop()


def _report_table(report: AuditView) -> None:
    from rich.table import Table

    from escalada.entrypoints.cli.output import when

    out = console()
    scope = report.case or f"{report.cases_checked} cases"
    checked = f"{scope}, {report.entries_checked} entries checked at {when(report.at)}"
    if report.intact:
        out.print(styled(("Timeline intact", "green"), f": {checked}."))
        return
    table = Table(title=f"Timeline BROKEN: {checked}", title_justify="left")
    for column in ("case", "entry", "kind", "at", "reason"):
        table.add_column(column)
    for link in report.broken:
        table.add_row(link.case, "—" if link.entry is None else str(link.entry),
                      link.kind or "—", when(link.at), link.reason)
    out.print(table)
