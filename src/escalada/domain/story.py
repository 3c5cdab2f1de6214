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

_STATUS = {
    "en": {"new": "new", "investigating": "investigating", "mitigating": "mitigating",
           "monitoring": "monitoring", "waiting_on_customer": "waiting on the customer",
           "resolved": "resolved", "closed": "closed"},
    "ru": {"new": "новое", "investigating": "идёт диагностика",
           "mitigating": "устраняем последствия", "monitoring": "наблюдаем за стабильностью",
           "waiting_on_customer": "ожидаем ответа клиента", "resolved": "решено",
           "closed": "закрыто"},
}
_LEVEL_ROLE = {
    "en": {"L1": "team lead", "L2": "support manager", "L3": "support director",
           "L4": "vice president"},
    "ru": {"L1": "руководитель группы", "L2": "руководитель службы поддержки",
           "L3": "директор по поддержке", "L4": "вице-президент"},
}
_PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "case_opened": "Case opened with severity {severity}",
        "tier_up": "Engineers of tier {to} engaged",
        "vendor_up": "Escalated to the cloud provider's support",
        "level_up": "Escalated to executive level {to} ({role})",
        "tier_down": "Case returned to tier {to}",
        "level_down": "Executive escalation stepped down",
        "acknowledged": "Level {to} took ownership",
        "severity": "Severity changed from {before} to {after}",
        "status": "Status changed: {status}",
        "war_room_opened": "Executive war room opened",
        "customer_update": "Update sent to the customer",
        "paused": "Waiting for information from the customer",
        "resumed": "Work resumed after the customer's reply",
        "resolved": "Issue resolved",
    },
    "ru": {
        "case_opened": "Обращение зарегистрировано с приоритетом {severity}",
        "tier_up": "К работе подключены инженеры уровня {to}",
        "vendor_up": "Обращение эскалировано в поддержку облачного провайдера",
        "level_up": "Эскалация на уровень руководства {to} ({role})",
        "tier_down": "Обращение возвращено на уровень {to}",
        "level_down": "Эскалация на уровень руководства снята",
        "acknowledged": "Уровень {to} принял обращение в работу",
        "severity": "Приоритет изменён с {before} на {after}",
        "status": "Статус изменён: {status}",
        "war_room_opened": "Созван оперативный штаб с участием руководства",
        "customer_update": "Клиенту отправлено обновление",
        "paused": "Ожидаем информацию от клиента",
        "resumed": "Работа возобновлена после ответа клиента",
        "resolved": "Проблема устранена",
    },
}


@dataclass(frozen=True, slots=True)
class Moment:
    """Something that happened, as data: `what` names the phrase, `data` fills it."""

    at: datetime
    actor: str
    what: str
    data: Mapping[str, Any]


def tell(moment: Moment, language: str) -> str:
    """The moment in one line of `language` (en or ru)."""
    data = dict(moment.data)
    if "status" in data:
        data["status"] = _STATUS[language].get(data["status"], data["status"])
    if "to" in data:
        data.setdefault("role", _LEVEL_ROLE[language].get(data["to"], data["to"]))
    return _PHRASES[language][moment.what].format(**data)


def moment_of_entry(
    kind: str, at: datetime, actor: str, data: Mapping[str, Any]
) -> list[Moment]:
    """The telling moments in a timeline entry (none for the case's own bookkeeping:
    timers, thresholds, reminders, recommendations)."""
    if kind in ("war_room_opened", "paused", "resumed", "resolved"):
        return [Moment(at, actor, kind, {})]
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
