"""A case's story in the reader's language: one line per thing that happened that a
customer, a colleague or a vendor should hear about (pure).

Timeline summaries are written for the people working the case, in English; a
message to a Russian-speaking customer must not quote them. Each telling moment is
phrased here in both languages from its structured data instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from escalada.domain.case_words import CASE_WORDS
from escalada.domain.words import Translator

# Who works a tier or answers for a level, in words a customer knows (internal codes
# such as T2 or L3 are shown to colleagues only): `to` whom a case went, `who` took it.
_TO = {
    "en": {"T1": "our first-line support team", "T2": "our senior support engineers",
           "T3": "our product engineering team", "L1": "our team lead",
           "L2": "our support manager", "L3": "our support director",
           "L4": "our vice president"},
    "ru": {"T1": "первой линии поддержки", "T2": "старшим инженерам поддержки",
           "T3": "команде разработки продукта", "L1": "руководителю группы поддержки",
           "L2": "руководителю службы поддержки", "L3": "директору службы поддержки",
           "L4": "вице-президенту компании"},
}
_WHO = {
    "en": {**_TO["en"], "VENDOR": "the cloud platform vendor's support"},
    "ru": {"T1": "первая линия поддержки", "T2": "старшие инженеры поддержки",
           "T3": "команда разработки продукта", "VENDOR": "поддержка поставщика платформы",
           "L1": "руководитель группы поддержки", "L2": "руководитель службы поддержки",
           "L3": "директор службы поддержки", "L4": "вице-президент компании"},
}
_PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "case_opened": "Case opened with severity {severity}",
        "tier_up": "Handed over to {team}",
        "vendor_up": "Escalated to the cloud platform vendor's support",
        "level_up": "Escalated to {team}",
        "tier_down": "Handed back to {team}",
        "level_down": "Executive escalation stepped down",
        "acknowledged": "Taken on by {who}",
        "severity": "Severity changed from {before} to {after}",
        "status": "Status changed: {status}",
        "war_room_opened": "Executive war room opened",
        "customer_update": "Update sent to the customer",
        "paused": "Waiting for information from the customer",
        "resumed": "Work resumed after the customer's reply",
        "resolved": "Issue resolved",
    },
    "ru": {
        "case_opened": "Обращение зарегистрировано с уровнем критичности {severity}",
        "tier_up": "Обращение передано {team}",
        "vendor_up": "Обращение передано в поддержку поставщика облачной платформы",
        "level_up": "Обращение эскалировано {team}",
        "tier_down": "Обращение возвращено {team}",
        "level_down": "Эскалация на уровень руководства снята",
        "acknowledged": "Обращение принято в работу: {who}",
        "severity": "Уровень критичности изменён с {before} на {after}",
        "status": "Статус изменён: {status}",
        "war_room_opened": "Созван оперативный штаб с участием руководства",
        "customer_update": "Клиенту отправлено обновление",
        "paused": "Ожидаем информацию от клиента",
        "resumed": "Работа возобновлена после ответа клиента",
        "resolved": "Проблема устранена",
    },
}
# The customer reads of themselves as "you".
_TO_CUSTOMER: dict[str, dict[str, str]] = {
    "en": {"paused": "Waiting for information from you",
           "resumed": "Work resumed after your reply"},
    "ru": {"paused": "Ожидаем от Вас дополнительную информацию",
           "resumed": "Работа возобновлена после Вашего ответа"},
}


@dataclass(frozen=True, slots=True)
class Moment:
    """Something that happened, as data: `what` names the phrase, `data` fills it."""

    at: datetime
    actor: str
    what: str
    data: Mapping[str, Any]


def tell(moment: Moment, language: str, reader: str = "customer", *, said: Translator) -> str:
    """The moment in one line of `language` (en or ru) for its `reader` (customer,
    internal or vendor): colleagues also see the tier or level code. A status is named in
    the catalogs' words (`said`: the catalogs' gettext for `language`), as everywhere."""
    data = dict(moment.data)
    if "status" in data:
        status = CASE_WORDS.get(data["status"])
        data["status"] = data["status"] if status is None else status.render(said)
    code = data.get("to")
    if code is not None:
        data["team"] = _TO[language].get(code, code)
        data["who"] = _WHO[language].get(code, code)
    phrases = {**_PHRASES[language], **(_TO_CUSTOMER[language] if reader == "customer" else {})}
    told = phrases[moment.what].format(**data)
    shows_code = code is not None and reader == "internal" and moment.what != "vendor_up"
    return f"{told} ({code})" if shows_code else told


def moment_of_entry(
    kind: str, at: datetime, actor: str, data: Mapping[str, Any]
) -> list[Moment]:
    """The telling moments in a timeline entry (none for the case's own bookkeeping:
    timers, thresholds, reminders, recommendations)."""
    if kind in ("war_room_opened", "paused", "resumed", "resolved"):
        return [Moment(at, actor, kind, {})]
    if kind == "case_opened":  # with the severity it opened at, and by whom
        return [Moment(at, actor, kind, {"severity": data.get("severity")})]
    if kind in ("first_response", "customer_update"):
        return [Moment(at, actor, "customer_update", {})]
    if kind != "updated":
        return []
    before, after = data.get("before", {}), data.get("after", {})
    moments = []
    if "severity" in after:
        moments.append(Moment(at, actor, "severity",
                              {"before": before.get("severity"), "after": after["severity"]}))
    if "status" in after:
        moments.append(Moment(at, actor, "status", {"status": after["status"]}))
    return moments


def moment_of_step(
    *, track: str, direction: str, to: str | None, at: datetime, actor: str
) -> Moment:
    """An escalation step up or down a track."""
    if track == "technical":
        what = ("vendor_up" if to == "VENDOR" else "tier_up") if direction == "up" else "tier_down"
    else:
        what = "level_up" if direction == "up" and to else "level_down"
    return Moment(at, actor, what, {"to": to})
