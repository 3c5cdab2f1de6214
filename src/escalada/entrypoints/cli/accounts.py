"""`escalada account ...`: the customers."""

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
    either,
    emit_json,
    old_spelling,
    parse_time,
    required,
)
from escalada.entrypoints.cli.paging import ALL_OPTION, CURSOR_OPTION, LIMIT_OPTION, print_pages
from escalada.entrypoints.cli.words import tr

if TYPE_CHECKING:
    from escalada.services.views import AccountLogEntryView, ContactView

app = typer.Typer(help="Customer accounts.", no_args_is_help=True)


@app.command("add")
def add(
    id: str = typer.Option(..., "--id", help="short stable id, e.g. acme"),
    name: str = typer.Option(..., "--name"),
    tier: str = typer.Option(..., "--tier", help="standard, enterprise or strategic"),
    support_plan: str = typer.Option(None, "--support-plan",
                                     help="developer, business or enterprise (required)"),
    plan: str = old_spelling("--plan"),
    timezone: str = typer.Option("UTC", "--timezone", help="IANA zone, e.g. Europe/Moscow"),
    country: str = typer.Option(None, "--country", help="ISO 3166 code, e.g. RU"),
    language: str = typer.Option("en", "--language", help="ru or en"),
    health_score: str = typer.Option(None, "--health-score", hidden=True),
    monthly_fee_usd: str = typer.Option(
        None, "--monthly-fee-usd", help="USD a month (the base of computed service credits)"),
    monthly_fee: str = old_spelling("--monthly-fee"),
    calendar: str = typer.Option(
        None, "--calendar",
        help="a stored business calendar (default: the policy's hours in --timezone)"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Register a customer account."""
    from escalada.entrypoints.cli.render import accounts_table
    from escalada.services.accounts import add_account

    _computed(health_score)
    account = add_account(
        ctx=context(), actor=actor(), id=id, name=name, tier=tier,
        support_plan=required(either(support_plan, plan), "support_plan"),
        timezone=timezone, country=country, language=language,
        monthly_fee_usd=either(monthly_fee_usd, monthly_fee), calendar=calendar,
    )
    emit_json(account) if fmt is Format.json else accounts_table([account])


@app.command("list")
def list_(
    name: str = typer.Option(None, "--name", help="accounts whose name or id contains this"),
    tier: str = typer.Option(None, "--tier", help="standard, enterprise or strategic"),
    support_plan: str = typer.Option(None, "--support-plan",
                                     help="developer, business or enterprise"),
    band: str = typer.Option(None, "--band", help="the newest kept score's band, e.g. "
                                                  "at_risk"),
    sort: str = typer.Option("id", "--sort", help="id, name, or health (worst first)"),
    limit: int = LIMIT_OPTION, cursor: str = CURSOR_OPTION, every: bool = ALL_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """List the accounts with their health band and trend, a page at a time (the next
    page's --cursor goes to stderr)."""
    from escalada.entrypoints.cli.render import accounts_table
    from escalada.services.account_list import account_page

    print_pages(account_page, {
        "ctx": context(), "name": name, "tier": tier, "support_plan": support_plan,
        "band": band, "sort": sort, "limit": limit, "cursor": cursor,
    }, every=every, fmt=fmt, table=accounts_table,
                empty=tr("no accounts"))


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


@app.command("update")
def update(
    account_id: str = typer.Argument(...),
    name: str = typer.Option(None, "--name", callback=LABEL),
    tier: str = typer.Option(None, "--tier", help="standard, enterprise or strategic"),
    support_plan: str = typer.Option(None, "--support-plan",
                                     help="developer, business or enterprise"),
    plan: str = old_spelling("--plan"),
    timezone: str = typer.Option(None, "--timezone", help="IANA zone, e.g. Europe/Moscow"),
    country: str = typer.Option(None, "--country", help="ISO 3166 code, e.g. RU; `none` clears"),
    language: str = typer.Option(None, "--language", help="ru or en"),
    health_score: str = typer.Option(None, "--health-score", hidden=True),
    monthly_fee_usd: str = typer.Option(
        None, "--monthly-fee-usd",
        help="USD a month (the base of computed service credits); `none` clears"),
    monthly_fee: str = old_spelling("--monthly-fee"),
    reason: str = typer.Option(None, "--reason", help="why (goes on the account's log)",
                               callback=NOTE),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Change an account (admin, or support_manager and above). Its open cases record the
    change on their timelines and plan their timers on it."""
    from escalada.entrypoints.cli.render import accounts_table
    from escalada.services.accounts import update_account

    _computed(health_score)
    given = {"name": name, "tier": tier, "support_plan": either(support_plan, plan),
             "timezone": timezone, "country": country, "language": language,
             "monthly_fee_usd": either(monthly_fee_usd, monthly_fee)}
    changes = {field: None if value.strip().lower() == "none" else value
               for field, value in given.items() if value is not None}
    account = update_account(ctx=context(), actor=actor(), account_id=account_id,
                             changes=changes, reason=reason)
    emit_json(account) if fmt is Format.json else accounts_table([account])


def _computed(health_score: str | None) -> None:
    """The typed health score is gone: say where the score comes from now."""
    if health_score is not None:
        from escalada.domain.errors import InvalidInput
        from escalada.services.accounts import HEALTH_IS_COMPUTED

        raise InvalidInput.of("--health-score", HEALTH_IS_COMPUTED)


@app.command("history")
def history(
    account_id: str = typer.Argument(...),
    kind: str = typer.Option(None, "--kind", help="only entries of this kind, e.g. "
                                                  "account_updated"),
    since: str = typer.Option(None, "--since", help="only entries at or after this ISO 8601 "
                                                    "time"),
    limit: int = LIMIT_OPTION, cursor: str = CURSOR_OPTION, every: bool = ALL_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Who added or changed the account and its contacts, when and why: oldest first, a
    page at a time (the next page's --cursor goes to stderr)."""
    from functools import partial

    from escalada.services.account_log import history_page

    print_pages(partial(history_page, ctx=context(), account_id=account_id),
                {"kind": kind, "since": parse_time(since, "--since"), "limit": limit,
                 "cursor": cursor}, every=every, fmt=fmt, table=_history_table,
                empty=tr("nothing in the account's history"))


def _history_table(rows: list[AccountLogEntryView]) -> None:
    from rich.table import Table

    from escalada.entrypoints.cli.output import console, when
    from escalada.entrypoints.cli.words import speaking, tr

    table = Table()
    for column in (tr("at"), tr("by"), tr("what"), tr("why")):
        table.add_column(column)
    for entry in rows:
        table.add_row(when(entry.at), entry.actor, entry.summary_in(speaking()),
                      entry.reason or "")
    console().print(table)


contact_app = typer.Typer(help="The people at a customer who escalate, and how letters "
                               "greet them.", no_args_is_help=True)
app.add_typer(contact_app, name="contact")


@contact_app.command("add")
def contact_add(
    account_id: str = typer.Argument(...),
    name: str = typer.Option(..., "--name", help="e.g. Ivan Petrov, Иван Петрович Сидоров"),
    level: str = typer.Option("staff", "--level", help="staff, manager, vp or c_level"),
    title: str = typer.Option(None, "--title", help="e.g. CTO, VP Engineering"),
    email: str = typer.Option(None, "--email"),
    language: str = typer.Option(None, "--language", help="ru or en, if not the account's"),
    address_as: str = typer.Option(None, "--address-as",
                                   help="how letters greet them, e.g. Иван Петрович "
                                        "(default: the name)"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Add a contact at the customer (engineer and above)."""
    from escalada.services.contacts import add_contact

    fields = {"name": name, "level": level, "title": title, "email": email,
              "language": language, "address_as": address_as}
    contact = add_contact(ctx=context(), actor=actor(), account_id=account_id,
                          **{key: value for key, value in fields.items() if value is not None})
    emit_json(contact) if fmt is Format.json else _contacts_table([contact])


@contact_app.command("list")
def contact_list(
    account_id: str = typer.Argument(...),
    removed: bool = typer.Option(False, "--removed", help="include removed contacts"),
    level: str = typer.Option(None, "--level", help="staff, manager, vp or c_level"),
    name: str = typer.Option(None, "--name", help="name, title or email containing this"),
    limit: int = LIMIT_OPTION, cursor: str = CURSOR_OPTION, every: bool = ALL_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """The account's contacts by id (a page; the next page's --cursor on stderr)."""
    from functools import partial

    from escalada.services.contacts import contact_page

    print_pages(partial(contact_page, ctx=context(), account_id=account_id),
                {"removed": removed, "level": level, "name": name, "limit": limit,
                 "cursor": cursor}, every=every, fmt=fmt, table=_contacts_table,
                empty=tr("no contacts"))


@contact_app.command("remove")
def contact_remove(
    account_id: str = typer.Argument(...),
    contact: str = typer.Argument(..., help="the contact's id or email"),
    reason: str = typer.Option(None, "--reason", help="why (goes on the account's log)",
                               callback=NOTE),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """The contact no longer speaks for the customer (cases that named them keep them)."""
    from escalada.services.contacts import remove_contact

    removed = remove_contact(ctx=context(), actor=actor(), account_id=account_id,
                             contact=contact, reason=reason)
    emit_json(removed) if fmt is Format.json else _contacts_table([removed])


def _contacts_table(rows: list[ContactView]) -> None:
    from rich.table import Table

    from escalada.entrypoints.cli.output import console, when
    from escalada.entrypoints.cli.words import named, tr, trc

    table = Table()
    for column in (tr("id"), tr("name"), tr("greeted as"), trc("person", "title"), tr("level"),
                   tr("email"), tr("lang"), tr("removed")):
        table.add_column(column)
    for c in rows:
        table.add_row(str(c.id), c.name, c.address_as or "",
                      c.title or "", named(c.level), c.email or "", c.language or "",
                      when(c.removed_at) if c.removed_at else "")
    console().print(table)
