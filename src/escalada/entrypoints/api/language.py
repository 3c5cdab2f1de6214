"""The language an API response's human messages are in: the signed-in user's own
choice where one is stored (`request.state.language`), else the Accept-Language header,
else English. Codes, field names and data are never translated."""

from __future__ import annotations

from fastapi import Request

from escalada.adapters.catalogs import accept_language, choose_language, translations
from escalada.domain.words import Translator


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
