"""The CLI's words in the reader's language: ESCALADA_LANG, else the locale variables
(LC_ALL, LC_MESSAGES, LANG), else English. `tr`/`ntr` are the CLI's gettext calls
(Babel extracts them: tests/unit/test_translations.py); errors carry their own words."""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from escalada.domain.words import Translator

_VARIABLES = ("ESCALADA_LANG", "LC_ALL", "LC_MESSAGES", "LANG")


def language() -> str:
    """'ru' or 'en', from the setting or the shell's locale."""
    return _chosen(tuple(os.environ.get(name, "") for name in _VARIABLES))


@cache
def _chosen(variables: tuple[str, ...]) -> str:
    """The language for these variables' values (ESCALADA_LANG read as Settings reads it)."""
    from escalada.adapters.catalogs import choose_language
    from escalada.settings import Settings

    wanted = [Settings.current().language, *variables[1:]]
    return choose_language([value for value in wanted if value])


def speaking() -> Translator:
    """The catalog of the CLI's language."""
    from escalada.adapters.catalogs import translations

    return translations(language())


def tr(message: str, /, **params: object) -> str:
    """`message` in the reader's language, its `{name}` parameters filled in."""
    text = speaking().gettext(message)
    return text.format(**params) if params else text


def ntr(singular: str, plural: str, count: int, /, **params: object) -> str:
    """The plural form for `count` in the reader's language (`{count}` is the number)."""
    return speaking().ngettext(singular, plural, count).format(count=count, **params)
