"""The language an API response's human messages are in: the signed-in user's own
choice where one is stored (`request.state.language`), else the Accept-Language header,
else English. Codes, field names and data are never translated."""

from __future__ import annotations

from typing import Protocol, Self, TypeVar

from fastapi import Request

from escalada.adapters.catalogs import (
    SOURCE_LANGUAGE,
    accept_language,
    choose_language,
    translations,
)
from escalada.domain.words import Translator


class Told(Protocol):
    """A view holding texts escalada kept with their words (a timeline entry, a timer's
    outcome, ...), which it can give in another language."""

    def told_in(self, language: Translator) -> Self: ...


V = TypeVar("V", bound=Told)


def request_language(request: Request) -> str:
    """'ru' or 'en' for this request."""
    stored = getattr(request.state, "language", None)
    preferred = [stored] if isinstance(stored, str) and stored else []
    preferred += accept_language(request.headers.get("accept-language"))
    return choose_language(preferred)


def speaking(request: Request) -> tuple[str, Translator]:
    """The request's language and its catalog."""
    lang = request_language(request)
    return lang, translations(lang)


def told(view: V, request: Request) -> V:
    """The view with its kept texts in the request's language (as it is in English)."""
    lang = request_language(request)
    return view if lang == SOURCE_LANGUAGE else view.told_in(translations(lang))


def all_told(views: list[V], request: Request) -> list[V]:
    """`told` for each of a page's items."""
    lang = request_language(request)
    if lang == SOURCE_LANGUAGE:
        return views
    language = translations(lang)
    return [view.told_in(language) for view in views]
