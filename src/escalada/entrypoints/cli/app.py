"""The root command: global options, error reporting, and the top-level commands."""

from __future__ import annotations

import getpass
import os
from typing import Any

import typer
from typer.core import TyperGroup

from escalada.entrypoints.cli import (
    accounts,
    audit,
    cases,
    clocks,
    comms,
    credits,
    endpoints,
    people,
    recovery,
    vendors,
    war_rooms,
)
from escalada.entrypoints.cli.output import (
    FORMAT_OPTION,
    Format,
    acting,
    actor,
    bare_context,
    emit_json,
    parse_time,
    read_json,
)
from escalada.entrypoints.errors import EXIT_CODES_HELP, exit_code


class EscaladaGroup(TyperGroup):
    """Reports domain errors as one clear line and the mapped exit code."""

    def invoke(self, ctx: Any) -> Any:
        from escalada.domain.errors import EscaladaError

        try:
            return super().invoke(ctx)
        except EscaladaError as error:
            _report(error)
            raise typer.Exit(_exit_code(error)) from error


def _report(error: Exception) -> None:
    from escalada.domain.errors import HandoffIncomplete, InvalidInput
    from escalada.entrypoints.cli.output import console, styled

    err = console(stderr=True)
    if isinstance(error, InvalidInput):
        for field, reason in error.problems:
            err.print(styled(("error:", "red"), f" {field}: {reason}"))
    else:
        err.print(styled(("error:", "red"), f" {error}"))
    if isinstance(error, HandoffIncomplete):
        for item in error.missing:
            err.print(f"  missing: {item}")


def _exit_code(error: Exception) -> int:
    from escalada.domain.errors import EscaladaError

    return exit_code(error) if isinstance(error, EscaladaError) else 1


app = typer.Typer(
    cls=EscaladaGroup,
    no_args_is_help=True,
    help="escalada: coordinates support escalations (tiers, executive levels, SLA clocks).",
    epilog=EXIT_CODES_HELP,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.add_typer(accounts.app, name="account")
app.add_typer(cases.app, name="case")
app.add_typer(clocks.calendar_app, name="calendar")
app.add_typer(clocks.sla_app, name="sla")
app.add_typer(clocks.timers_app, name="timers")
app.command("worker")(clocks.worker)
app.add_typer(people.user_app, name="user")
app.add_typer(people.token_app, name="token")
app.add_typer(credits.app, name="credit")
app.add_typer(war_rooms.app, name="war-room")
app.add_typer(recovery.app, name="recovery")
app.add_typer(audit.app, name="audit")
app.add_typer(comms.comms_app, name="comms")
app.add_typer(comms.outbox_app, name="outbox")
app.add_typer(endpoints.app, name="endpoint")
app.add_typer(vendors.app, name="vendor")
db_app = typer.Typer(help="The database: migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@app.callback()
def _root(
    as_user: str = typer.Option(
        None, "--as", envvar="ESCALADA_USER", help="who acts (default: your login name)"
    ),
) -> None:
    from escalada.entrypoints import logs

    acting.name = as_user or _login()
    logs.configure()  # every command logs to stderr, never into its output (--format json)


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "cli"


@app.command()
def evaluate(
    snapshot: str = typer.Argument(..., help="snapshot JSON file, or - for stdin"),
    at: str = typer.Option(None, "--at", help="evaluate at this ISO 8601 time (default: now)"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Evaluate a case snapshot: SLA state and recommended escalations."""
    from escalada.entrypoints.cli.render import evaluation_table
    from escalada.services.evaluation import evaluate_snapshot

    document = read_json(snapshot, "snapshot")
    result = evaluate_snapshot(ctx=bare_context(), snapshot=document, at=parse_time(at, "--at"))
    emit_json(result) if fmt is Format.json else evaluation_table(result)


_ACT_AS = ("act as one of its people with --as (e.g. --as o.petrov, a support manager; "
           "--as admin for people and tokens). `escalada user list` shows them all.")


@app.command()
def demo() -> None:
    """Load a realistic demo data set into the current database (once: loading it again
    says it is there and changes nothing)."""
    from escalada.entrypoints.cli.output import console
    from escalada.services.demo import demo_accounts_present, load_demo
    from escalada.services.people import list_users

    ctx = bare_context()
    present = demo_accounts_present(ctx=ctx)
    if present:
        console().print(f"The demo is already loaded (accounts {', '.join(present)}): nothing "
                        f"to do; {_ACT_AS}")
        return
    loaded = load_demo(ctx=ctx, actor=actor() if list_users(ctx=ctx) else None)
    console().print(
        f"Loaded {loaded.accounts} accounts and {loaded.cases} cases, and the support "
        f"organisation's people: {_ACT_AS}")


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="address to listen on"),
    port: int = typer.Option(8000, help="port to listen on"),
    worker: bool = typer.Option(True, "--worker/--no-worker",
                                help="fire due timers in this process too"),
) -> None:
    """Serve the REST API (/api/v1) on the current database, with a timer worker."""
    import uvicorn

    from escalada.entrypoints import logs
    from escalada.entrypoints.api import create_app
    from escalada.entrypoints.worker import Pool

    logs.configure()
    _serving(host, port)
    pool = Pool(bare_context()) if worker else None
    if pool is not None:
        pool.start()
    try:
        uvicorn.run(create_app(bare_context()), host=host, port=port, log_level="info")
    finally:
        if pool is not None:
            pool.shutdown()


def _serving(host: str, port: int) -> None:
    """Say where the API answers, on which database, and who can use it."""
    from sqlalchemy import make_url

    from escalada.adapters.db.database import default_database_url
    from escalada.entrypoints.cli.output import console
    from escalada.services.people import list_users

    database = make_url(default_database_url()).render_as_string(hide_password=True)
    people = len(list_users(ctx=bare_context()))
    who = (f"{people} {'person' if people == 1 else 'people'} can act (`escalada user "
           "list`); each request carries a token its owner made (`escalada --as NAME token "
           "create`)" if people else
           "no people yet: add the first admin with `escalada user add NAME --role admin`")
    console().print(f"escalada: the API answers on http://{host}:{port}/api/v1 (health at "
                    f"/healthz) from {database}; {who}", markup=False)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Run the migrations up to the newest schema."""
    from escalada.adapters.db.database import default_database_url, make_engine, schema_version
    from escalada.adapters.db.database import upgrade as run_upgrade
    from escalada.entrypoints.cli.output import console

    engine = make_engine(default_database_url())
    run_upgrade(engine)
    console().print(f"schema at {schema_version(engine)} ({engine.url.render_as_string()})")


@db_app.command("current")
def db_current() -> None:
    """Print the schema version of the current database."""
    from escalada.adapters.db.database import default_database_url, make_engine, schema_version
    from escalada.entrypoints.cli.output import console

    engine = make_engine(default_database_url())
    console().print(schema_version(engine) or "empty (run `escalada db upgrade`)")


def main() -> None:
    """Console-script entry point."""
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    app()
