"""A worked escalation as the report's data, in the demo's manner: a Russian bank's P1
that went to T3 and L3, with a root cause, commitments met and missed, credits, messages
delivered and dead, a recovery plan under way, and a customer message that tries
Markdown and HTML on the reader."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from escalada.domain.escalation_report import (
    Breach,
    Commitment,
    Credit,
    EscalationReport,
    Impact,
    Message,
    Recovery,
    RecoveryTask,
    Resolution,
    RootCause,
    Similar,
    Step,
    Summary,
    TimelineLine,
)

INJECTION = "# Срочно! [нажмите](http://evil.example) <script>alert(1)</script> | *всё* упало"


def at(hour: int, minute: int = 0, day: int = 26) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def worked_report(language: str = "ru") -> EscalationReport:
    summary = Summary(
        case="CASE-7", title="Сбой платежей через СБП: таймауты 504", account="АО «Меридиан Банк»",
        account_id="meridian-bank", account_tier="strategic", support_plan="enterprise",
        severity="P1", status="resolved", opened_at=at(8), resolved_at=at(14, 30),
        closed_at=None, minutes=390, tiers=("T1", "T2", "T3"), levels=("L2", "L3"),
        opened_by="a.smirnova", technical_owner="i.volkova", executive_owner="e.sokolova")
    timeline = (
        TimelineLine(at(8), "a.smirnova", "case_opened", "P1 case opened", None),
        TimelineLine(at(8, 10), "a.smirnova", "escalated", "step 1: T1 -> T2", "нужен T2"),
        TimelineLine(at(9), "o.petrov", "escalated", "step 2: none -> L2", None),
        TimelineLine(at(9, 30), "customer", "customer_message", INJECTION, None),
        TimelineLine(at(12), "escalada", "sla_breached", "resolution SLA breached", None),
        TimelineLine(at(14, 30), "o.petrov", "resolved", "case resolved", "pgbouncer откатили"),
    )
    steps = (Step(at(8, 10), "technical", "T2"), Step(at(9), "executive", "L2"),
             Step(at(10), "technical", "T3"), Step(at(10, 5), "executive", "L3"))
    impact = Impact(
        minutes=390, services=("load-balancer", "managed-postgresql"),
        regions=("ru-central1", "ru-msk"), users_affected=120_000,
        revenue_impact_usd=Decimal("40000"), business_impact_usd=Decimal("250000.5"),
        breaches=(Breach("resolution", at(12), at(12), at(14, 30), 150),
                  Breach("next_update", at(11), at(11), None, 210)),
        credits=(Credit(1, Decimal("7200"), "approved", "e.sokolova", at(15)),
                 Credit(2, Decimal("1800"), "proposed", "o.petrov", at(15, 20))))
    resolution = Resolution(at(14, 30), "o.petrov", "Откат pgbouncer", (
        Commitment(1, "Письменный отчёт о первопричине", "o.petrov", at(18, day=27), "met",
                   at(16, day=27)),
        Commitment(2, "Исправление в следующем релизе", "i.volkova", at(18, day=28),
                   "missed", None)))
    messages = (
        Message(at(8, 5), "customer", True, "acknowledgment", "ru", "CASE-7: приняли",
                "email", "cfo@meridian.example", "delivered"),
        Message(at(10, 30), "internal", False, "handoff", "ru", "Передача T3", "slack",
                "ops-handoffs", "dead"),
        Message(at(13), "customer", True, "progress_update", "ru", "CASE-7: обновление #2",
                None, None, "draft"))
    recovery = Recovery((
        RecoveryTask("immediate", "Подтвердить решение с клиентом", "o.petrov", at(14, day=27),
                     "done", False),
        RecoveryTask("short_term", "Звонок руководителя с извинениями", "e.sokolova",
                     at(14, day=28), "open", True),
        RecoveryTask("long_term", "Обсудить стратегическое партнёрство", None, None, "open",
                     False)))
    return EscalationReport(
        language=language, timezone="Europe/Moscow", generated_at=at(12, day=30),
        summary=summary, timeline=timeline, steps=steps,
        root_cause=RootCause("Регрессия pgbouncer исчерпала пул соединений.\n\n"
                             "- Пул был 50, а не 500.", "Нет оповещения о пуле.", "i.volkova",
                             at(16, day=26)),
        impact=impact, resolution=resolution, messages=messages, lessons=(), recovery=recovery,
        similar=(Similar("CASE-3", "root_cause", "CASE-3: Пул соединений pgbouncer исчерпан",
                         ("postgresql",), ("ru-msk",)),
                 Similar("CASE-5", "post_mortem", "CASE-5: Payment API *timeouts*",
                         ("postgresql", "api-gateway"), ())))


def empty_report(language: str = "en") -> EscalationReport:
    """A case just opened: nothing but its opening on the record."""
    report = worked_report(language)
    summary = Summary(
        case="CASE-9", title="Autoscaler stuck", account="Kestrel Analytics",
        account_id="kestrel-analytics", account_tier="enterprise", support_plan="business",
        severity="P3", status="new", opened_at=at(8), resolved_at=None, closed_at=None,
        minutes=30, tiers=("T1",), levels=(), opened_by="a.smirnova", technical_owner=None,
        executive_owner=None)
    return EscalationReport(
        language=language, timezone="UTC", generated_at=at(8, 30), summary=summary,
        timeline=report.timeline[:1], steps=(), root_cause=None,
        impact=Impact(30, (), (), None, Decimal(0), Decimal(0), (), ()),
        resolution=Resolution(None, None, None, ()), messages=(), lessons=(),
        recovery=Recovery(()))
