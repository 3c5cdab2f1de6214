"""Renders messages from Jinja templates, built-in or the operator's, in a sandbox.

A template is `<lang>/<kind>.md.j2`: its first line is `Subject: ...`, then a blank
line and the markdown body. An operator directory of the same layout overrides the
built-in templates and may add kinds. Every template renders in an immutable sandbox
with strict undefined names; whatever goes wrong becomes `TemplateInvalid` naming the
template and the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime
from babel.numbers import format_decimal
from babel.units import format_unit
from jinja2 import (
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
)
from jinja2.sandbox import ImmutableSandboxedEnvironment

from escalada.domain.communications import OPTIONAL_FIELDS, REQUIRED_FIELDS, MessageFacts
from escalada.domain.errors import TemplateInvalid
from escalada.domain.money import usd
from escalada.domain.words import Words

SUFFIX = ".md.j2"
_NAME = re.compile(r"[a-z][a-z0-9_]*")
_SUBJECT = "Subject:"

# How a missing required field shows in a draft, by language.
_GAP = {"en": "[to be filled: {label}]", "ru": "[заполнить: {label}]"}
_FIELD_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "understanding": "current understanding",
        "doing_now": "what we are doing now",
        "next_steps": "next steps",
        "root_cause": "root cause",
        "fix": "fix",
        "verification": "verification",
        "component": "affected component",
        "region": "region",
        "request": "what we ask of the vendor",
    },
    "ru": {
        "understanding": "текущее понимание проблемы",
        "doing_now": "что мы делаем сейчас",
        "next_steps": "дальнейшие шаги",
        "root_cause": "первопричина",
        "fix": "исправление",
        "verification": "проверка исправления",
        "component": "затронутый компонент",
        "region": "регион",
        "request": "запрос к поставщику",
    },
}
# Russian needs the genitive month ("26 ноября"), which MMMM gives, and "г." after the year.
_WHEN = {"en": "d MMMM y, HH:mm", "ru": "d MMMM y 'г'., HH:mm"}
# Russia's time zones: Russian readers tell their times from Moscow's (МСК, МСК+4).
_RUSSIAN_ZONES = frozenset({
    "Europe/Kaliningrad", "Europe/Moscow", "W-SU", "Europe/Kirov", "Europe/Volgograd",
    "Europe/Astrakhan", "Europe/Saratov", "Europe/Ulyanovsk", "Europe/Samara",
    "Asia/Yekaterinburg", "Asia/Omsk", "Asia/Novosibirsk", "Asia/Barnaul", "Asia/Tomsk",
    "Asia/Novokuznetsk", "Asia/Krasnoyarsk", "Asia/Irkutsk", "Asia/Chita", "Asia/Yakutsk",
    "Asia/Khandyga", "Asia/Vladivostok", "Asia/Ust-Nera", "Asia/Magadan", "Asia/Sakhalin",
    "Asia/Srednekolymsk", "Asia/Kamchatka", "Asia/Anadyr",
})  # fmt: skip
_MOSCOW = ZoneInfo("Europe/Moscow")
# A name with its own quotes after its legal form, written as it stands: ООО «Аудит Тест».
_LEGAL_NAME = re.compile(r"[A-ZА-ЯЁ]{2,6}\s+«[^«»]+»")
_QUOTED = re.compile(r"«[^«»]*»")
_STRAIGHT = re.compile(r'"([^"]*)"')
@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    body: str  # markdown
    template: str  # e.g. "built-in ru/progress_update.md.j2" or "operator /path/ru/..."


def built_in_dir() -> Path:
    return Path(str(resources.files("escalada").joinpath("templates").joinpath("comms")))


def placeholder(field: str, language: str) -> str:
    """The visible gap a missing required field leaves in a draft."""
    labels = _FIELD_LABELS.get(language, _FIELD_LABELS["en"])
    label = labels.get(field, field.replace("_", " "))
    return _GAP.get(language, _GAP["en"]).format(label=label)


def missing_fields(facts: MessageFacts) -> list[str]:
    """The kind's required fields that are absent or blank, in order."""
    return [
        name
        for name in REQUIRED_FIELDS.get(facts.kind, ())
        if not facts.fields.get(name, "").strip()
    ]


def template_kinds(operator_dir: Path | None = None) -> dict[str, dict[str, str]]:
    """kind -> {language: "built-in" | "operator <path>"}; the operator's win."""
    kinds: dict[str, dict[str, str]] = {}
    roots = [(built_in_dir(), False)] + ([(operator_dir, True)] if operator_dir else [])
    for root, is_operator in roots:
        for path in sorted(root.glob(f"*/*{SUFFIX}")):
            kind, language = path.name.removesuffix(SUFFIX), path.parent.name
            if not (_NAME.fullmatch(kind) and _NAME.fullmatch(language)):
                continue
            origin = f"operator {path}" if is_operator else "built-in"
            kinds.setdefault(kind, {})[language] = origin
    return dict(sorted(kinds.items()))


def render(facts: MessageFacts, *, operator_dir: Path | None = None) -> Rendered:
    """Render the facts' kind in the facts' language (no fallback to another language)."""
    name = f"{facts.language}/{facts.kind}{SUFFIX}"
    path, is_operator = _locate(name, facts.language, facts.kind, operator_dir)
    shown = f"operator {name}" if is_operator else name
    environment = _environment(str(operator_dir) if operator_dir else None)
    try:
        template = environment.get_template(name)
    except TemplateSyntaxError as error:
        raise TemplateInvalid(shown, error.lineno, _reason(error)) from error
    except UnicodeDecodeError as error:
        raise TemplateInvalid(shown, None, "not UTF-8 text") from error
    try:
        text = template.render(_variables(facts))
    except Exception as error:  # anything a template does wrong at run time
        line = _template_line(error, template.filename)
        raise TemplateInvalid(shown, line, _reason(error)) from error
    first, _, body = text.strip().partition("\n")
    if not first.startswith(_SUBJECT):
        raise TemplateInvalid(shown, 1, "the first line must be `Subject: ...`")
    subject = first.removeprefix(_SUBJECT).strip()
    origin = f"operator {path}" if is_operator else f"built-in {name}"
    return Rendered(subject=subject, body=body.strip(), template=origin)


def _locate(name: str, language: str, kind: str, operator_dir: Path | None) -> tuple[Path, bool]:
    """The file that renders `name`, and whether it is the operator's."""
    if _NAME.fullmatch(language) and _NAME.fullmatch(kind):
        if operator_dir is not None and (operator_dir / name).is_file():
            return operator_dir / name, True
        if (built_in_dir() / name).is_file():
            return built_in_dir() / name, False
    raise TemplateInvalid(
        name, None, Words("no such template: there is no {kind!r} message in language {language!r}",
                          kind=kind, language=language)
    )


@lru_cache(maxsize=16)
def _environment(operator_dir: str | None) -> ImmutableSandboxedEnvironment:
    search = ([operator_dir] if operator_dir else []) + [str(built_in_dir())]
    return ImmutableSandboxedEnvironment(
        loader=FileSystemLoader(search, encoding="utf-8"),
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _variables(facts: MessageFacts) -> dict[str, Any]:
    formats = Formats(facts.language, facts.timezone)
    return {
        "facts": facts,
        "fields": _fields(facts),
        "when": formats.when,
        "clock": formats.clock,
        "duration": formats.duration,
        "plural": formats.plural,
        "money": formats.money,
        "number": formats.number,
        "quoted": formats.quoted,
    }


def _fields(facts: MessageFacts) -> dict[str, str]:
    """Every field of the kind: its text, a placeholder if required, else ""."""
    given = {name: text.strip() for name, text in facts.fields.items()}
    known: dict[str, str] = {}
    for name in REQUIRED_FIELDS.get(facts.kind, ()):
        known[name] = given.get(name) or placeholder(name, facts.language)
    for name in (*OPTIONAL_FIELDS.get(facts.kind, ()), "note"):
        known[name] = given.get(name, "")
    return {**given, **known}


class Formats:
    """Dates, durations, plurals and money in the recipient's language and time zone."""

    def __init__(self, language: str, timezone: str) -> None:
        self.language = language
        self.locale = Locale.parse(language)
        self.zone = ZoneInfo(timezone)

    def when(self, moment: datetime) -> str:
        """A date and time in the recipient's zone, with its UTC offset (in Russian, a
        Russian zone as Moscow time: МСК, МСК+4)."""
        pattern = _WHEN.get(self.language, _WHEN["en"])
        shown = format_datetime(moment, pattern, tzinfo=self.zone, locale=self.locale)
        local = moment.astimezone(self.zone)
        if self.language == "ru" and self.zone.key in _RUSSIAN_ZONES:
            return f"{shown} {_offset(local, moment.astimezone(_MOSCOW), 'МСК')}"
        return f"{shown} {_offset(local)}"

    def clock(self, moment: datetime) -> str:
        """The time of day in the recipient's zone."""
        return format_datetime(moment, "HH:mm", tzinfo=self.zone, locale=self.locale)

    def duration(self, minutes: int) -> str:
        """E.g. "3 дня 2 часа 5 минут"; "0 minutes" for nothing (Babel's unit names and
        plural forms, the number in plain digits)."""
        days, rest = divmod(max(minutes, 0), 24 * 60)
        parts = [(days, "day"), *zip(divmod(rest, 60), ("hour", "minute"), strict=True)]
        shown = [self._unit(n, unit) for n, unit in parts if n]
        return " ".join(shown) or self._unit(0, "minute")

    def _unit(self, n: int, unit: str) -> str:
        return str(format_unit(n, f"duration-{unit}", length="long", format="0",
                               locale=self.locale))

    def plural(
        self, n: int, one: str, few: str, many: str | None = None, other: str | None = None
    ) -> str:
        """The word for `n` by the language's plural rules (English: one, few=plural)."""
        forms = {"one": one, "few": few, "many": many or few, "other": other or few}
        return forms[self.locale.plural_form(n)]

    def quoted(self, text: str) -> str:
        """A name or title in quotes: «…» in Russian, with quotes inside it as „…“, and a
        name already quoted after its legal form as it stands (ООО «Аудит Тест»)."""
        if self.language != "ru":
            return text if _STRAIGHT.fullmatch(text) else f'"{text.replace(chr(34), chr(39))}"'
        text = _STRAIGHT.sub(r"«\1»", text)
        if _LEGAL_NAME.fullmatch(text) or _QUOTED.fullmatch(text):
            return text
        return "«" + text.replace("«", "„").replace("»", "“") + "»"

    def money(self, amount: Decimal) -> str:
        return usd(amount, self.locale)

    def number(self, value: int | Decimal) -> str:
        return str(format_decimal(value, locale=self.locale))


def _offset(local: datetime, base: datetime | None = None, name: str = "UTC") -> str:
    """The zone as its offset from UTC (UTC, UTC+3, UTC-4, UTC+5:30), or from the
    `base` zone called `name` (МСК, МСК+4, МСК-1)."""
    minutes = _minutes(local) - (_minutes(base) if base is not None else 0)
    if minutes == 0:
        return name
    sign = "+" if minutes > 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"{name}{sign}{hours}" + (f":{rest:02d}" if rest else "")


def _minutes(moment: datetime) -> int:
    delta = moment.utcoffset()
    return int(delta.total_seconds() // 60) if delta is not None else 0


def _template_line(error: BaseException, filename: str | None) -> int | None:
    """The template line of the innermost frame Jinja mapped back to the template."""
    line = None
    trace = error.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_filename == filename:
            line = trace.tb_lineno
        trace = trace.tb_next
    return line


def _reason(error: Exception) -> str:
    if isinstance(error, TemplateNotFound):
        return f"no such template to include: {error.name}"
    if isinstance(error, TemplateError):
        return error.message or type(error).__name__
    return f"{type(error).__name__}: {error}"
