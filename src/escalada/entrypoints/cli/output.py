"""Printing for the CLI: Rich tables for people, JSON for programs."""

from __future__ import annotations

import gc
import json
import os
import sys
from datetime import datetime
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from pydantic import BaseModel
    from rich.console import Console
    from rich.text import Text

    from escalada.services.context import Actor, Context


class Format(StrEnum):
    table = "table"
    json = "json"


FORMAT_OPTION = typer.Option(
    Format.table, "--format", "-f", help="table for people, json for programs"
)


@cache
def console(stderr: bool = False) -> Console:
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    # Piped into a file or a pager, tables keep whole lines rather than an 80-column fold.
    width = None if stream.isatty() or os.environ.get("COLUMNS") else 160
    # Whatever is printed is data (titles, notes, messages people typed): no string is
    # ever read as Rich markup or :emoji: codes. Styles come only from `styled`.
    return Console(stderr=stderr, highlight=False, soft_wrap=True, width=width,
                   markup=False, emoji=False)


def styled(*parts: str | tuple[str, str]) -> Text:
    """One line of plain strings and (text, style) pairs; no part is read as markup."""
    from rich.text import Text

    return Text.assemble(*parts)


# Python's thresholds for the garbage collector (`main` raises the first while a command
# starts; `long_running` puts them back).
_GC_THRESHOLDS = gc.get_threshold()


def starting() -> None:
    """Set up the process for a command that starts, reads or writes a little, and ends.

    A command's imports build some hundreds of thousands of objects (pydantic's models,
    the policy's, Rich's): at Python's thresholds the collector searched the growing heap
    again and again while they loaded, a fifth of a cold `case show`'s CPU time. Few of
    them are ever garbage; it runs a hundred times less often.

    Pydantic looks for its plugins in every installed distribution's entry points when
    the first model is built (~20 ms of every command); escalada uses none. An operator
    who does sets PYDANTIC_DISABLE_PLUGINS to empty (or to the ones to leave out)."""
    gc.set_threshold(100_000, 50, 100)
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")


def long_running() -> None:
    """A command that keeps running (serve, mcp, the worker): the collector back at
    Python's thresholds, with what starting built frozen out of its searches."""
    gc.freeze()
    gc.set_threshold(*_GC_THRESHOLDS)


@cache
def bare_context() -> Context:
    """The process's context on ESCALADA_DATABASE_URL (or the embedded SQLite file),
    before anyone is checked: for work that needs no user (the first admin, pure math)."""
    from escalada.bootstrap import bootstrap

    return bootstrap()


def context() -> Context:
    """The context, once the acting user is known and enabled (exit 9 otherwise)."""
    actor()
    return bare_context()


class _Acting:
    """Who the CLI acts as (set by the root --as option)."""

    name = "cli"


acting = _Acting()


@cache
def actor() -> Actor:
    """The acting user with their role, checked as the API checks a token's user."""
    from escalada.services.acting_user import actor_named

    return actor_named(ctx=bare_context(), name=acting.name)


def as_json(value: BaseModel | list[Any] | dict[str, Any]) -> str:
    from pydantic import BaseModel

    if isinstance(value, BaseModel):
        document: Any = value.model_dump(mode="json", by_alias=True)
    elif isinstance(value, list):
        document = [
            v.model_dump(mode="json", by_alias=True) if isinstance(v, BaseModel) else v
            for v in value
        ]
    else:
        document = value
    return json.dumps(document, ensure_ascii=False, indent=2)


def emit_json(value: BaseModel | list[Any] | dict[str, Any]) -> None:
    sys.stdout.write(as_json(value) + "\n")


def emit_json_stream(values: Iterable[BaseModel]) -> None:
    """The JSON array `emit_json` prints, written an item at a time as they come."""
    import textwrap

    written = 0
    sys.stdout.write("[")
    for value in values:
        item = json.dumps(value.model_dump(mode="json", by_alias=True), ensure_ascii=False,
                          indent=2)
        sys.stdout.write(("\n" if not written else ",\n") + textwrap.indent(item, "  "))
        written += 1
    sys.stdout.write("\n]\n" if written else "]\n")


def parse_time(value: str | None, option: str) -> datetime | None:
    """An ISO 8601 time with offset, or an InvalidInput naming the option."""
    if value is None:
        return None
    from escalada.domain.errors import InvalidInput

    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise InvalidInput.of(option, "{value!r} is not an ISO 8601 time", value=value) from error
    if moment.tzinfo is None:
        raise InvalidInput.of(option, "must carry a UTC offset, e.g. 2026-11-26T10:08:00+00:00")
    return moment


def when(moment: datetime | None, timezone: str | None = None) -> str:
    """A time for people: UTC, and the account's local time beside it when given; in
    the reader's language (Russian: "4 дек. 2026 г., 17:06 UTC")."""
    if moment is None:
        return "—"
    from escalada.entrypoints.cli.words import language

    russian = language() == "ru"
    shown = _russian_time(moment, "UTC") if russian else moment.strftime("%Y-%m-%d %H:%M UTC")
    if timezone is None or timezone == "UTC":
        return shown
    from zoneinfo import ZoneInfo

    local = moment.astimezone(ZoneInfo(timezone))
    if russian:
        from babel.dates import format_datetime

        day = "" if local.date() == moment.date() else format_datetime(
            local, "EEE ", locale="ru")
    else:
        day = "" if local.date() == moment.date() else local.strftime("%a ")
    return f"{shown} ({day}{local:%H:%M} {timezone})"


def _russian_time(moment: datetime, zone: str) -> str:
    from zoneinfo import ZoneInfo

    from babel.dates import format_datetime

    shown = format_datetime(moment, "d MMM y, HH:mm", tzinfo=ZoneInfo(zone), locale="ru")
    return f"{shown} {zone}"


def read_json(source: str, field: str) -> Any:
    """A JSON document from a file, or stdin for `-`; InvalidInput names the option."""
    from escalada.domain.errors import InvalidInput

    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as error:
        raise InvalidInput.of(field, "cannot read {source}: {strerror}",
                              source=source, strerror=error.strerror) from error
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInput.of(field, "not valid JSON: {error}", error=error) from error


# Options are bounded as the API bounds the same fields (domain/validation.py): a Typer
# callback per kind, raising InvalidInput (exit 2) or, for an id, NotFound (exit 4).


def _option_name(param: Any) -> str:
    return max(param.opts, key=len) if param.opts else str(param.name)


def _text_check(kind: str) -> Callable[[Any, Any, Any], Any]:
    def check(_ctx: Any, param: Any, value: Any) -> Any:
        from escalada.domain.errors import InvalidInput
        from escalada.domain.validation import TEXT_KINDS, checked_text

        if value is None:
            return None
        limit, lines = TEXT_KINDS[kind]
        try:
            if isinstance(value, list | tuple):
                return [checked_text(item, limit, lines=lines) for item in value]
            return checked_text(value, limit, lines=lines)
        except ValueError as error:
            raise InvalidInput.of(_option_name(param), error.args[0]) from error

    return check


LABEL = _text_check("label")
NOTE = _text_check("note")
BODY = _text_check("body")


def id_of(noun: str, *, big: bool = False) -> Callable[[Any, Any, Any], Any]:
    """The check of an argument naming a row by number: out of range, there is none."""

    def check(_ctx: Any, _param: Any, value: int | None) -> int | None:
        from escalada.domain.validation import BIG_ID_MAX, ID_MAX, existing_id

        if value is None:
            return None
        return existing_id(value, noun, BIG_ID_MAX if big else ID_MAX)

    return check


def check_version(_ctx: Any, param: Any, value: int | None) -> int | None:
    """--expected-version lies in the range a version column holds."""
    from escalada.domain.errors import InvalidInput
    from escalada.domain.validation import ID_MAX

    if value is not None and not 0 <= value <= ID_MAX:
        raise InvalidInput.of(_option_name(param), "must be between 0 and {id_max}", id_max=ID_MAX)
    return value


# A flag renamed to its API field's name (`--plan` -> `--support-plan`) keeps its old
# spelling as a hidden option, read when the new one is not given.
def old_spelling(flag: str) -> Any:
    return typer.Option(None, flag, hidden=True)


def either(value: Any, old_spelling: Any) -> Any:
    """The option's value, else its old spelling's."""
    return old_spelling if value is None else value


def required(value: Any, field: str) -> Any:
    """A required option that may come under its old spelling: missing, it is refused
    naming the field (the CLI prints its flag)."""
    if value is None:
        from escalada.domain.errors import InvalidInput

        raise InvalidInput.of(field, "is required")
    return value


def flags_of(command: Any) -> dict[str, str]:
    """API field -> the command's flag for it: each option is named after its field
    (`support_plan` -> `--support-plan`), a repeatable one after the field's singular
    (`services` -> `--service`)."""
    names: dict[str, str] = {}
    for param in getattr(command, "params", ()):
        if getattr(param, "param_type_name", "") == "option" and not param.hidden \
                and param.opts and param.name:
            names[param.name] = param.opts[0]
            if param.multiple:
                names[f"{param.name}s"] = param.opts[0]
    return names


def cli_field(field: str, flags: dict[str, str]) -> str:
    """A problem's field as the CLI names it: `support_plan` -> `--support-plan`,
    `handoff.diagnostic_data` -> `--handoff diagnostic_data`; a field no option of the
    command carries (an argument, a file's member) stays as it is."""
    head, dot, rest = field.partition(".")
    base, bracket, index = head.partition("[")
    flag = flags.get(base)
    if flag is None:
        return field
    inner = (bracket + index) if bracket else ""
    return f"{flag}{inner} {rest}" if dot else f"{flag}{inner}"
