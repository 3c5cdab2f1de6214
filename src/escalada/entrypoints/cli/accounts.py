"""`escalada account ...`: the customers."""

from __future__ import annotations

import typer

from escalada.entrypoints.cli.output import FORMAT_OPTION, Format, actor, context, emit_json

app = typer.Typer(help="Customer accounts.", no_args_is_help=True)


@app.command("add")
def add(
    id: str = typer.Option(..., "--id", help="short stable id, e.g. acme"),
    name: str = typer.Option(..., "--name"),
    tier: str = typer.Option(..., "--tier", help="standard, enterprise or strategic"),
    plan: str = typer.Option(..., "--plan", help="developer, business or enterprise"),
    timezone: str = typer.Option("UTC", "--timezone", help="IANA zone, e.g. Europe/Moscow"),
    country: str = typer.Option(None, "--country", help="ISO 3166 code, e.g. RU"),
    language: str = typer.Option("en", "--language", help="ru or en"),
    health_score: float = typer.Option(None, "--health-score", help="0-100, where entered"),
    monthly_fee: str = typer.Option(None, "--monthly-fee",
                                    help="USD a month (the base of computed service credits)"),
    calendar: str = typer.Option(
        None, "--calendar",
        help="a stored business calendar (default: the policy's hours in --timezone)"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Register a customer account."""
    from escalada.entrypoints.cli.render import accounts_table
    from escalada.services.accounts import add_account

    account = add_account(
        ctx=context(), actor=actor(), id=id, name=name, tier=tier, support_plan=plan,
        timezone=timezone, country=country, language=language, health_score=health_score,
        monthly_fee_usd=monthly_fee, calendar=calendar,
    )
    emit_json(account) if fmt is Format.json else accounts_table([account])


@app.command("list")
def list_(fmt: Format = FORMAT_OPTION) -> None:
    """List the accounts."""
    from escalada.entrypoints.cli.render import accounts_table
    from escalada.services.accounts import list_accounts

    rows = list_accounts(ctx=context())
    emit_json(rows) if fmt is Format.json else accounts_table(rows)


@app.command("show")
def show(account_id: str = typer.Argument(...), fmt: Format = FORMAT_OPTION) -> None:
    """Show one account."""
    from escalada.entrypoints.cli.render import accounts_table
    from escalada.services.accounts import get_account

    account = get_account(ctx=context(), account_id=account_id)
    emit_json(account) if fmt is Format.json else accounts_table([account])


@app.command("calendar")
def calendar(
    account_id: str = typer.Argument(...),
    name: str = typer.Argument(
        ..., help="a stored calendar, or `policy` for the policy's hours in the account's zone"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Put an account on a business calendar (then `escalada sla recompute --account ID`)."""
    from escalada.entrypoints.cli.render import accounts_table
    from escalada.services.calendars import use_calendar

    account = use_calendar(ctx=context(), actor=actor(), account_id=account_id,
                           name=None if name == "policy" else name)
    emit_json(account) if fmt is Format.json else accounts_table([account])
