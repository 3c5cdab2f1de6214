"""Words a person reads, kept as their English template and its parameters, so an entry
point can show them in the reader's language (the catalogs' gettext) while `str()` stays
the English text.

A template is English with `{name}` parameters (`str.format`): `Words("no case {case}",
case="CASE-7")`. A parameter may itself be `Words` (a phrase translated in its turn) or a
list of them (joined with ", "). `Words.literal(text)` is a finished sentence: translated
when the catalogs know it as it stands, never formatted (it may hold braces from data).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol


class Translator(Protocol):
    """What renders words in a language: gettext's pair (a NullTranslations for English)."""

    def gettext(self, message: str, /) -> str: ...

    def ngettext(self, singular: str, plural: str, count: int, /) -> str: ...


class _English:
    def gettext(self, message: str, /) -> str:
        return message

    def ngettext(self, singular: str, plural: str, count: int, /) -> str:
        return singular if count == 1 else plural


ENGLISH: Translator = _English()


class Words:
    """An English template and its parameters, rendered in a language on demand."""

    __slots__ = ("count", "formatted", "params", "plural", "template")

    def __init__(self, template: str, /, **params: object) -> None:
        self.template, self.plural, self.count = template, "", 0
        self.params: Mapping[str, object] = params
        self.formatted = True

    @classmethod
    def counted(cls, singular: str, plural: str, count: int, /, **params: object) -> Words:
        """A template with a plural (`{count}` is the number), chosen by the language's
        own plural rule (Russian has three forms)."""
        words = cls(singular, count=count, **params)
        words.plural, words.count = plural, count
        return words

    @classmethod
    def literal(cls, text: str) -> Words:
        words = cls(text)
        words.formatted = False
        return words

    def render(self, language: Translator = ENGLISH) -> str:
        """The words in `language` (English when none is given)."""
        if self.plural:
            template = language.ngettext(self.template, self.plural, self.count)
        else:
            template = language.gettext(self.template) if self.template else ""
        if not self.formatted:
            return template
        values = {name: shown(value, language) for name, value in self.params.items()}
        try:
            return template.format(**values)
        except (KeyError, IndexError, ValueError):  # a translation that lost a parameter
            english = {name: shown(value, ENGLISH) for name, value in self.params.items()}
            source = self.template if not self.plural or self.count == 1 else self.plural
            try:
                return source.format(**english)
            except (KeyError, IndexError, ValueError):
                return source

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"Words({self.template!r}, **{dict(self.params)!r})"


def shown(value: object, language: Translator = ENGLISH) -> object:
    """A parameter as the reader sees it: words rendered, lists of them joined."""
    if isinstance(value, Words):
        return value.render(language)
    if isinstance(value, list | tuple):
        return ", ".join(str(shown(item, language)) for item in value)
    return value


def words_of(text: str | Words) -> Words:
    """`text` as Words: a plain string is a finished (literal) sentence."""
    return text if isinstance(text, Words) else Words.literal(text)
