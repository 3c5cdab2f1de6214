"""`escalada credit ...`: service credits, proposed and decided within one's authority."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from escalada.entrypoints.cli.output import (
    FORMAT_OPTION,
    Format,
    actor,
    check_version,
    context,
    either,
    emit_json,
    id_of,
    old_spelling,
)
from escalada.entrypoints.cli.paging import ALL_OPTION, CURSOR_OPTION, LIMIT_OPTION, print_pages
from escalada.entrypoints.cli.words import tr

if TYPE_CHECKING:
    from escalada.services.credits import CreditView

app = typer.Typer(
    help="Service credits: propose (entered or computed from the breach), approve or "
         "reject within your authority, route up to the level that may approve.",
    no_args_is_help=True,
)

CREDIT = typer.Argument(..., help="the credit's number, as `credit list` shows it",
                        callback=id_of("service credit"))
DECISION_REASON = typer.Option(..., "--reason", help="why (goes on the timeline)")
VERSION = typer.Option(
    None, "--expected-version", help="refuse if the credit changed since you read this version",
    callback=check_version)


def _credits_table(rows: list[CreditView]) -> None:
    from rich.table import Table

    from escalada.entrypoints.cli.output import console, when
    from escalada.entrypoints.cli.words import money, named, tr

    table = Table()
    for column, right in ((tr("id"), False), (tr("case"), False), (tr("amount"), True),
                          (tr("basis"), False), (tr("state"), False), (tr("approver"), False),
                          (tr("proposed"), False), (tr("decided"), False),
                          (tr("reason"), False)):
        table.add_column(column, justify="right" if right else "left")
    nobody = tr("nobody")  # outside the f-string below, where the extractor sees it
    for c in rows:
        decided = f"{c.decided_by} {when(c.decided_at)}" if c.decided_by else ""
        table.add_row(
            str(c.id), c.case, money(c.amount_usd), named(c.basis, "credit"),
            named(c.state, "credit"),
            f"{named(c.approver_role) if c.approver_role else nobody} "
            f"({c.approver_level or '—'})",
            f"{c.proposed_by} {when(c.proposed_at)}", decided,
            c.decision_reason or c.reason or "")
    console().print(table)


def _done(view: CreditView, fmt: Format) -> None:
    if fmt is Format.json:
        emit_json(view)
        return
    from escalada.domain.credits import explained
    from escalada.entrypoints.cli.output import console
    from escalada.entrypoints.cli.words import speaking, tr

    _credits_table([view])
    if view.computation:
        console().print(tr("computed from the breach: {how}",
                           how=explained(view.computation).render(speaking())))


@app.command("propose")
def propose(
    case_id: str = typer.Argument(..., help="case id, e.g. CASE-1042"),
    amount_usd: str = typer.Option(None, "--amount-usd", help="USD, e.g. 499.99"),
    amount: str = old_spelling("--amount"),
    from_breach: bool = typer.Option(
        False, "--from-breach",
        help="compute it from the case's worst SLA breach (the policy's credit schedule)"),
    reason: str = typer.Option(None, "--reason", help="why (goes on the timeline)"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Propose a service credit for a case: --amount-usd USD or --from-breach."""
    from escalada.services.credits import propose_credit

    _done(propose_credit(ctx=context(), actor=actor(), case_id=case_id,
                         amount_usd=either(amount_usd, amount),
                         from_breach=from_breach, reason=reason), fmt)


@app.command("approve")
def approve(
    credit_id: int = CREDIT, reason: str = DECISION_REASON, expected_version: int = VERSION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Approve a proposed credit (exit 7 names the role its amount needs)."""
    from escalada.services.credits import approve_credit

    _done(approve_credit(ctx=context(), actor=actor(), credit_id=credit_id, reason=reason,
                         expected_version=expected_version), fmt)


@app.command("reject")
def reject(
    credit_id: int = CREDIT, reason: str = DECISION_REASON, expected_version: int = VERSION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Reject a proposed credit (it takes the same authority as approving it)."""
    from escalada.services.credits import reject_credit

    _done(reject_credit(ctx=context(), actor=actor(), credit_id=credit_id, reason=reason,
                        expected_version=expected_version), fmt)


@app.command("route")
def route(
    credit_id: int = CREDIT, expected_version: int = VERSION, fmt: Format = FORMAT_OPTION,
) -> None:
    """Escalate the credit's case to the executive level whose authority covers it."""
    from escalada.entrypoints.cli.output import console
    from escalada.entrypoints.cli.words import named, tr
    from escalada.services.credits import route_credit

    routed = route_credit(ctx=context(), actor=actor(), credit_id=credit_id,
                          expected_version=expected_version)
    if fmt is Format.json:
        emit_json(routed)
        return
    _credits_table([routed.credit])
    console().print(tr("{case} escalated to {level} ({role} may approve it)",
                       case=routed.case.snapshot.id, level=routed.case.snapshot.exec_level,
                       role=named(routed.credit.approver_role)))


@app.command("list")
def list_(
    case: str = typer.Option(None, "--case", help="only this case's credits"),
    account: str = typer.Option(None, "--account", help="only this account's cases' credits"),
    state: str = typer.Option(None, "--state", help="proposed, approved or rejected"),
    limit: int = LIMIT_OPTION, cursor: str = CURSOR_OPTION, every: bool = ALL_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """List service credits, oldest first, a page at a time (the next page's --cursor goes
    to stderr)."""
    from escalada.services.credit_list import credit_page

    print_pages(credit_page, {"ctx": context(), "case": case, "account": account,
                              "state": state, "limit": limit, "cursor": cursor},
                every=every, fmt=fmt, table=_credits_table,
                empty=tr("no service credits"))


@app.command("show")
def show(credit_id: int = CREDIT, fmt: Format = FORMAT_OPTION) -> None:
    """One credit: amount, how it was computed, who proposed and decided it."""
    from escalada.services.credits import show_credit

    _done(show_credit(ctx=context(), credit_id=credit_id), fmt)
