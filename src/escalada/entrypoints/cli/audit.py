"""`escalada audit ...`: is the timeline as it was written?"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
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
from escalada.entrypoints.cli.paging import ALL_OPTION, CURSOR_OPTION, LIMIT_OPTION, print_pages
from escalada.entrypoints.cli.words import ntr, speaking, tr

if TYPE_CHECKING:
    from escalada.services.agent_audit import AgentCallView
    from escalada.services.audit import AuditView

app = typer.Typer(
    help="The tamper-evident timeline: check every case's hash chain; sign checkpoints of "
         "the chain heads to keep outside the database.",
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
           "(the report names the first broken entry of each case); 2 the checkpoint "
           "cannot be trusted or ESCALADA_AUDIT_KEYS is malformed; 4 no such case; "
           "9 unknown or disabled user.",
)
def verify(
    case: str = typer.Option(None, "--case", help="only this case, e.g. CASE-1042"),
    against: str = typer.Option(
        None, "--against", metavar="FILE",
        help="a checkpoint (`audit checkpoint --out FILE`) each chain must still reach"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Walk each case's timeline in order and report the first entry whose hash link does
    not hold: an entry altered, removed, inserted or reordered since it was written (keyed
    hashes are checked with ESCALADA_AUDIT_KEYS), or a chain that no longer reaches the
    head a checkpoint signed."""
    from escalada.entrypoints.cli.output import read_json
    from escalada.services.audit import verify as verify_chains

    checkpoint = None if against is None else read_json(against, "--against")
    with _progress_bar() as progress:
        report = verify_chains(ctx=context(), case_id=case, progress=progress,
                               against=checkpoint)
    emit_json(report) if fmt is Format.json else _report_table(report)
    if not report.intact:
        raise typer.Exit(BROKEN_EXIT)


@app.command(
    "checkpoint",
    epilog="Exit codes: 0 written; 2 no audit key (ESCALADA_AUDIT_KEYS) or the file cannot "
           "be written; 4 no such case; 6 a chain is broken (nothing is signed); 7 not an "
           "admin; 9 unknown or disabled user.",
)
def checkpoint(
    out: str = typer.Option(..., "--out", metavar="FILE",
                            help="where to write the signed checkpoint (JSON)"),
    case: str = typer.Option(None, "--case", help="only this case, e.g. CASE-1042"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Sign each case's chain head (entry count, last entry, its hash) with the active
    audit key and write it to FILE: keep it where whoever can write the database cannot,
    and later `audit verify --against FILE`. An admin's; refused while a chain is broken."""

    from escalada.entrypoints.cli.output import actor, as_json
    from escalada.services.audit import checkpoint as sign_checkpoint

    document = sign_checkpoint(ctx=context(), actor=actor(), case_id=case)
    _write(Path(out), as_json(document) + "\n")
    if fmt is Format.json:
        emit_json(document)
        return
    console().print(ntr("Checkpoint of {count} case(s) signed with audit key {key} written to "
                        "{path}.", "Checkpoint of {count} case(s) signed with audit key {key} "
                        "written to {path}.", len(document.heads), key=document.key_id,
                        path=out))


@app.command("agents", epilog="Exit codes: 0 listed; 2 a bad option; 7 not an admin; "
                                "9 unknown or disabled user.")
def agents(
    user: str = typer.Option(None, "--user", help="only calls made with this user's token"),
    tool: str = typer.Option(None, "--tool", help="only this tool's calls (or a resource's "
                                                  "URI, e.g. escalada://policy)"),
    outcome: str = typer.Option(None, "--outcome", help="started, answered, refused or failed"),
    since: str = typer.Option(None, "--since", help="only calls at or after this ISO 8601 "
                                                    "time"),
    limit: int = LIMIT_OPTION, cursor: str = CURSOR_OPTION, every: bool = ALL_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """The agent call log (admins), oldest first: every MCP tool call and resource read,
    as the user whose token the agent holds, the identifiers among its arguments, and
    whether it was answered or refused (and why)."""
    from escalada.entrypoints.cli.output import actor, parse_time
    from escalada.services.agent_audit import agent_call_page

    print_pages(agent_call_page, {
        "ctx": context(), "actor": actor(), "user": user, "tool": tool, "outcome": outcome,
        "since": parse_time(since, "--since"), "limit": limit, "cursor": cursor,
    }, every=every, fmt=fmt, table=_calls_table,
                empty=tr("no agent calls"))


@app.command("agents-verify", epilog=f"Exit codes: 0 the chain is intact; {BROKEN_EXIT} a "
                                       "link is broken; 2 ESCALADA_AUDIT_KEYS is malformed; "
                                       "9 unknown or disabled user.")
def agents_verify(fmt: Format = FORMAT_OPTION) -> None:
    """Walk the agent call log's hash chain and report the first entry altered, removed,
    inserted or reordered since it was written (keyed hashes checked with
    ESCALADA_AUDIT_KEYS)."""
    from escalada.services.agent_audit import verify_calls

    report = verify_calls(ctx=context())
    if fmt is Format.json:
        emit_json(report)
    elif report.intact:
        console().print(styled((tr("Agent call log intact"), "green"), tr(
            ": {count} entries checked.", count=report.entries_checked)))
    else:
        console().print(styled((tr("Agent call log BROKEN"), "red"), tr(
            " at entry {entry}: {reason}", entry=report.broken_entry,
            reason=report.reason_in(speaking()))))
    if not report.intact:
        raise typer.Exit(BROKEN_EXIT)


def _calls_table(rows: list[AgentCallView]) -> None:
    from rich.table import Table

    from escalada.entrypoints.cli.output import when

    table = Table()
    for column in (tr("when"), tr("who"), tr("what")):
        table.add_column(column)
    for call in rows:
        about = " ".join(f"{name}={value}" for name, value in call.arguments.items())
        what = f"{call.tool} {about} — {tr(call.outcome)}".replace("  ", " ")
        if call.reason:
            what += f": {call.reason}"
        if not call.intact:
            what += " " + tr("[its hash does not hold]")
        table.add_row(when(call.at), call.actor, what)
    console().print(table)


def _write(path: Path, text: str) -> None:
    """Whole or not at all: a half-written checkpoint would prove nothing."""
    from escalada.domain.errors import InvalidInput

    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise InvalidInput.of("--out", "cannot write {path}: {strerror}", path=path,
                              strerror=error.strerror) from error


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
    bar = Progress(tr("checking the timeline"), BarColumn(), MofNCompleteColumn(),
                   TimeRemainingColumn(), console=err, transient=True)
    task: list[TaskID] = []

    def advance(checked: int, total: int) -> None:
        if not task:
            if total < LONG_RUN_ENTRIES or not err.is_terminal:
                return
            bar.start()
            task.append(bar.add_task(tr("entries"), total=total))
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
    scope = report.case or ntr("{count} case", "{count} cases", report.cases_checked)
    checked = ntr("{scope}, {count} entry checked at {at}", "{scope}, {count} entries checked "
                  "at {at}", report.entries_checked, scope=scope, at=when(report.at))
    for line in _provenance(report):
        out.print(line)
    if report.intact:
        out.print(styled((tr("Timeline intact"), "green"), f": {checked}."))
        return
    table = Table(title=tr("Timeline BROKEN: {checked}", checked=checked), title_justify="left")
    for column in (tr("case"), tr("entry"), tr("kind"), tr("at"), tr("reason")):
        table.add_column(column)
    language = speaking()
    for link in report.broken:
        table.add_row(link.case, "—" if link.entry is None else str(link.entry),
                      link.kind or "—", when(link.at), link.reason_in(language))
    out.print(table)


def _provenance(report: AuditView) -> list[str]:
    """What the verdict rests on: the keys, the checkpoint, and what nothing vouches for."""
    from escalada.entrypoints.cli.output import when

    lines = [tr("Audit keys: {keys}.", keys=", ".join(report.keys)) if report.keys
             else tr("No audit key given (ESCALADA_AUDIT_KEYS): hashes are checked, not "
                     "proven.")]
    if report.checkpoint is not None:
        used = report.checkpoint
        lines.append(ntr("Against the checkpoint of {count} case(s) taken at {at} by {name}, "
                         "signed with audit key {key}.",
                         "Against the checkpoint of {count} case(s) taken at {at} by {name}, "
                         "signed with audit key {key}.", used.cases, at=when(used.at),
                         name=used.by, key=used.key_id))
    if report.unkeyed_entries:
        lines.append(ntr("{count} entry is unkeyed: anyone with database access can rewrite "
                         "these.", "{count} entries are unkeyed: anyone with database access "
                         "can rewrite these.", report.unkeyed_entries))
    return lines
