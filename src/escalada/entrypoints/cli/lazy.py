"""A command group whose commands load when they run: `escalada case show` imports the
case commands' module and no other, and `escalada --help` lists every command's name and
one line of help from a table, importing none of them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from difflib import get_close_matches
from importlib import import_module
from typing import Any

import typer
from typer._click.exceptions import UsageError  # the Click that Typer carries
from typer.core import TyperCommand, TyperGroup

from escalada.entrypoints.cli.help_words import SpeakingContext, said, speak

PACKAGE = "escalada.entrypoints.cli"


@dataclass(frozen=True)
class Lazy:
    """A command of the root group: `attr` of the module `module` (in this package), a
    Typer app (a group of commands) or a function (one command), and its one line of
    help (the first sentence of the app's help or the function's docstring, as --help
    prints it; a test holds the two equal)."""

    module: str
    attr: str
    help: str

    def load(self, name: str, *, rich_markup_mode: Any, suggest_commands: bool) -> Any:
        """The Click command Typer builds for it, named `name`."""
        from typer.main import get_command_from_info, get_group_from_info
        from typer.models import CommandInfo, TyperInfo

        target = getattr(import_module(f"{PACKAGE}.{self.module}"), self.attr)
        if isinstance(target, typer.Typer):
            return get_group_from_info(
                TyperInfo(target, name=name), pretty_exceptions_short=True,
                suggest_commands=suggest_commands, rich_markup_mode=rich_markup_mode)
        return get_command_from_info(
            CommandInfo(name=name, callback=target), pretty_exceptions_short=True,
            rich_markup_mode=rich_markup_mode)


class LazyGroup(TyperGroup):
    """A Typer group that also holds the commands of `lazy` (name -> Lazy), each loaded
    the first time it is asked for by name and kept."""

    lazy: Mapping[str, Lazy] = {}
    context_class = SpeakingContext  # its help in the reader's language, as its commands'

    def list_commands(self, ctx: Any) -> list[str]:
        return [*(name for name in self.commands if name not in self.lazy), *self.lazy]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = self.commands.get(cmd_name)
        if command is None and cmd_name in self.lazy:
            command = self.lazy[cmd_name].load(
                cmd_name, rich_markup_mode=self.rich_markup_mode,
                suggest_commands=self.suggest_commands)
            self.commands[cmd_name] = command
        return None if command is None else speak(command)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """As Typer lists commands, with the table's help for those not loaded."""
        listed = []
        for name in self.list_commands(ctx):
            command = self.commands.get(name)
            if command is None:
                command = TyperCommand(name=name, help=said(self.lazy[name].help))
            if not command.hidden:
                listed.append((name, command))
        if not listed:
            return
        limit = formatter.width - 6 - max(len(name) for name, _ in listed)
        with formatter.section("Commands"):
            formatter.write_dl([(name, command.get_short_help_str(limit))
                                for name, command in listed])

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        """As Typer resolves a command, suggesting the lazy commands' names too."""
        suggest, self.suggest_commands = self.suggest_commands, False
        try:
            return super().resolve_command(ctx, args)
        except UsageError as error:
            matches = get_close_matches(args[0], self.list_commands(ctx)) if args else []
            if suggest and matches:
                error.message = (f"{error.message.rstrip('.')}. Did you mean "
                                 f"{', '.join(repr(match) for match in matches)}?")
            raise
        finally:
            self.suggest_commands = suggest
