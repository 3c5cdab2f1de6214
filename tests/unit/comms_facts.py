"""A fixed case for the message templates' golden tests, in English and in Russian.

CASE-42, a P1 opened 2026-11-26 07:10 UTC and drafted at 10:00 UTC: the customer's
kinds show in Europe/Moscow, the vendor's in UTC.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from escalada.domain.communications import (
    Contact,
    FollowUp,
    Handoff,
    Happening,
    MessageFacts,
    MessageKind,
    Person,
    WarRoom,
)


def at(hour: int, minute: int = 0, day: int = 26, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


_EN: dict[str, Any] = {
    "account_name": "Northwind Retail",
    "title": "API gateway returns 500 for EU customers",
    "contact_title": "CTO",
    "contact": Contact("Ivan Petrov", None, "CTO"),
    "sender": Person("Maria Ivanova", "Escalation Manager", "m.ivanova@escalada.example"),
    "executive": Person("Nikolai Lebedev", "CEO", "n.lebedev@escalada.example"),
    "since_last_update": (
        Happening(at(8, 40), "d.sokolov", "EU traffic moved to the standby gateway cluster"),
        Happening(at(9, 25), "d.sokolov", "Error rate for EU customers down from 38% to 4%"),
    ),
    "actions": (
        Happening(at(7, 10), "m.ivanova", "Case opened: EU customers receive HTTP 500"),
        Happening(at(7, 25), "m.ivanova", "Escalated to T2: advanced diagnostics required"),
        Happening(at(8, 5), "a.petrov", "Escalated to T3: potential product bug"),
        Happening(at(8, 40), "d.sokolov", "EU traffic moved to the standby gateway cluster"),
        Happening(at(9, 30), "d.sokolov", "Case 171234567890 opened with AWS Support"),
    ),
    "follow_ups": (
        FollowUp("We will send you the root cause analysis report", "Maria Ivanova",
                 at(15, day=3, month=12)),
        FollowUp("We will add an alert on the 5xx rate per region", None, None),
    ),
    "handoff": Handoff(
        from_tier="T2",
        to_tier="T3",
        at=at(8, 5),
        by="a.petrov",
        reason="Suspected defect in the gateway's TLS session cache",
        items={
            "technical_analysis": "500s come from TLS handshake failures on EU nodes only",
            "root_cause_hypothesis": "The session cache change of 07:02 UTC",
            "diagnostic_logs": "Gateway logs 06:50-08:00 UTC attached to the case",
            "attempted_workarounds": "Restarting the nodes helps for about ten minutes",
            "engineering_assessment_request": "Confirm the defect and advise on a rollback",
        },
    ),
}
_EN_FIELDS: dict[str, dict[str, str]] = {
    MessageKind.ACKNOWLEDGMENT: {
        "note": "Our escalation manager will call your operations team within 30 minutes.",
    },
    MessageKind.PROGRESS_UPDATE: {
        "understanding": "A configuration change to the gateway's TLS session cache, rolled "
        "out to the EU cluster this morning, makes some requests fail during the TLS "
        "handshake; the gateway then answers with HTTP 500.",
        "doing_now": "We are rolling the change back node by node while EU traffic runs on "
        "the standby cluster.",
        "next_steps": "Finish the rollback, return EU traffic to the primary cluster and "
        "watch the error rate for an hour.",
    },
    MessageKind.RESOLUTION: {
        "root_cause": "A configuration change to the gateway's TLS session cache shrank the "
        "cache below the EU cluster's load, so that some TLS handshakes failed.",
        "fix": "We rolled the change back on every node of the EU cluster and returned EU "
        "traffic to it.",
        "verification": "The error rate for EU customers has stayed at its usual 0.01% for "
        "an hour, and synthetic checks from five EU locations pass.",
        "preventive_measures": "Cache settings are now checked against each cluster's peak "
        "load before a rollout, and rollouts go to one cluster at a time.",
        "lessons_learned": "Our alerting watched the global error rate; a regional alert "
        "would have caught this within minutes.",
    },
    MessageKind.EXECUTIVE_ACKNOWLEDGMENT: {},
    MessageKind.HANDOFF: {"note": "The customer's CTO expects a call with T3 before 13:00."},
    MessageKind.VENDOR_ESCALATION: {
        "component": "Elastic Load Balancing (Application Load Balancer)",
        "region": "eu-central-1",
        "request": "Please engage the ELB service team to check the load balancer nodes in "
        "eu-central-1 and confirm whether a platform event has affected TLS termination "
        "since 07:00 UTC.",
    },
}

_RU: dict[str, Any] = {
    "account_name": "Сибирские Сети",
    "title": "API-шлюз возвращает ошибку 500 клиентам из ЕС",
    "contact_title": "технический директор",
    "contact": Contact("Иван Петрович Сидоров", "Иван Петрович", "технический директор"),
    "sender": Person("Мария Иванова", "менеджер по эскалациям", "m.ivanova@escalada.example"),
    "executive": Person("Николай Лебедев", "генеральный директор", "n.lebedev@escalada.example"),
    "since_last_update": (
        Happening(at(8, 40), "d.sokolov", "Трафик клиентов из ЕС переключён на резервный кластер"),
        Happening(at(9, 25), "d.sokolov", "Доля ошибок для клиентов из ЕС снизилась с 38% до 4%"),
    ),
    "actions": (
        Happening(at(7, 10), "m.ivanova", "Открыто обращение: клиенты из ЕС получают HTTP 500"),
        Happening(at(7, 25), "m.ivanova", "Передано на T2: нужна углублённая диагностика"),
        Happening(at(8, 5), "a.petrov", "Передано на T3: вероятная ошибка в продукте"),
        Happening(at(8, 40), "d.sokolov", "Трафик клиентов из ЕС переключён на резервный кластер"),
        Happening(at(9, 30), "d.sokolov", "Открыто обращение 171234567890 в AWS Support"),
    ),
    "follow_ups": (
        FollowUp("Мы направим Вам отчёт о первопричине", "Мария Иванова",
                 at(15, day=3, month=12)),
        FollowUp("Мы настроим оповещение о доле ошибок 5xx по регионам", None, None),
    ),
    "handoff": Handoff(
        from_tier="T2",
        to_tier="T3",
        at=at(8, 5),
        by="a.petrov",
        reason="Подозрение на дефект кэша TLS-сессий в шлюзе",
        items={
            "technical_analysis": "Ошибки 500 вызваны сбоями TLS-рукопожатия, только на узлах ЕС",
            "root_cause_hypothesis": "Изменение настроек кэша сессий в 07:02 UTC",
            "diagnostic_logs": "Журналы шлюза за 06:50–08:00 UTC приложены к обращению",
            "attempted_workarounds": "Перезапуск узлов помогает примерно на десять минут",
            "engineering_assessment_request": "Подтвердить дефект и оценить возможность отката",
        },
    ),
}
_RU_FIELDS: dict[str, dict[str, str]] = {
    MessageKind.ACKNOWLEDGMENT: {
        "note": "Менеджер по эскалациям позвонит Вашей дежурной службе в течение 30 минут.",
    },
    MessageKind.PROGRESS_UPDATE: {
        "understanding": "Сегодня утром в кластере ЕС были изменены настройки кэша TLS-сессий "
        "шлюза. Из-за этого часть запросов не проходит TLS-рукопожатие, и шлюз отвечает "
        "ошибкой HTTP 500.",
        "doing_now": "Откатываем изменение узел за узлом; тем временем трафик из ЕС "
        "обслуживает резервный кластер.",
        "next_steps": "Завершить откат, вернуть трафик из ЕС на основной кластер и в течение "
        "часа следить за долей ошибок.",
    },
    MessageKind.RESOLUTION: {
        "root_cause": "После изменения настроек кэш TLS-сессий шлюза оказался слишком мал для "
        "нагрузки кластера ЕС, и часть TLS-рукопожатий завершалась ошибкой.",
        "fix": "Мы откатили изменение на всех узлах кластера ЕС и вернули на него трафик.",
        "verification": "Доля ошибок для клиентов из ЕС уже час держится на обычном уровне "
        "0,01%, синтетические проверки из пяти точек в ЕС проходят успешно.",
        "preventive_measures": "Теперь перед выкладкой настройки кэша проверяются на пиковой "
        "нагрузке каждого кластера, а изменения выкатываются поочерёдно, по одному кластеру.",
        "lessons_learned": "Мониторинг отслеживал общую долю ошибок; оповещение по регионам "
        "выявило бы проблему за несколько минут.",
    },
    MessageKind.EXECUTIVE_ACKNOWLEDGMENT: {},
    MessageKind.HANDOFF: {"note": "Технический директор клиента ждёт звонка от T3 до 13:00."},
    MessageKind.VENDOR_ESCALATION: {
        "component": "Elastic Load Balancing (Application Load Balancer)",
        "region": "eu-central-1",
        "request": "Просим подключить команду сервиса ELB, проверить узлы балансировщика в "
        "регионе eu-central-1 и подтвердить, не было ли с 07:00 UTC событий на стороне "
        "платформы, затронувших терминацию TLS.",
    },
}


def comms_facts(kind: str, language: str = "en", **changes: Any) -> MessageFacts:
    """The golden case as `kind` in `language`; `changes` replace any fact."""
    content, fields = (_RU, _RU_FIELDS) if language == "ru" else (_EN, _EN_FIELDS)
    resolved = kind == MessageKind.RESOLUTION
    facts = MessageFacts(
        kind=kind,
        language=language,
        timezone="UTC" if kind == MessageKind.VENDOR_ESCALATION else "Europe/Moscow",
        now=at(10),
        case_ref="CASE-42",
        severity="P1",
        status="resolved" if resolved else "mitigating",
        tier="T3",
        exec_level="L3",
        account_tier="enterprise",
        support_plan="enterprise",
        opened_at=at(7, 10),
        resolved_at=at(11, 35) if resolved else None,
        services=("api-gateway", "payments"),
        revenue_impact_usd=Decimal("18500"),
        business_impact_usd=Decimal("120000"),
        next_update_at=None if resolved else at(12),
        update_number=3,
        update_status="MITIGATING",
        fields=dict(fields.get(kind, {})),
        credit_usd=Decimal("2000.00") if resolved else None,
        war_room=None if resolved else WarRoom("#exec-escalation-case-42", 240),
        **content,
    )
    return replace(facts, **changes)
