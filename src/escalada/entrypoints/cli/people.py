"""`escalada user ...` and `escalada token ...`: who may use escalada, and their API tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from escalada.entrypoints.cli.output import (
    FORMAT_OPTION,
    LABEL,
    Format,
    acting,
    actor,
    bare_context,
    console,
    context,
    emit_json,
    id_of,
    parse_time,
)
from escalada.entrypoints.cli.paging import ALL_OPTION, CURSOR_OPTION, LIMIT_OPTION, print_pages
from escalada.entrypoints.cli.words import tr

if TYPE_CHECKING:
    from escalada.services.people_log import PeopleLogEntryView
    from escalada.services.views import TokenView, UserView

user_app = typer.Typer(help="People and their roles.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens (stored hashed; shown once).", no_args_is_help=True)
ROLES = "viewer, engineer, team_lead, support_manager, support_director, vp or admin"


def _users_table(rows: list[UserView]) -> None:
    from rich.table import Table

    from escalada.entrypoints.cli.output import when
    from escalada.entrypoints.cli.words import named, tr, trc

    table = Table()
    for column in (tr("name"), tr("role"), trc("person", "title"), tr("display name"),
                   tr("email"), tr("language"), tr("disabled")):
        table.add_column(column)
    for u in rows:
        table.add_row(u.name, named(u.role), u.title or "", u.display_name or "", u.email or "",
                      u.language or "", when(u.disabled_at) if u.disabled_at else "")
    console().print(table)


@user_app.command("add")
def user_add(
    name: str = typer.Argument(..., help="login name, e.g. o.petrov"),
    role: str = typer.Option(..., "--role", help=ROLES),
    title: str = typer.Option(None, "--title", help="executive title, e.g. CEO, CTO, VP Support",
                             callback=LABEL),
    display_name: str = typer.Option(None, "--display-name", callback=LABEL),
    email: str = typer.Option(None, "--email", callback=LABEL),
    language: str = typer.Option(None, "--language", callback=LABEL,
                                 help="en or ru: what escalada writes to them in "
                                      "(default: the account's language)"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Add a person (the first one must be an admin; then only admins add people)."""
    from escalada.services.people import add_user
    from escalada.services.people_lists import user_page

    ctx = bare_context()
    who = actor() if user_page(ctx=ctx, limit=1).items else None
    user = add_user(ctx=ctx, actor=who, name=name, role=role, title=title,
                    display_name=display_name, email=email, language=language)
    emit_json(user) if fmt is Format.json else _users_table([user])


@user_app.command("update")
def user_update(
    name: str = typer.Argument(..., help="login name, e.g. o.petrov"),
    display_name: str = typer.Option(None, "--display-name", callback=LABEL,
                                     help="how letters sign (`none` clears)"),
    title: str = typer.Option(None, "--title", help="executive title, e.g. CEO (admin)",
                             callback=LABEL),
    email: str = typer.Option(None, "--email", callback=LABEL),
    language: str = typer.Option(None, "--language", callback=LABEL,
                                 help="en or ru: what escalada writes to them in (`none`: "
                                      "the account's language)"),
    slack_user_id: str = typer.Option(None, "--slack-user-id", callback=LABEL,
                                      help="their Slack user id, e.g. U0123ABC (admin): "
                                           "Slack commands act as them"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Set or change a person's display name, email and language (yours, or anyone's for
    an admin) or executive title and Slack user id (admin)."""
    from escalada.services.people import update_user

    given = {"display_name": display_name, "title": title, "email": email,
             "language": language, "slack_user_id": slack_user_id}
    changes: dict[str, object] = {
        field: None if value.strip().lower() == "none" else value
        for field, value in given.items() if value is not None}
    user = update_user(ctx=context(), actor=actor(), name=name, changes=changes)
    emit_json(user) if fmt is Format.json else _users_table([user])


@user_app.command("list")
def user_list(
    role: str = typer.Option(None, "--role", help=ROLES),
    disabled: bool = typer.Option(None, "--disabled/--enabled",
                                  help="only disabled people, or only those who may act"),
    name: str = typer.Option(None, "--name", help="name, display name or email containing this"),
    limit: int = LIMIT_OPTION, cursor: str = CURSOR_OPTION, every: bool = ALL_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """List the people by name, a page at a time (the next page's --cursor goes to stderr)."""
    from escalada.services.people_lists import user_page

    print_pages(user_page, {"ctx": context(), "role": role, "disabled": disabled,
                            "name": name, "limit": limit, "cursor": cursor},
                every=every, fmt=fmt, table=_users_table,
                empty=tr("no people"))


@user_app.command("disable")
def user_disable(name: str = typer.Argument(...), fmt: Format = FORMAT_OPTION) -> None:
    """Disable a person: they can no longer act, by the CLI or with any token."""
    from escalada.services.people import disable_user

    user = disable_user(ctx=context(), actor=actor(), name=name)
    emit_json(user) if fmt is Format.json else _users_table([user])


@user_app.command("enable")
def user_enable(name: str = typer.Argument(...), fmt: Format = FORMAT_OPTION) -> None:
    """Enable a disabled person again (their live tokens work again too)."""
    from escalada.services.people import enable_user

    user = enable_user(ctx=context(), actor=actor(), name=name)
    emit_json(user) if fmt is Format.json else _users_table([user])


@user_app.command("role")
def user_role(
    name: str = typer.Argument(...),
    role: str = typer.Argument(..., help=ROLES),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Give a person another role (admins; never your own; never the last admin's)."""
    from escalada.services.people import change_role

    user = change_role(ctx=context(), actor=actor(), name=name, role=role)
    emit_json(user) if fmt is Format.json else _users_table([user])


@user_app.command("password")
def user_password(
    name: str = typer.Argument(..., help="whose console password: yours, or anyone's (admin)"),
    password_stdin: bool = typer.Option(
        False, "--password-stdin",
        help="read the password from the first line of standard input (scripts)"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Set a web console password (asked twice, not shown; at least 10 characters).
    Yours, or anyone's for an admin; the API and the CLI keep using tokens and names."""
    import sys

    from escalada.services.passwords import set_password

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        from escalada.entrypoints.cli.help_words import asked_twice
        from escalada.entrypoints.cli.words import tr

        password = asked_twice(tr("New console password for {name}", name=name))
    user = set_password(ctx=context(), actor=actor(), name=name, password=password)
    if fmt is Format.json:
        emit_json(user)
    else:
        from escalada.entrypoints.cli.words import tr

        console().print(tr("console password set for {name}", name=user.name))


@user_app.command("log")
def user_log(
    user: str = typer.Option(None, "--user", help="only this person's entries"),
    kind: str = typer.Option(None, "--kind", help="only entries of this kind, e.g. "
                                                  "role_changed"),
    since: str = typer.Option(None, "--since", help="only entries at or after this ISO 8601 "
                                                    "time"),
    limit: int = LIMIT_OPTION, cursor: str = CURSOR_OPTION, every: bool = ALL_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """The people log (admins), oldest first, a page at a time: who added, promoted,
    demoted, disabled or enabled whom, and who made or revoked which token."""
    from escalada.services.people_lists import people_log_page

    print_pages(people_log_page, {
        "ctx": context(), "actor": actor(), "user": user, "kind": kind,
        "since": parse_time(since, "--since"), "limit": limit, "cursor": cursor,
    }, every=every, fmt=fmt, table=_log_table,
                empty=tr("nothing in the people log"))


def _log_table(rows: list[PeopleLogEntryView]) -> None:
    from rich.table import Table

    from escalada.entrypoints.cli.output import when
    from escalada.entrypoints.cli.words import speaking, tr

    table = Table()
    for column in (tr("when"), tr("who"), tr("what")):
        table.add_column(column)
    for entry in rows:
        table.add_row(when(entry.at), entry.actor, entry.summary_in(speaking()))
    console().print(table)


@token_app.command("create")
def token_create(
    user: str = typer.Option(None, "--user", callback=LABEL,
                             help="only yourself: tokens are created by their owner"),
    expires_in_days: int = typer.Option(
        None, "--expires-in-days",
        help="days it lasts (default 90, at most 365; ESCALADA_TOKEN_DAYS and "
             "ESCALADA_TOKEN_MAX_DAYS change them)"),
    label: str = typer.Option(None, "--label", help="what it is for, e.g. ci", callback=LABEL),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Create an API token of your own and print it once: it is stored only as a hash."""
    from escalada.services.people import create_token

    created = create_token(ctx=context(), actor=actor(), user=user,
                           expires_in_days=expires_in_days, label=label)
    if fmt is Format.json:
        emit_json(created)
        return
    from escalada.entrypoints.cli.output import when
    from escalada.entrypoints.cli.words import tr

    console().print(created.token)
    if created.expires_at:
        told = tr("token {id} for {user}, expires {at}: keep it now, it is not shown again. "
                  "Send it as `Authorization: Bearer <token>`.", id=created.id,
                  user=created.user_name, at=when(created.expires_at))
    else:
        told = tr("token {id} for {user}: keep it now, it is not shown again. Send it as "
                  "`Authorization: Bearer <token>`.", id=created.id, user=created.user_name)
    console(stderr=True).print(told)


@token_app.command("list")
def token_list(
    user: str = typer.Option(None, "--user", help="whose tokens (default: yours); all: "
                                                  "everyone's (admin)"),
    everyone: bool = typer.Option(False, "--everyone", help="everyone's (admin): --user all"),
    active: bool = typer.Option(None, "--active/--inactive",
                                help="only tokens that work now, or only revoked or expired"),
    limit: int = LIMIT_OPTION, cursor: str = CURSOR_OPTION, every: bool = ALL_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """List tokens by id (never the secrets), a page at a time (the next page's --cursor
    goes to stderr; --all: every page)."""
    from escalada.services.people_lists import token_page

    whose = None if everyone or user == "all" else (user or acting.name)
    print_pages(token_page, {"ctx": context(), "actor": actor(), "user": whose,
                             "active": active, "limit": limit, "cursor": cursor},
                every=every, fmt=fmt, table=_tokens_table,
                empty=tr("no tokens"))


def _tokens_table(rows: list[TokenView]) -> None:
    from rich.table import Table

    from escalada.entrypoints.cli.output import when
    from escalada.entrypoints.cli.words import tr

    table = Table()
    for column in (tr("id"), tr("user"), tr("label"), tr("created"), tr("created by"),
                   tr("expires"), tr("revoked"), tr("last used")):
        table.add_column(column)
    for t in rows:
        table.add_row(str(t.id), t.user_name, t.label or "", when(t.created_at),
                      t.created_by or "?", when(t.expires_at) if t.expires_at else tr("never"),
                      when(t.revoked_at), when(t.last_used_at))
    console().print(table)


@token_app.command("revoke")
def token_revoke(
    token_id: int = typer.Argument(..., callback=id_of("token")), fmt: Format = FORMAT_OPTION,
) -> None:
    """Revoke a token: it stops working at once."""
    from escalada.services.people import revoke_token

    token = revoke_token(ctx=context(), actor=actor(), token_id=token_id)
    if fmt is Format.json:
        emit_json(token)
    else:
        from escalada.entrypoints.cli.words import tr

        console().print(tr("token {id} of {user} revoked", id=token.id, user=token.user_name))
