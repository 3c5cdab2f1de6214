"""The root command: global options, error reporting, and the top-level commands. The
command groups live in modules of their own, named in GROUPS and imported only when one
of their commands runs (lazy.py)."""

from __future__ import annotations

import gc
import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer
from typer._click.exceptions import ClickException, NoArgsIsHelpError

from escalada.domain.errors import EscaladaError
from escalada.entrypoints.cli.help_words import SpokenError, said, spoken_error
from escalada.entrypoints.cli.lazy import Lazy, LazyGroup
from escalada.entrypoints.cli.output import (
    FORMAT_OPTION,
    Format,
    acting,
    actor,
    bare_context,
    emit_json,
    long_running,
    parse_time,
    read_json,
    starting,
)
from escalada.entrypoints.cli.words import language
from escalada.entrypoints.errors import EXIT_CODES_HELP, exit_code

if TYPE_CHECKING:
    from escalada.domain.errors import EscaladaError

# The commands in modules of their own: name -> the module, its Typer app (or command
# function), and the first sentence of its help, which --help shows without importing
# the module (tests/e2e/test_cli_startup.py holds it to the module's own).
GROUPS: dict[str, Lazy] = {
    "worker": Lazy("clocks", "worker", "Run workers that fire due timers (SLA thresholds, "
                   "response deadlines, reminders)."),
    "account": Lazy("accounts", "app", "Customer accounts."),
    "case": Lazy("cases", "app", "Cases: open, escalate, acknowledge, resolve."),
    "calendar": Lazy("clocks", "calendar_app",
                     "Business calendars accounts run their SLA clocks on."),
    "sla": Lazy("clocks", "sla_app",
                "SLA arithmetic on calendars, and recomputing open cases' clocks."),
    "timers": Lazy("clocks", "timers_app",
                   "Durable timers: what is due, what fired, what is overdue."),
    "user": Lazy("people", "user_app", "People and their roles."),
    "token": Lazy("people", "token_app", "API tokens (stored hashed; shown once)."),
    "credit": Lazy("credits", "app", "Service credits: propose (entered or computed from "
                   "the breach), approve or reject within your authority, route up to the "
                   "level that may approve."),
    "war-room": Lazy("war_rooms", "app", "War rooms (executive playbook): opened on L3, L4 "
                     "or a C-level escalation; attendees, channel, checklists, the executive "
                     "acknowledgment, update cadence."),
    "recovery": Lazy("recovery", "app", "Relationship recovery plans: opened when an L2+ "
                     "escalation resolves (immediate, short-, medium- and long-term tasks, "
                     "the post-mortem and the customer follow-up); show them, assign owners, "
                     "move tasks along, add your own."),
    "audit": Lazy("audit", "app", "The tamper-evident timeline: check every case's hash "
                  "chain; sign checkpoints of the chain heads to keep outside the database."),
    "comms": Lazy("comms", "comms_app", "Messages to customers, executives, colleagues and "
                  "vendors: drafted from the case in the customer's language, sent through "
                  "the outbox, logged."),
    "outbox": Lazy("comms", "outbox_app", "Deliveries waiting, delivered and dead-lettered; "
                   "send a dead letter again."),
    "endpoint": Lazy("endpoints", "app", "Where webhook and Slack messages may go: "
                     "destinations an admin names, which senders give by name (`comms send "
                     "--to NAME`)."),
    "vendor": Lazy("vendors", "app", "Vendor support cases (AWS, Azure, Google Cloud): open "
                   "one for a case at the VENDOR tier, sync the vendor's answers onto the "
                   "timeline, chase, close."),
    "db": Lazy("database", "app", "The database: migrations."),
    "health": Lazy("health", "app", "Account health: the score computed from the account's "
                   "records and entered inputs (`escalada health ACCOUNT`), what-if scores, "
                   "inputs, kept scores and their trend."),
    "accounts": Lazy("health", "portfolio", "The portfolio: every account with its health "
                     "band, trend, open escalations and last escalation."),
    "postmortem": Lazy("post_mortem", "app", "Post-mortems of resolved cases: the "
                       "playbook's agenda, attendees, findings and action items with owners "
                       "and due dates; completing one freezes it, puts it in the knowledge "
                       "base and fills the report's lessons learned."),
    "report": Lazy("report", "report", "The escalation report: summary, timeline, root "
                   "cause, impact, resolution plan, communication log, lessons learned and "
                   "recovery plan (HTML and PDF with a chart)."),
    "hooks": Lazy("hooks", "app", "Help desks' inbound webhooks (Zendesk, Jira, generic): "
                  "the deliveries that could not be applied, kept with what is wrong, and "
                  "their replay."),
    "incident": Lazy("incidents", "app", "Platform incidents: an outage storm across "
                     "customers as one record; an update told to every linked customer in "
                     "their language; resolving it proposes resolving the cases."),
    "kb": Lazy("kb", "app", "The knowledge base: root causes, post-mortems and lessons "
               "learned of past escalations, searched in Russian and English."),
}


class EscaladaGroup(LazyGroup):
    """The commands of GROUPS, loaded as they run; reports domain errors as one clear line
    and the mapped exit code."""

    lazy = GROUPS

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        ctx.meta["escalada.args"] = list(args)  # to name the flags of a refused command
        return super().resolve_command(ctx, args)

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None,
                     **extra: Any) -> Any:
        with _usage_said():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: Any) -> Any:
        from escalada.domain.errors import EscaladaError

        try:
            with _usage_said():
                return super().invoke(ctx)
        except EscaladaError as error:
            _report(error, _command_run(self, ctx))
            raise typer.Exit(_exit_code(error)) from error


@contextmanager
def _usage_said() -> Iterator[None]:
    """Click's usage errors in the reader's language (in English as Click words them)."""
    try:
        yield
    except (NoArgsIsHelpError, SpokenError):
        raise  # the help, already said; an error already said
    except ClickException as error:
        if language() == "en":
            raise
        raise spoken_error(error) from error
    except typer.Abort:  # Ctrl-C at a prompt
        if language() == "en":
            raise
        typer.echo(said("Aborted!"), err=True)
        raise typer.Exit(1) from None


def _command_run(group: Any, ctx: Any) -> Any:
    """The command the arguments named (`case open`), found again after it failed."""
    command, args = group, ctx.meta.get("escalada.args", [])
    try:
        while hasattr(command, "resolve_command") and args:
            _name, command, args = command.resolve_command(ctx, args)
    except Exception:  # a usage error would have stopped the command before it ran
        return None
    return command


def _report(error: EscaladaError, command: Any = None) -> None:
    from escalada.domain.errors import HandoffIncomplete, InvalidInput
    from escalada.entrypoints.cli.output import cli_field, console, flags_of, styled
    from escalada.entrypoints.cli.words import speaking, tr
    from escalada.entrypoints.errors import cli_message

    err, language, label = console(stderr=True), speaking(), tr("error:")
    if isinstance(error, InvalidInput):
        flags = flags_of(command)
        for field, reason in error.told_problems(language):
            err.print(styled((label, "red"), f" {cli_field(field, flags)}: {reason}"))
    else:
        err.print(styled((label, "red"), f" {cli_message(error, language)}"))
    if isinstance(error, HandoffIncomplete):
        for item in error.missing:
            err.print(tr("  missing: {item}", item=item))


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


def _act_as() -> str:
    """How to act as the demo's people (after `escalada demo`)."""
    from escalada.entrypoints.cli.words import tr

    return tr("act as one of its people with --as (e.g. --as o.petrov, a support manager; "
              "--as admin for people and tokens). `escalada user list` shows them all; "
              "give one a web console password with `escalada --as admin user password NAME`.")


@app.command()
def demo() -> None:
    """Load a realistic demo data set into the current database (once: loading it again
    says it is there and changes nothing)."""
    from escalada.entrypoints.cli.output import console
    from escalada.entrypoints.cli.words import ntr, tr
    from escalada.services.demo import demo_accounts_present, load_demo
    from escalada.services.people_lists import user_page

    ctx = bare_context()
    present = demo_accounts_present(ctx=ctx)
    if present:
        console().print(tr("The demo is already loaded (accounts {accounts}): nothing to do; "
                           "{act_as}", accounts=", ".join(present), act_as=_act_as()))
        return
    loaded = load_demo(ctx=ctx, actor=actor() if user_page(ctx=ctx, limit=1).items else None)
    console().print(tr(
        "Loaded {accounts} and {cases}, and the support organisation's people: {act_as}",
        accounts=ntr("{count} account", "{count} accounts", loaded.accounts),
        cases=ntr("{count} case", "{count} cases", loaded.cases), act_as=_act_as()))


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="address to listen on"),
    port: int = typer.Option(8000, help="port to listen on"),
    worker: bool = typer.Option(True, "--worker/--no-worker",
                                help="fire due timers in this process too"),
) -> None:
    """Serve the web console (/) and the REST API (/api/v1) on the current database, with
    a timer worker."""
    import uvicorn

    from escalada.entrypoints import logs
    from escalada.entrypoints.api import create_app
    from escalada.entrypoints.worker import Pool

    logs.configure()
    _serving(host, port)
    pool = Pool(bare_context()) if worker else None
    if pool is not None:
        pool.start()
    long_running()
    try:
        uvicorn.run(create_app(bare_context()), host=host, port=port, log_level="info")
    finally:
        if pool is not None:
            pool.shutdown()


@app.command()
def mcp() -> None:
    """Serve the MCP tools AI agents work escalations with, over stdin and stdout, as
    the user whose API token is in ESCALADA_TOKEN (exit 9 if it is unknown, expired,
    revoked or its user disabled)."""
    from escalada.entrypoints.agents import agent_server, token_actor

    ctx = bare_context()
    server = agent_server(ctx, token_actor(ctx, os.environ.get("ESCALADA_TOKEN")))
    long_running()
    server.run("stdio")


def _serving(host: str, port: int) -> None:
    """Say where the API answers, on which database, and who can use it."""
    from sqlalchemy import make_url

    from escalada.adapters.db.database import default_database_url
    from escalada.entrypoints.cli.output import console
    from escalada.entrypoints.cli.words import ntr, tr
    from escalada.services.paging import every_item
    from escalada.services.people_lists import user_page

    database = make_url(default_database_url()).render_as_string(hide_password=True)
    people = sum(1 for _ in every_item(user_page, ctx=bare_context()))
    who = (ntr("{count} person can act (`escalada user list`); each request carries a token "
               "its owner made (`escalada --as NAME token create`)",
               "{count} people can act (`escalada user list`); each request carries a token "
               "its owner made (`escalada --as NAME token create`)", people) if people else
           tr("no people yet: add the first admin with `escalada user add NAME --role admin`"))
    console().print(tr("escalada: the API answers on http://{host}:{port}/api/v1 (health at "
                       "/healthz) from {database}; {who}", host=host, port=port,
                       database=database, who=who), markup=False)
    console().print(tr("The web console is at http://{host}:{port}/ (a person signs in with a "
                       "password set by `escalada --as NAME user password NAME`)", host=host,
                       port=port), markup=False)


def main() -> None:
    """Console-script entry point."""
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    starting()
    try:
        app()
    finally:
        # The process ends here. Python's shutdown collects the garbage of every module it
        # unloads, searching the whole heap each time: a third of `case show`'s CPU time
        # (0.25 s of 0.8 s). Frozen, the heap is left for the process's exit to free.
        gc.disable()
        gc.freeze()
