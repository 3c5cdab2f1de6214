"""The console's words in Python code (messages built outside a template): the same
catalogs as the templates, by language. The language comes first, so the translation
test extracts with the keywords `gettext:2` and `ngettext:2,3` (write the message as a
literal there, never a variable)."""

from __future__ import annotations

from escalada.adapters.catalogs import translations


def gettext(language: str, message: str) -> str:
    return translations(language).gettext(message)


def ngettext(language: str, singular: str, plural: str, n: int) -> str:
    """The plural form `n` asks for in `language`, with `%(num)d` filled in."""
    return translations(language).ngettext(singular, plural, n) % {"num": n}
