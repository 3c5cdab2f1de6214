"""Words a person reads, kept as their English template and its parameters, so an entry
point can show them in the reader's language (the catalogs' gettext) while `str()` stays
the English text.

A template is English with `{name}` parameters (`str.format`): `Words("no case {case}",
case="CASE-7")`. A parameter may itself be `Words` (a phrase translated in its turn), a
list of them (joined with ", "), `Usd` or `Moment` (money or a time, written as the
reader writes them).
`Words.literal(text)` is a finished sentence: translated when the catalogs know it as it
stands, never formatted (it may hold braces from data).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol


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

    __slots__ = ("context", "count", "formatted", "params", "plural", "template")

    def __init__(self, template: str, /, **params: object) -> None:
        self.template, self.plural, self.count = template, "", 0
        self.params: Mapping[str, object] = params
        self.formatted = True
        self.context: str | None = None

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

    @classmethod
    def said_of(cls, context: str, text: str) -> Words:
        """A literal said of a noun (`context`: "recovery task"), whose translation agrees
        with it (gettext's pgettext: in Russian a task is «открыта», a case «открыто»)."""
        words = cls.literal(text)
        words.context = context
        return words

    def render(self, language: Translator = ENGLISH) -> str:
        """The words in `language` (English when none is given)."""
        in_context = getattr(language, "pgettext", None) if self.context else None
        if in_context is not None and not self.plural:
            template = in_context(self.context, self.template) if self.template else ""
        elif self.plural:
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

    def as_json(self) -> dict[str, Any]:
        """The template and parameters as a JSON document (`from_json` reads it back):
        a parameter that is not a string, a number, a bool, None, Words or a list of
        them is kept as its text, as the template shows it."""
        document: dict[str, Any] = {"t": self.template}
        if self.plural:
            document["p"], document["n"] = self.plural, self.count
        if not self.formatted:
            document["l"] = True
        if self.context:
            document["c"] = self.context
        if self.params:
            document["a"] = {name: _param_json(value) for name, value in self.params.items()}
        return document

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> Words:
        words = cls(str(document.get("t", "")),
                    **{name: _param_of(value) for name, value in document.get("a", {}).items()})
        if document.get("p"):
            words.plural, words.count = str(document["p"]), int(document.get("n", 0))
        if document.get("l"):
            words.formatted = False
        if document.get("c"):
            words.context = str(document["c"])
        return words

    def __repr__(self) -> str:
        return f"Words({self.template!r}, **{dict(self.params)!r})"


class Usd:
    """An amount in US dollars as a parameter of words: written as the reader writes money
    when the words are rendered ("$2,000.00" in English, "2 000,00 $" in Russian), so a
    summary kept in English still reads right in Russian."""

    __slots__ = ("amount",)

    def __init__(self, amount: Decimal | int | str) -> None:
        self.amount = Decimal(amount)

    def shown_in(self, language: str) -> str:
        from escalada.domain.money import usd

        return usd(self.amount, "ru_RU" if language == "ru" else "en_US")

    def __str__(self) -> str:
        return self.shown_in("en")

    def __repr__(self) -> str:
        return f"Usd({str(self.amount)!r})"


class Moment:
    """A time as a parameter of words: written as the reader writes a date and time (in
    UTC, "4 Dec 2026, 20:03 UTC" or "4 дек. 2026 г., 20:03 UTC") when the words are
    rendered, rather than as ISO 8601 inside a sentence."""

    __slots__ = ("at",)

    def __init__(self, at: datetime | str) -> None:
        self.at = at if isinstance(at, datetime) else datetime.fromisoformat(at)

    def shown_in(self, language: str) -> str:
        from babel.dates import format_datetime

        return format_datetime(self.at, "d MMM y, HH:mm 'UTC'", tzinfo=UTC,
                               locale="ru" if language == "ru" else "en")

    def __str__(self) -> str:
        return self.shown_in("en")

    def __repr__(self) -> str:
        return f"Moment({self.at.isoformat()!r})"


def _language_of(language: Translator) -> str:
    """The language a translator speaks (its catalog's header), English by default."""
    info = getattr(language, "info", None)
    return str(info().get("language") or "en") if callable(info) else "en"


def _param_json(value: object) -> Any:
    if isinstance(value, Words):
        return {"w": value.as_json()}
    if isinstance(value, Usd):
        return {"usd": str(value.amount)}
    if isinstance(value, Moment):
        return {"at": value.at.isoformat()}
    if isinstance(value, list | tuple):
        return [_param_json(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _param_of(value: Any) -> object:
    if isinstance(value, dict) and "w" in value:
        return Words.from_json(value["w"])
    if isinstance(value, dict) and "usd" in value:
        return Usd(str(value["usd"]))
    if isinstance(value, dict) and "at" in value:
        return Moment(str(value["at"]))
    if isinstance(value, list):
        return [_param_of(item) for item in value]
    return value


def shown(value: object, language: Translator = ENGLISH) -> object:
    """A parameter as the reader sees it: words rendered, lists of them joined, a fraction
    written with the language's decimal sign."""
    if isinstance(value, Words):
        return value.render(language)
    if isinstance(value, Usd | Moment):
        return value.shown_in(_language_of(language))
    if isinstance(value, float) and (spoken := _language_of(language)) != "en":
        from babel.numbers import format_decimal  # "34,5" in Russian; English as it is

        return format_decimal(value, locale=spoken)
    if isinstance(value, list | tuple):
        return ", ".join(str(shown(item, language)) for item in value)
    return value


def one_after_another(done: list[Words]) -> Words | None:
    """Things done one after another, as one text: "opened CASE-1; status -> resolved"
    (None when nothing was)."""
    told = done[0] if done else None
    for then in done[1:]:
        told = Words("{first}; {then}", first=told, then=then)
    return told


def words_json(text: object) -> dict[str, Any] | None:
    """What to keep beside a text's English for readers of other languages: its words as
    JSON when it is Words, else None (a plain text is read as it is)."""
    return text.as_json() if isinstance(text, Words) else None


def english(text: str | Words | None) -> str | None:
    """The English of a text given as words or as a plain string (None stays None)."""
    return None if text is None else str(text)


def words_of(text: str | Words) -> Words:
    """`text` as Words: a plain string is a finished (literal) sentence."""
    return text if isinstance(text, Words) else Words.literal(text)
