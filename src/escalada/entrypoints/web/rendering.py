"""The console's pages from Jinja2 templates, in the reader's language.

One environment per language (each with its gettext catalog installed through
`jinja2.ext.i18n`, newstyle: `_()`, `ngettext` and `{% trans %}` escape and format
safely), so that concurrent requests in different languages never share a translation.
Filters: `when` (a UTC time in a zone, per locale), `money` (Decimal USD, per locale),
`number`; `csrf_field()` prints the form's hidden CSRF input."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from escalada.adapters.catalogs import translations
from escalada.domain.id_words import VOCABULARIES, named
from escalada.entrypoints.web.session import CSRF_FIELD, language_of, signed_in_of

_WHEN = {"long": "d MMM y, HH:mm", "short": "d MMM, HH:mm", "time": "HH:mm"}


@cache
def environment(language: str) -> Environment:
    env = Environment(loader=PackageLoader("escalada.entrypoints.web", "templates"),
                      autoescape=select_autoescape(default=True),
                      extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.globals["language"] = language
    env.globals["translator"] = translations(language)  # for words kept as templates
    # The policy's words (a seat, a checklist item): the shipped policy's are in the
    # catalogs; an operator's own are shown as written.
    env.globals["policy_said"] = lambda text: translations(language).gettext(text) if text else ""
    env.globals["vendor_said"] = lambda vendor, kind, code: vendor_said(
        vendor, kind, code, language)
    locale = Locale.parse(language)  # parsed once: Babel would parse a name on each call
    env.filters["when"] = lambda moment, zone="UTC", style="long": when(
        moment, locale, zone, style)
    env.filters["money"] = lambda amount: money(amount, locale)
    env.filters["number"] = lambda value: number(value, locale)
    env.filters["day"] = lambda iso: format_date(date.fromisoformat(iso), "EEE d MMM",
                                                 locale=locale)
    # An id in words: `account.support_plan|named("plan")` (domain/id_words.py VOCABULARIES).
    env.filters["named"] = lambda value, vocabulary: named(
        VOCABULARIES[vocabulary], value).render(translations(language))
    return env


def vendor_said(vendor: str, kind: str, code: str | None, language: str) -> str:
    """A vendor's severity or plan by the vendor plans file's words for it ("Production
    system down"), translated when the catalogs know them; a code the file does not name
    as it is."""
    from escalada.adapters.vendor_plans_file import current_vendor_plans

    info = current_vendor_plans().vendors.get(vendor)
    if info is None or not code:
        return code or ""
    plan = info.plans.get(code)
    text = info.labels.get(code) if kind == "severity" else plan.label if plan else None
    return translations(language).gettext(text) if text else code


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def when(moment: datetime | None, language: str | Locale, zone: str | None = "UTC",
         style: str = "long") -> str:
    """`moment` (aware, UTC inside) as a person in `zone` reads it, in `language`."""
    if moment is None:
        return "—"
    return format_datetime(moment, _WHEN.get(style, style), tzinfo=_zone(zone or "UTC"),
                           locale=language)


def money(amount: Decimal | int | None, language: str | Locale) -> str:
    if amount is None:
        return "—"
    return format_currency(Decimal(amount), "USD", locale=language)


def number(value: int | float | Decimal | None, language: str | Locale) -> str:
    if value is None:
        return "—"
    return format_decimal(value, locale=language)


def render(request: Request, template: str, *, status_code: int = 200,
           headers: dict[str, str] | None = None, **values: Any) -> HTMLResponse:
    """`templates/<template>` in the request's language, with the signed-in user, their
    CSRF field and the page's `values`."""
    language = language_of(request)
    signed_in = signed_in_of(request)
    csrf = "" if signed_in is None else signed_in.csrf_token
    context = {
        "request": request, "signed_in": signed_in,
        "user": None if signed_in is None else signed_in.actor,
        "csrf_token": csrf,
        "csrf_field": lambda: Markup('<input type="hidden" name="{}" value="{}">').format(
            CSRF_FIELD, csrf),
        **values,
    }
    body = environment(language).get_template(template).render(context)
    return HTMLResponse(body, status_code=status_code, headers=headers)
