"""The words people read, in their language: gettext catalogs kept as Babel `.po` files.

English is the source language (the message ids are the English text); every other
language has a directory `locale/<lang>/LC_MESSAGES/` with one `.po` file per part of the
product (`console.po`, `cli.po`, ...), so parts are translated side by side without
touching each other's files. The files are read as they are shipped: no compile step.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from functools import cache
from gettext import GNUTranslations, NullTranslations
from importlib.resources import files
from importlib.resources.abc import Traversable

from babel import Locale, UnknownLocaleError, negotiate_locale
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

SOURCE_LANGUAGE = "en"
LANGUAGES = ("en", "ru")


def _catalog_files(lang: str) -> list[Traversable]:
    directory = files("escalada").joinpath("locale", lang, "LC_MESSAGES")
    if not directory.is_dir():
        return []
    return sorted((item for item in directory.iterdir() if item.name.endswith(".po")),
                  key=lambda item: item.name)


@cache
def catalog(lang: str) -> Catalog:
    """Every part's messages for `lang` in one catalog (a later file never hides an earlier
    file's translation with an empty one); a message with a context (`msgctxt`) is its own
    entry beside the same English without one."""
    merged = Catalog(locale=lang)
    for path in _catalog_files(lang):
        with path.open("rb") as handle:
            part = read_po(handle, locale=lang)
        for message in part:
            if message.id and (merged.get(message.id, context=message.context) is None
                               or message.string):
                merged[message.id] = message
    return merged


CONTEXT_SEPARATOR = "\x04"


def in_context(context: str, message_id: str) -> str:
    """The key `untranslated` takes for `message_id` in `context` (gettext's own
    `context\\x04id`, as a compiled catalog stores it)."""
    return f"{context}{CONTEXT_SEPARATOR}{message_id}"


def entry(lang: str, key: str) -> Message | None:
    """The catalog's entry for a message id, or for one written `in_context`."""
    context, _, message_id = key.rpartition(CONTEXT_SEPARATOR)
    return catalog(lang).get(message_id, context=context or None)


@cache
def translations(lang: str) -> NullTranslations:
    """gettext/ngettext for `lang` (plural forms by the language's own rule); English,
    the source, and an unknown language fall back to the message ids."""
    if lang == SOURCE_LANGUAGE or lang not in LANGUAGES:
        return NullTranslations()
    buffer = io.BytesIO()
    write_mo(buffer, catalog(lang))
    buffer.seek(0)
    return GNUTranslations(buffer)


def untranslated(lang: str, message_ids: Iterable[str | tuple[str, ...]]) -> list[str]:
    """The ids among `message_ids` that `lang` has no (non-fuzzy, non-empty) translation
    for: what a test lists when a string a person reads would show up in English. An id
    with a context is written `in_context(context, id)`; a plural as (singular, plural)."""
    missing = []
    for message_id in message_ids:
        key = message_id[0] if isinstance(message_id, tuple) else message_id
        message = entry(lang, key)
        strings = () if message is None else (
            message.string if isinstance(message.string, tuple) else (message.string,))
        if message is None or message.fuzzy or not all(strings):
            missing.append(key)
    return missing


def choose_language(preferred: Iterable[str], default: str = SOURCE_LANGUAGE) -> str:
    """The first of `preferred` (a user's setting, then an Accept-Language list or the
    LANG variable's value) that escalada speaks, else `default`."""
    wanted = []
    for item in preferred:
        tag = item.split(";")[0].split(".")[0].strip().replace("-", "_")
        if not tag or tag in ("*", "C", "POSIX"):
            continue
        try:
            wanted.append(str(Locale.parse(tag)))
        except (ValueError, UnknownLocaleError):
            continue
    chosen = negotiate_locale(wanted, LANGUAGES, sep="_")
    return (chosen or default).split("_")[0]


def accept_language(header: str | None) -> list[str]:
    """An Accept-Language header's tags, most wanted first (q-values honoured)."""
    ranked = []
    for position, item in enumerate((header or "").split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(ranked)]
