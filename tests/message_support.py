"""Every message a person may read from escalada's CLI and API errors, found in the
source: the CLI's `tr`/`ntr`/`trc` calls (Babel's Python extractor; a message said in a
context is keyed `in_context(context, message)`) and the error templates
(an AST scan: `Error.of(...)`, `Words(...)`, an error built from a literal, and the
phrases authz and validation take as arguments)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from babel.messages.extract import extract

import escalada
from escalada.adapters.catalogs import in_context
from escalada.domain import errors
from escalada.domain.validation import REASONS

SOURCE = Path(escalada.__file__).parent
# The CLI's gettext calls as Babel's extractor takes them: trc(context, message) is pgettext.
CLI_KEYWORDS: dict[str, Any] = {"tr": None, "ntr": (1, 2), "trc": ((1, "c"), 2)}
ERRORS = {name for name, value in vars(errors).items()
          if isinstance(value, type) and issubclass(value, errors.EscaladaError)}
# Where an error's constructor takes its message (others: the first argument).
MESSAGE_ARGUMENT = {"VendorFailed": 1, "TemplateInvalid": 2, "InvalidInput.of": 1}
# Functions whose argument is a phrase shown inside an error (a literal is looked up).
PHRASE_ARGUMENTS = {"require": (2, "action"), "refusal": (0, "action"),
                    "can_work_cases": (1, "action"), "can_configure": (1, "action"),
                    "require_admin": (1, "action"), "existing_id": (1, "noun"),
                    "can_approve_credit": (-1, "action"),
                    "can_decide_credit_proposed_by": (4, "action"),
                    "can_close_war_room": (1, "action")}


def _called(node: ast.Call) -> str:
    function = node.func
    if isinstance(function, ast.Name):
        return function.id
    if isinstance(function, ast.Attribute) and isinstance(function.value, ast.Name):
        return f"{function.value.id}.{function.attr}"
    return function.attr if isinstance(function, ast.Attribute) else ""


def _literal(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value:
        return node.value
    return None


def _argument(node: ast.Call, position: int, keyword: str) -> str | None:
    for named in node.keywords:
        if named.arg == keyword:
            return _literal(named.value)
    return _literal(node.args[position]) if 0 <= position < len(node.args) else None


def _messages_of(call: ast.Call) -> Iterator[str | tuple[str, str]]:
    name = _called(call)
    head, _, tail = name.rpartition(".")
    if name in ("Words", "Words.literal"):
        found = _argument(call, 0, "")
        if found:
            yield found
    elif name == "Words.counted" and (one := _argument(call, 0, "")) and (
            many := _argument(call, 1, "")):
        yield one, many
    elif head in ERRORS and tail == "of":
        found = _argument(call, MESSAGE_ARGUMENT.get(name, 0), "")
        if found:
            yield found
    elif name in ERRORS:
        found = _argument(call, MESSAGE_ARGUMENT.get(name, 0), "message")
        if found:
            yield found
    elif tail in PHRASE_ARGUMENTS or name in PHRASE_ARGUMENTS:
        position, keyword = PHRASE_ARGUMENTS[tail or name]
        found = _argument(call, position, keyword)
        if found:
            yield found


def error_messages() -> dict[str | tuple[str, str], str]:
    """Each error template and phrase -> where it is first written."""
    found: dict[str | tuple[str, str], str] = {}
    for path in sorted(SOURCE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                for message in _messages_of(node):
                    found.setdefault(message, f"{path.relative_to(SOURCE)}:{node.lineno}")
    for template in REASONS.values():
        found.setdefault(template, "domain/validation.py: REASONS")
    return found


def _keyed(message: str | tuple[str, ...], context: str | None) -> str | tuple[str, ...]:
    if context is None:
        return message
    if isinstance(message, str):
        return in_context(context, message)
    return (in_context(context, message[0]), *message[1:])


def cli_messages() -> dict[str | tuple[str, str], str]:
    """Each `tr(...)`/`ntr(...)`/`trc(...)` message of the CLI -> where it is first
    written (one said in a context as `in_context(context, message)`)."""
    found: dict[str | tuple[str, str], str] = {}
    for path in sorted((SOURCE / "entrypoints").rglob("*.py")):
        with path.open("rb") as source:
            for line, message, _comments, context in extract(
                    "python", source, keywords=CLI_KEYWORDS):
                found.setdefault(_keyed(message, context),  # type: ignore[arg-type]
                                 f"{path.relative_to(SOURCE)}:{line}")
    return found


def tr_calls_unseen() -> tuple[list[str], dict[tuple[str, str], str]]:
    """The CLI's `tr(...)`/`ntr(...)`/`trc(...)` calls Babel's extractor does not find:
    (where each
    call of a literal it misses is, as `file:line: call` — inside an f-string, or an empty
    message id, whose gettext is the catalog's header), and each call of a value (not a
    literal: its message ids are its values) as (file, call) -> line."""
    missed, of_values = [], {}
    for path in sorted((SOURCE / "entrypoints").rglob("*.py")):
        with path.open("rb") as source:
            seen = {(line, message if isinstance(message, str) else message[0])
                    for line, message, _comments, _context in extract(
                        "python", source, keywords=CLI_KEYWORDS)}
        where = str(path.relative_to(SOURCE))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and _called(node) in CLI_KEYWORDS):
                continue
            # trc's message comes after its context (a context must be a literal too)
            first = node.args[1 if _called(node) == "trc" else 0] if node.args else None
            if _called(node) == "trc" and not (
                    isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                first = node.args[0]
            if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                of_values.setdefault((where, ast.unparse(node)), f"{where}:{node.lineno}")
            elif not any(message == first.value and node.lineno <= line <= (
                    node.end_lineno or line) for line, message in seen):
                missed.append(f"{where}:{node.lineno}: {ast.unparse(node)}")
    return missed, of_values


def _formatted_message(call: ast.Call) -> bool:
    """The call builds an error (or a problem's reason) from an f-string: words no catalog
    can hold, since they are only known once filled in."""
    name = _called(call)
    head, _, tail = name.rpartition(".")
    if name in ERRORS or (head in ERRORS and tail == "of") or name in ("Words", "Words.of"):
        position = MESSAGE_ARGUMENT.get(name, 0)
        return len(call.args) > position and isinstance(call.args[position], ast.JoinedStr)
    if tail == "append" and "problems" in head and call.args:
        pair = call.args[0]
        return (isinstance(pair, ast.Tuple) and len(pair.elts) == 2
                and isinstance(pair.elts[1], ast.JoinedStr))
    return False


def formatted_messages() -> list[str]:
    """Where an error's words are an f-string (`where: source`)."""
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found += [f"{path.relative_to(SOURCE)}:{node.lineno}: {ast.unparse(node)[:100]}"
                  for node in ast.walk(tree)
                  if isinstance(node, ast.Call) and _formatted_message(node)]
    return found


def policy_messages() -> dict[str, str]:
    """The shipped policy's words people read, translated through the catalogs: each
    criterion's description and flag's words, and the war room's seats, checklist items
    and executives -> where they are in the policy."""
    from escalada.adapters.policy_file import current_policy

    policy = current_policy()
    found: dict[str, str] = {}
    for criterion, rule in policy.criteria.items():
        if rule.description:
            found.setdefault(rule.description, f"criteria.{criterion}")
    for flag, words in policy.flags.items():
        found.setdefault(words, f"flags.{flag}")
    room = policy.war_room
    for seat in room.attendees:
        found.setdefault(seat.label, f"war_room.attendees.{seat.key}")
    for item in (*room.immediate_actions, *room.initial_assessment):
        found.setdefault(item.text, f"war_room.{item.key}")
    for executive in room.executives:
        found.setdefault(executive.label, f"war_room.executives.{executive.key}")
    return found


def help_messages() -> dict[str, str]:
    """Each text `--help` shows (a command's help, short help and epilog, an option's or
    argument's help, the root's one line for each command) and Click's own words in help
    pages and usage errors -> where it is (`escalada case open --account`)."""
    from typer._click.core import Context
    from typer.main import get_command

    from escalada.entrypoints.cli import help_words
    from escalada.entrypoints.cli.app import GROUPS, app

    found: dict[str, str] = {}

    def walk(command: Any, path: str) -> None:
        for text in (command.help, command.short_help, command.epilog):
            if text:
                found.setdefault(help_words.help_id(text), path)
        for param in command.get_params(Context(command)):
            if param.help and not param.hidden:
                found.setdefault(help_words.help_id(param.help), f"{path} {param.opts[0]}")
        if hasattr(command, "commands"):
            for name in command.list_commands(None):
                walk(command.get_command(None, name), f"{path} {name}")

    walk(get_command(app), "escalada")
    for name, entry in GROUPS.items():
        found.setdefault(entry.help, f"escalada --help: {name}")
    for words in (help_words.HELP_WORDS, help_words.ERROR_WORDS, help_words.PROMPT_WORDS,
                  tuple(template for _, template in help_words.USAGE_WORDS)):
        for text in words:
            found.setdefault(text, "cli/help_words.py")
    return found
