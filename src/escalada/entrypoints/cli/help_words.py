"""`--help` and Click's usage errors in the reader's language (words.language()).

The help texts stay written in English where the commands are (docstrings, `help=`,
epilogs); their Russian is in cli_help.po, each under its text as Click prints it
(`help_id`: a paragraph's lines joined), read by `help_catalog`. A command's context
(SpeakingContext, set on every command by `speak`) swaps the texts of the command it
shows for the reader's words while it formats the help, and its formatter
(SpeakingFormatter) says Click's own words: "Usage:", the sections' titles,
`[required]`. Click builds its usage errors' messages as English f-strings:
`spoken_error` reads them back (USAGE_WORDS) and says them again. In English nothing is
looked up and no catalog is read.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from typer._click.core import Context  # the Click that Typer carries
from typer._click.exceptions import (
    BadParameter,
    ClickException,
    FileError,
    MissingParameter,
    NoSuchOption,
    UsageError,
)
from typer._click.formatting import HelpFormatter
from typer._click.utils import echo

from escalada.entrypoints.cli.words import language

# Click's and Typer's own words in help pages, by the message id of each.
HELP_WORDS = ("Usage: ", "[OPTIONS]", "COMMAND", "[ARGS]...", "Options", "Arguments",
              "Commands", "required", "default: {default}", "env var: {var}")
_USAGE_PIECES = ("[OPTIONS]", "COMMAND", "[ARGS]...")
# What Click's prompt for a hidden value typed twice says (asked_twice), and its Ctrl-C.
PROMPT_WORDS = ("Repeat for confirmation", "Error: The two entered values do not match.",
                "Aborted!")
# What Click and Typer write in a usage error (as f-strings, so read back with these
# patterns) -> the message id that says it; the names of the groups are its parameters.
USAGE_WORDS: tuple[tuple[str, str], ...] = (
    (r"No such command '(?P<name>.+)'\.", "No such command '{name}'."),
    (r"Missing command\.", "Missing command."),
    (r"Got unexpected extra argument\(s\) \((?P<arguments>.*)\)",
     "Got unexpected extra argument(s) ({arguments})"),
    (r"No such option: (?P<name>.+)", "No such option: {name}"),
    (r"Option '(?P<name>.+)' requires an argument\.", "Option '{name}' requires an argument."),
    (r"Option '(?P<name>.+)' requires (?P<count>\d+) arguments\.",
     "Option '{name}' requires {count} arguments."),
    (r"Option '(?P<name>.+)' does not take a value\.",
     "Option '{name}' does not take a value."),
    (r"Argument '(?P<name>.+)' takes (?P<count>\d+) values\.",
     "Argument '{name}' takes {count} values."),
    (r"(?:Value error, )?(?P<value>.+) is not one of (?P<choices>.+)\.",
     "{value} is not one of {choices}."),
    (r"Input should be a valid integer, unable to parse string as an integer",
     "Input should be a valid integer, unable to parse string as an integer"),
    (r"Input should be a valid integer, got a number with a fractional part",
     "Input should be a valid integer, got a number with a fractional part"),
    (r"Input should be a valid number, unable to parse string as a number",
     "Input should be a valid number, unable to parse string as a number"),
    (r"Input should be greater than or equal to (?P<limit>\S+)",
     "Input should be greater than or equal to {limit}"),
    (r"Input should be greater than (?P<limit>\S+)", "Input should be greater than {limit}"),
    (r"Input should be less than or equal to (?P<limit>\S+)",
     "Input should be less than or equal to {limit}"),
    (r"Input should be less than (?P<limit>\S+)", "Input should be less than {limit}"),
    (r"Value must be an iterable\.", "Value must be an iterable."),
    (r"Value (?P<value>.+) is not a valid (?P<kind>\w+)\.", "Value {value} is not a valid {kind}."),
)
# The words around them, and the suggestions added after them.
ERROR_WORDS = ("Error: {message}", "Try '{command} {option}' for help.",
               "Missing option {name}.", "Missing argument {name}.",
               "Missing parameter {name}.", "Missing {name}.", "Choose from:",
               "Invalid value for {name}: {reason}", "Invalid value: {reason}",
               "(Possible options: {options})", "Did you mean {names}?",
               "Could not open file {name}: {reason}")
_SUGGESTION = re.compile(r"(?P<said>.*?)\.? Did you mean (?P<names>.+)\?", re.DOTALL)


def help_id(text: str) -> str:
    """The message id of a help text: as Click prints it (up to a form feed), each
    paragraph's lines joined by spaces (a paragraph Click keeps as written, marked
    with \\b, kept so)."""
    paragraphs = re.split(r"\n\s*\n", inspect.cleandoc(text).partition("\f")[0])
    return "\n\n".join(
        paragraph if paragraph.startswith("\b")
        else " ".join(line.strip() for line in paragraph.splitlines())
        for paragraph in paragraphs)


def said(text: str, /, **params: object) -> str:
    """A help text or one of Click's words in the reader's language: as written in
    English, or when the catalog has no translation for it."""
    if text and language() != "en":
        text = help_catalog(language()).get(help_id(text) if "\n" in text else text, text)
    return text.format(**params) if params else text


@cache
def help_catalog(lang: str) -> dict[str, str]:
    """cli_help.po's translations for `lang` (message id -> its text; none fuzzy or empty).
    Read here rather than through Babel (catalogs.py): `--help` is a cold start, and
    Babel's import and the whole catalog's merge would double a Russian one's time."""
    path = Path(__file__).resolve().parents[2] / "locale" / lang / "LC_MESSAGES" / "cli_help.po"
    if not path.is_file():
        return {}
    found: dict[str, str] = {}
    for entry in path.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, str] = {}
        field = ""
        for line in entry.splitlines():
            if line.startswith("#,") and "fuzzy" in line:
                fields["fuzzy"] = ""
            elif line.startswith(("msgid ", "msgstr ")):
                field, _, quoted = line.partition(" ")
                fields[field] = _unquoted(quoted)
            elif line.startswith('"') and field:
                fields[field] += _unquoted(line)
        if fields.get("msgid") and fields.get("msgstr") and "fuzzy" not in fields:
            found[fields["msgid"]] = fields["msgstr"]
    return found


def _unquoted(quoted: str) -> str:
    """A .po file's quoted string's text (its escapes \\n, \\t, \\" and \\\\ read)."""
    escapes = {"n": "\n", "t": "\t"}
    return re.sub(r"\\(.)", lambda match: escapes.get(match[1], match[1]),
                  quoted.strip()[1:-1])


class SpeakingFormatter(HelpFormatter):
    """Click's help formatter, saying Click's own words in the reader's language."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        if language() != "en":
            args = " ".join(said(piece) if piece in _USAGE_PIECES else piece
                            for piece in args.split(" "))
        super().write_usage(prog, args, said("Usage: ") if prefix is None else prefix)

    def section(self, name: str) -> Any:
        return super().section(said(name))

    def write_dl(self, rows: Sequence[tuple[str, str]], col_max: int = 30,
                 col_spacing: int = 2) -> None:
        super().write_dl([(term, _with_notes_said(text)) for term, text in rows],
                         col_max, col_spacing)


def _with_notes_said(text: str) -> str:
    """An option's help with Click's notes after it (`[default: table; required]`) in
    the reader's words."""
    start = 0 if text.startswith("[") else text.rfind("  [") + 2
    if language() == "en" or not text.endswith("]") or start < 0 or start == 1:
        return text
    notes = []
    for note in text[start + 1:-1].split("; "):
        word, colon, value = note.partition(": ")
        if note == "required":
            note = said("required")
        elif colon and word == "default":
            note = said("default: {default}", default=value)
        elif colon and word == "env var":
            note = said("env var: {var}", var=value)
        notes.append(note)
    return f"{text[:start]}[{'; '.join(notes)}]"


class SpeakingContext(Context):
    """A command's context whose help is in the reader's language."""

    formatter_class = SpeakingFormatter

    def get_help(self) -> str:
        if language() == "en":
            return super().get_help()
        with _texts_said(self):
            return super().get_help()


@contextmanager
def _texts_said(ctx: Context) -> Iterator[None]:
    """The texts the help of `ctx`'s command shows, in the reader's words while it is
    formatted: the command's, its options' and arguments', its loaded commands'."""
    command = ctx.command
    shown = [command, *command.get_params(ctx),
             *getattr(command, "commands", {}).values()]
    kept = [(item, name, getattr(item, name)) for item in shown
            for name in ("help", "short_help", "epilog") if getattr(item, name, None)]
    try:
        for item, name, text in kept:
            setattr(item, name, said(text))
        yield
    finally:
        for item, name, text in kept:
            setattr(item, name, text)


def speak(command: Any) -> Any:
    """`command` and the commands under it, their help said in the reader's language."""
    command.context_class = SpeakingContext
    for child in getattr(command, "commands", {}).values():
        speak(child)
    return command


def asked_twice(text: str) -> str:
    """A value typed twice and not shown, as `typer.prompt(text, hide_input=True,
    confirmation_prompt=True)` asks for it, with Click's words in the reader's language."""
    from typer._click.termui import prompt

    while True:
        value: str = prompt(text, hide_input=True)
        if value == prompt(said("Repeat for confirmation"), hide_input=True):
            return value
        echo(said("Error: The two entered values do not match."))


def spoken_error(error: ClickException) -> ClickException:
    """A usage error as Click would show it, in the reader's words (the same exit code)."""
    return SpokenError(_message(error), getattr(error, "ctx", None), error.exit_code)


class SpokenError(UsageError):
    """A Click error already in the reader's words: shown as Click shows a usage error."""

    def __init__(self, message: str, ctx: Context | None, exit_code: int) -> None:
        super().__init__(message, ctx)
        self.exit_code = exit_code

    def show(self, file: Any = None) -> None:
        hint, ctx = "", self.ctx
        if ctx is not None and ctx.command.get_help_option(ctx) is not None:
            hint = said("Try '{command} {option}' for help.", command=ctx.command_path,
                        option=ctx.help_option_names[0]) + "\n"
        if ctx is not None:
            echo(f"{ctx.get_usage()}\n{hint}", file=file, err=file is None,
                 color=ctx.color)
        echo(said("Error: {message}", message=self.message), file=file, err=file is None,
             color=None if ctx is None else ctx.color)


def _message(error: ClickException) -> str:
    if isinstance(error, MissingParameter):
        return _missing(error)
    if isinstance(error, BadParameter):
        hint = _hint(error)
        reason = _reason(error.message)
        return (said("Invalid value for {name}: {reason}", name=hint, reason=reason) if hint
                else said("Invalid value: {reason}", reason=reason))
    if isinstance(error, FileError):
        return said("Could not open file {name}: {reason}", name=repr(error.ui_filename),
                    reason=error.message)
    if isinstance(error, NoSuchOption) and error.possibilities:
        options = said("(Possible options: {options})",
                       options=", ".join(sorted(error.possibilities)))
        return f"{_reason(error.message)} {options}"
    return _reason(error.message)


def _missing(error: MissingParameter) -> str:
    kind = error.param_type or (error.param.param_type_name if error.param else "")
    template = {"option": "Missing option {name}.", "argument": "Missing argument {name}.",
                "parameter": "Missing parameter {name}."}.get(kind, "Missing {name}.")
    text = said(template, name=_hint(error) or kind)
    choices = error.param.get_missing_message(ctx=error.ctx) if error.param else ""
    if choices and choices.startswith("Choose from:"):
        choices = said("Choose from:") + choices[len("Choose from:"):]
    return " ".join(part for part in (text, _reason(error.message), choices) if part)


def _hint(error: BadParameter) -> str:
    hint: Any = error.param_hint
    if hint is None and error.param is not None:
        hint = error.param.get_error_hint()
    if hint is not None and not isinstance(hint, str):
        hint = " / ".join(repr(item) for item in hint)
    return hint or ""


def _reason(message: str) -> str:
    """One of Click's or Typer's messages in the reader's words (as it is when unknown)."""
    suggested = _SUGGESTION.fullmatch(message)
    if suggested:
        return (f"{_reason(suggested['said'] + '.')} "
                f"{said('Did you mean {names}?', names=suggested['names'])}")
    for pattern, template in USAGE_WORDS:
        found = re.fullmatch(pattern, message, re.DOTALL)
        if found:
            return said(template, **found.groupdict())
    return message
