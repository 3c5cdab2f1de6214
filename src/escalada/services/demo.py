"""A realistic demo data set, told through the service functions as if it happened lately.

Each demo case is a story: opened some time before now, then the steps people took
(responses, flags, pauses, escalations with their handoff packages, acknowledgements).
The stories are replayed in the order they happened, with the context's clock set to
each past moment, so that the SLA clocks show what such a morning looks like: fresh
cases, cases at risk and one breach.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from escalada.domain.business_calendar import CalendarSpec
from escalada.domain.errors import AlreadyExists
from escalada.services import cases, escalations
from escalada.services.account_health import enter_inputs, refresh_scores
from escalada.services.account_list import account_page
from escalada.services.accounts import add_account
from escalada.services.authz import require_admin
from escalada.services.calendars import add_calendar
from escalada.services.commitments import (
    close_commitment,
    commitment_page,
    make_commitment,
)
from escalada.services.contacts import add_contact
from escalada.services.context import Actor, Context
from escalada.services.credit_list import credit_page
from escalada.services.credits import approve_credit, propose_credit
from escalada.services.drafting import draft_message
from escalada.services.inbound_messages import record_message
from escalada.services.paging import every_item
from escalada.services.people import add_user
from escalada.services.people_lists import user_page
from escalada.services.post_mortem import (
    add_action,
    add_finding,
    complete_post_mortem,
    start_post_mortem,
)
from escalada.services.recovery import recovery_plan, update_task
from escalada.services.root_cause import record_root_cause
from escalada.services.views import CaseView


@dataclass(frozen=True)
class DemoLoaded:
    """What the demo added to the database."""

    accounts: int
    cases: int


@dataclass(frozen=True)
class _Step:
    """One thing a person did to a case, `after` its opening."""

    after: timedelta
    action: str
    by: Actor
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Story:
    """A demo case: opened `opened_ago` before the load by `by`, then its steps."""

    opened_ago: timedelta
    by: Actor
    case: dict[str, Any]
    steps: tuple[_Step, ...]


def _at(minutes: int, action: str, by: Actor, /, **fields: Any) -> _Step:
    return _Step(timedelta(minutes=minutes), action, by, fields)


def _ago(minutes: int, by: Actor, case: dict[str, Any], *steps: _Step) -> _Story:
    return _Story(timedelta(minutes=minutes), by, case, steps)


ACCOUNTS_CREATED_AGO = timedelta(days=180)
# The Russian-speaking desk works Moscow hours with a lunch break, for customers in
# every Russian time zone: SibTorg in Novosibirsk runs its business-hours clocks on it.
MOSCOW_DESK = CalendarSpec.weekly(name="moscow-desk", timezone="Europe/Moscow", country="RU",
                                  hours=("09:00-13:00", "14:00-18:00"))
ACCOUNTS: tuple[dict[str, Any], ...] = (
    {"id": "meridian-bank", "name": "АО «Меридиан Банк»", "tier": "strategic",
     "support_plan": "enterprise", "timezone": "Europe/Moscow", "country": "RU",
     "language": "ru", "monthly_fee_usd": 48000},
    {"id": "sibtorg", "name": "ООО «СибТорг»", "tier": "enterprise",
     "support_plan": "business", "timezone": "Asia/Novosibirsk", "country": "RU",
     "language": "ru", "calendar": "moscow-desk", "monthly_fee_usd": 9500},
    {"id": "ledgerly", "name": "Ledgerly Inc.", "tier": "strategic",
     "support_plan": "enterprise", "timezone": "America/New_York", "country": "US",
     "language": "en", "monthly_fee_usd": 36000},
    {"id": "thames-media", "name": "Thames Media Group plc", "tier": "enterprise",
     "support_plan": "business", "timezone": "Europe/London", "country": "GB",
     "language": "en", "monthly_fee_usd": 14000},
    {"id": "kestrel-analytics", "name": "Kestrel Analytics GmbH", "tier": "standard",
     "support_plan": "developer", "timezone": "Europe/Berlin", "country": "DE",
     "language": "en", "monthly_fee_usd": 2400},
)

# The support organisation: Russian-speaking and English-speaking shifts.
SMIRNOVA = Actor("a.smirnova", "engineer")
KOZLOV = Actor("d.kozlov", "engineer")
VOLKOVA = Actor("i.volkova", "engineer")
ORLOV = Actor("m.orlov", "team_lead")
PETROV = Actor("o.petrov", "support_manager")
SOKOLOVA = Actor("e.sokolova", "support_director")
RAMAN = Actor("p.raman", "engineer")
WHITFIELD = Actor("j.whitfield", "engineer")
BECKER = Actor("t.becker", "engineer")
OKAFOR = Actor("g.okafor", "engineer")
MITCHELL = Actor("s.mitchell", "support_manager")
# Who sets the demo up, and the executives a war room matches to customers' executives.
ADMIN = Actor("admin", "admin")
# (person, executive title, display name: how they sign letters)
PEOPLE: tuple[tuple[Actor, str | None, str], ...] = (
    (ADMIN, None, "Escalada Admin"), (SMIRNOVA, None, "Анна Смирнова"),
    (KOZLOV, None, "Дмитрий Козлов"), (VOLKOVA, None, "Ирина Волкова"),
    (ORLOV, None, "Максим Орлов"), (PETROV, None, "Олег Петров"),
    (SOKOLOVA, "Support Director", "Елена Соколова"), (RAMAN, None, "Priya Raman"),
    (WHITFIELD, None, "James Whitfield"), (BECKER, None, "Tobias Becker"),
    (OKAFOR, None, "Grace Okafor"), (MITCHELL, None, "Sarah Mitchell"),
    (Actor("n.lebedev", "vp"), "CEO", "Николай Лебедев"),
    (Actor("k.morozova", "vp"), "CTO", "Ксения Морозова"),
    (Actor("r.hughes", "vp"), "VP Customer Success", "Rachel Hughes"),
)

# The customers' people who escalate; cases name them by email.
CONTACTS: tuple[dict[str, Any], ...] = (
    {"account_id": "meridian-bank", "name": "Андрей Викторович Белов",
     "address_as": "Андрей Викторович", "title": "Руководитель платёжных сервисов",
     "email": "a.belov@meridian-bank.example", "level": "manager"},
    {"account_id": "meridian-bank", "name": "Marina Orlova", "title": "CFO",
     "email": "m.orlova@meridian-bank.example", "language": "en", "level": "c_level"},
    {"account_id": "sibtorg", "name": "Виктор Гусев", "address_as": "Виктор",
     "email": "v.gusev@sibtorg.example", "level": "vp"},
    {"account_id": "sibtorg", "name": "Наталья Сергеевна Кравец",
     "address_as": "Наталья Сергеевна", "title": "Руководитель e-commerce",
     "email": "n.kravets@sibtorg.example", "level": "manager"},
    {"account_id": "ledgerly", "name": "Daniel Brooks", "title": "VP Engineering",
     "email": "d.brooks@ledgerly.example", "level": "vp"},
    {"account_id": "ledgerly", "name": "Priya Natarajan", "title": "Head of Platform",
     "email": "p.natarajan@ledgerly.example", "level": "manager"},
    {"account_id": "ledgerly", "name": "Helen Carter", "title": "CFO",
     "email": "h.carter@ledgerly.example", "level": "c_level"},
    {"account_id": "thames-media", "name": "Oliver Grant", "title": "Head of Broadcast IT",
     "email": "o.grant@thames-media.example", "level": "manager"},
    {"account_id": "kestrel-analytics", "name": "Jonas Weber", "title": "Platform Engineer",
     "email": "j.weber@kestrel.example", "level": "staff"},
)

# Handoff packages carry every item the default policy requires for their step.
MERIDIAN_TO_T2 = {
    "troubleshooting_summary": "С начала инцидента до 30% платежей через СБП завершаются "
    "таймаутом 504 на балансировщике lb-pay-prod; бэкенды по health-check здоровы.",
    "steps_attempted": "Проверили health-check и метрики бэкендов, перезапустили два узла "
    "пула pay-api, увеличили idle timeout балансировщика до 120 с — без эффекта.",
    "customer_impact": "Клиенты банка не могут оплатить покупки по QR-коду: в пике около "
    "1 200 неуспешных платежей в минуту.",
    "diagnostic_data": "Логи доступа lb-pay-prod за последний час, графики задержки p99 "
    "по пулу pay-api, трассировки 15 неуспешных запросов — во вложениях к кейсу.",
    "customer_expectation_set": "Сообщили клиенту, что инженер второй линии подключится "
    "в течение 15 минут; следующее обновление — через час.",
}
MERIDIAN_TO_T3 = {
    "technical_analysis": "Таймауты совпадают с пиками соединений к managed PostgreSQL: пул "
    "соединений pay-api исчерпывается, запросы копятся на балансировщике. Затронуты три "
    "сервиса: балансировщик, вычислительный пул и база данных.",
    "root_cause_hypothesis": "После планового обновления managed PostgreSQL изменилось "
    "поведение pgbouncer в режиме transaction pooling: соединения не возвращаются в пул "
    "при отмене запроса.",
    "diagnostic_logs": "Логи pgbouncer и PostgreSQL за два часа, снимок pg_stat_activity "
    "в момент пика, логи балансировщика — во вложениях к кейсу.",
    "attempted_workarounds": "Увеличили max_client_conn до 2000 и перевели часть трафика "
    "на резервный кластер: доля ошибок снизилась с 30% до 12%, но не до нуля.",
    "engineering_assessment_request": "Просим команду managed PostgreSQL подтвердить "
    "регрессию pgbouncer и оценить откат или исправление для кластера pay-db-prod.",
}
SIBTORG_CATALOG_TO_T2 = {
    "troubleshooting_summary": "Поиск и фильтры каталога товаров выполняются 8–12 секунд "
    "вместо 300 мс после миграции на managed PostgreSQL 15.",
    "steps_attempted": "Проверили размер инстанса и нагрузку CPU/IO, выполнили ANALYZE по "
    "таблицам каталога, сравнили параметры кластера со старой базой.",
    "customer_impact": "Покупатели интернет-магазина уходят со страниц каталога: конверсия "
    "упала примерно на 15%, потери — около $6 000 в день.",
    "diagnostic_data": "Выгрузка pg_stat_statements, EXPLAIN (ANALYZE, BUFFERS) пяти "
    "медленных запросов, графики метрик кластера за двое суток.",
    "customer_expectation_set": "Клиенту сообщили, что кейс передан второй линии; ответ — "
    "в течение 30 минут, обновления — каждые 4 часа.",
}
# Sent without diagnostic_data, under an override (see the story below).
SIBTORG_TILLS_TO_T2 = {
    "troubleshooting_summary": "Кассовый API отвечает 503 во всех магазинах Новосибирска "
    "и Томска; шлюз API отклоняет запросы с ошибкой upstream connect error.",
    "steps_attempted": "Проверили статус шлюза API и группы инстансов касс, перезапустили "
    "шлюз в зоне ru-nsk-a — ошибка сохраняется.",
    "customer_impact": "Кассы 140 магазинов не принимают оплату картами; потери выручки — "
    "около $35 000 за смену.",
    "customer_expectation_set": "Клиенту обещано подключение второй линии в течение 15 минут "
    "и обновления каждые 2 часа.",
}
LEDGERLY_TO_T2 = {
    "troubleshooting_summary": "Since the load balancer maintenance, 2-4% of requests to "
    "the payments API return 502; the errors cluster on targets in one availability zone.",
    "steps_attempted": "Checked target health and security groups, compared listener rules "
    "with the pre-maintenance configuration, restarted two affected targets: no change.",
    "customer_impact": "Failed payment API calls force card transaction retries; about "
    "$8,500 of revenue lost so far and merchant complaints are rising.",
    "diagnostic_data": "Gateway and load balancer access logs for the last 3 hours, 20 "
    "request IDs of failed calls and the target health history, attached to the case.",
    "customer_expectation_set": "Told the customer a T2 networking engineer joins within "
    "15 minutes; next update within the hour.",
}
LEDGERLY_TO_T3 = {
    "technical_analysis": "Targets are deregistered for 5-10 seconds while passing health "
    "checks; the gateway returns 502 in those gaps. Both the API gateway and the load "
    "balancer are involved.",
    "root_cause_hypothesis": "The maintenance rolled out a load balancer agent version that "
    "mishandles connection draining and drops healthy targets.",
    "diagnostic_logs": "Load balancer agent logs and target registration events for "
    "us-east, correlated with the 502 timestamps (attached).",
    "attempted_workarounds": "Raised the deregistration delay and health-check thresholds: "
    "the error rate fell from 4% to 1.5% but did not stop.",
    "engineering_assessment_request": "Network engineering: confirm whether the new agent "
    "version causes the deregistrations and assess a rollback for the us-east fleet.",
}
LEDGERLY_TO_VENDOR = {
    "case_documentation": "Timeline, failed request IDs, agent logs and our engineering "
    "analysis shared in the vendor case attachments.",
    "vendor_case_number": "AWS-174028819300",
    "severity_justification": "Production payment traffic of a strategic customer fails "
    "intermittently with no complete workaround: AWS severity urgent.",
    "business_impact_statement": "About $8,500 of revenue lost so far; the customer "
    "estimates $60,000 of business impact if the errors continue through the day.",
    "customer_communication_plan": "Hourly updates to Ledgerly's on-call lead with the "
    "vendor case status; a written summary once the vendor confirms the fix.",
}

LEDGERLY_WEBHOOKS_TO_T2 = {
    "troubleshooting_summary": "After the message queue failover in us-east, payment "
    "webhooks reach merchants 20-40 minutes late; the queue shows a growing backlog.",
    "steps_attempted": "Restarted the webhook dispatchers and doubled their number: the "
    "backlog still grows.",
    "customer_impact": "Merchants see payments as pending for up to 40 minutes and retry "
    "them: duplicate charges and chargebacks.",
    "diagnostic_data": "Queue depth and consumer lag graphs since the failover, dispatcher "
    "logs and 30 delayed webhook IDs, attached to the case.",
    "customer_expectation_set": "Told Ledgerly's platform lead that T2 joins within 15 "
    "minutes, with updates every hour.",
}

# One story ended: a P1 that reached L3, resolved four days ago, with its recovery plan,
# an approved service credit and a second one waiting for a manager's decision.
RESOLVED_L3: _Story = _ago(5 * 24 * 60, RAMAN, {
    "account": "ledgerly", "severity": "P1", "contact": "p.natarajan@ledgerly.example",
    "title": "Payment webhooks delayed by up to 40 minutes after a message queue failover",
    "services": ["message-queue", "webhooks"], "flags": ["customer_requested_escalation"],
    "revenue_impact_usd": 22000},
    _at(10, "respond", RAMAN, note="Investigating the webhook backlog since the failover."),
    _at(15, "set_flags", RAMAN, flags=["advanced_diagnostics_required"],
        reason="Consumer lag on the new queue primary needs T2 messaging engineers."),
    _at(20, "escalate", RAMAN, to="T2", handoff=LEDGERLY_WEBHOOKS_TO_T2,
        reason="The backlog grows after the dispatchers were scaled out."),
    _at(30, "acknowledge", BECKER, to="T2", note="Checking the consumers' partition leases."),
    _at(40, "escalate", RAMAN, to="L2",
        reason="The strategic customer asked for escalation; merchants are affected."),
    _at(50, "acknowledge", MITCHELL, to="L2", note="Coordinating messaging and payments."),
    _at(120, "update", MITCHELL, contact="h.carter@ledgerly.example",
        business_impact_usd=180000, regions=["us-east-1", "us-east-2"], users_affected=2300,
        reason="Ledgerly's CFO called: merchant penalties and chargebacks estimated at "
        "$180,000."),
    _at(125, "escalate", MITCHELL, to="L3",
        reason="The customer's CFO escalates; business impact above $100,000."),
    _at(140, "acknowledge", SOKOLOVA, to="L3", note="War room open; calling Ledgerly's CFO."),
    _at(240, "update", BECKER, status="mitigating",
        reason="Stale partition leases released; the backlog drains."),
    _at(420, "resolve", MITCHELL, reason="The failover left partition leases with the old "
        "primary; leases now move with the failover. Webhooks on time for two hours."),
    _at(480, "propose_credit", MITCHELL, amount_usd="7200",
        reason="Resolution took 7 hours against the 4-hour P1 target: 20% of the monthly fee."),
    _at(500, "approve_credit", SOKOLOVA, amount_usd="7200",
        reason="Owed under the SLA; the director approves above $5,000."),
    _at(520, "propose_credit", BECKER, amount_usd="1800",
        reason="Goodwill for the merchants' chargeback handling."),
    # What was promised to the customer, and how it went: two met, one missed, one open.
    _at(60, "commit", MITCHELL, due_in=360,
        what="Hourly updates to Ledgerly's platform lead until webhooks are on time"),
    _at(415, "commit_close", MITCHELL, what="Hourly updates",
        note="Webhooks on time since 11:43; hourly updates sent throughout."),
    _at(430, "commit", SOKOLOVA, due_in=2 * 24 * 60,
        what="A written root-cause report to Ledgerly's CFO within two days"),
    _at(445, "commit", MITCHELL, due_in=3 * 24 * 60, owner="t.becker",
        what="Lease handover added to the failover runbook of every region"),
    _at(460, "commit", SOKOLOVA, due_in=30 * 24 * 60,
        what="Review Ledgerly's failover drills with their platform team this quarter"),
    _at(600, "rca", BECKER,
        technical="The message queue failover moved the primary but left the consumers' "
        "partition leases with the old primary: dispatchers on the new primary waited for "
        "leases that never expired, and the webhook backlog grew until they were released "
        "by hand.",
        process="The failover runbook had no step for partition leases, and no alert "
        "watched consumer lag after a failover: the backlog was found by the customer's "
        "merchants, not by us."),
    _at(620, "draft", MITCHELL, kind="resolution", language="en", fields={
        "root_cause": "The failover left partition leases with the old queue primary.",
        "fix": "Leases now move with the failover; stale leases were released.",
        "verification": "Webhooks have reached merchants on time for two hours."}),
    _at(1800, "commit_close", SOKOLOVA, what="A written root-cause report",
        note="Sent to Ledgerly's CFO with the timeline and the runbook changes."),
    # The recovery plan under way: the resolution confirmed, the apology call made.
    _at(640, "recovery_task", MITCHELL, key="resolution_communication", status="done",
        reason="Resolution summary sent; Ledgerly confirmed webhooks are on time."),
    _at(1500, "recovery_task", SOKOLOVA, key="executive_apology", status="done",
        reason="Called Ledgerly's CFO."),
    # The post-mortem, held on the third day and completed: the report's lessons learned.
    _at(4300, "postmortem_start", MITCHELL),
    _at(4310, "postmortem_finding", MITCHELL, heading="timeline_review",
        text="Webhooks lagged 40 minutes after the 03:12 failover; Ledgerly's merchants "
        "noticed before our alerts did."),
    _at(4320, "postmortem_finding", BECKER, heading="went_well",
        text="T2 found the stale partition leases within ten minutes of taking the case."),
    _at(4330, "postmortem_finding", SOKOLOVA, heading="went_wrong",
        text="No alert watched consumer lag after a failover."),
    _at(4340, "postmortem_finding", BECKER, heading="preventive_measures",
        text="Partition leases move with the queue primary on failover."),
    _at(4350, "postmortem_finding", MITCHELL, heading="process_improvements",
        text="Every failover runbook ends with a consumer-lag check."),
    _at(4360, "postmortem_action", MITCHELL, due_in=14 * 24 * 60, owner="t.becker",
        what="Alert on consumer lag above five minutes after any queue failover"),
    _at(4370, "postmortem_action", SOKOLOVA, due_in=30 * 24 * 60,
        what="Failover drill with Ledgerly's platform team"),
    _at(4380, "postmortem_complete", SOKOLOVA,
        summary="A queue failover left partition leases behind; webhooks lagged 40 minutes."),
)

# One story left behind: an L2 resolved over two weeks ago whose post-mortem was started
# and never completed; it is overdue (5 business days after the resolution by default),
# so `postmortem list --overdue` and the account's recovery plan in the console show it.
OVERDUE_POST_MORTEM: _Story = _ago(16 * 24 * 60, WHITFIELD, {
    "account": "thames-media", "severity": "P1", "contact": "o.grant@thames-media.example",
    "title": "Live news streams buffer for viewers behind the CDN's London edge",
    "services": ["cdn", "media-transcoding"], "flags": ["customer_requested_manager"],
    "revenue_impact_usd": 12000},
    _at(10, "respond", WHITFIELD, note="Checking the London edge's origin fetches."),
    _at(15, "escalate", WHITFIELD, to="L2",
        reason="Thames Media's Head of Broadcast IT asked for a manager before the evening "
        "bulletin."),
    _at(25, "acknowledge", MITCHELL, to="L2",
        note="Coordinating the CDN and transcoding teams; updates every 2 hours."),
    _at(90, "update", WHITFIELD, status="mitigating",
        reason="Live traffic moved off the London edge to Amsterdam."),
    _at(240, "resolve", MITCHELL, reason="A bad cache rule on the London edge sent live "
        "segments back to the origin; the rule is fixed and streams play smoothly."),
    _at(300, "recovery_task", MITCHELL, key="resolution_communication", status="done",
        reason="Resolution summary sent to Oliver Grant."),
    # Started three days later with the timeline, then left: never completed.
    _at(240 + 3 * 24 * 60, "postmortem_start", MITCHELL),
    _at(250 + 3 * 24 * 60, "postmortem_finding", WHITFIELD, heading="timeline_review",
        text="Streams buffered for 70 minutes; the cache rule changed the day before."),
)

STORIES: tuple[_Story, ...] = (
    RESOLVED_L3,
    OVERDUE_POST_MORTEM,
    _ago(3 * 24 * 60, WHITFIELD, {
        "account": "thames-media", "severity": "P2", "contact": "o.grant@thames-media.example",
        "title": "Video transcoding jobs stuck in the queue before the evening news bulletin",
        "services": ["media-transcoding", "object-storage"], "revenue_impact_usd": 4000},
        _at(35, "respond", WHITFIELD, note="Investigating the transcoding queue backlog."),
        _at(90, "update", WHITFIELD, status="mitigating",
            reason="Stuck workers drained; jobs re-queued at a higher priority."),
        _at(150, "respond", WHITFIELD, note="Backlog cleared; watching the next window."),
        _at(300, "update", WHITFIELD, status="monitoring", csat=5,
            reason="The bulletin published on time; the customer rated support 5/5."),
        _at(420, "resolve", WHITFIELD, reason="A worker pool stalled on a malformed source "
            "file; the pool now rejects such files. No recurrence in the evening window."),
        _at(480, "rca", WHITFIELD,
            technical="A transcoding worker pool stalled on a malformed source file and "
            "held its jobs' leases in the queue, so the queue's backlog grew behind them "
            "until the stuck workers were drained.",
            process="No alert watched the age of the oldest job in the queue; the backlog "
            "was noticed by the customer's newsroom, not by us."),
    ),
    _ago(2 * 24 * 60, WHITFIELD, {
        "account": "thames-media", "severity": "P3",
        "title": "CDN cache purge does not propagate for /live/ paths", "services": ["cdn"]},
        _at(60, "respond", WHITFIELD,
            note="Reproduced a stale object under /live/; checking purges per edge site."),
        _at(240, "pause", WHITFIELD,
            reason="Waiting for the customer's HAR capture and the purge request IDs."),
    ),
    _ago(18 * 60, SMIRNOVA, {
        "account": "sibtorg", "severity": "P2", "contact": "n.kravets@sibtorg.example",
        "title": "Медленные запросы к каталогу товаров после миграции на managed PostgreSQL",
        "services": ["managed-postgresql"], "revenue_impact_usd": 6000},
        _at(40, "respond", SMIRNOVA, note="Приняли в работу, проверяем параметры кластера."),
        _at(60, "pause", SMIRNOVA,
            reason="Ждём от клиента выгрузку pg_stat_statements и планы медленных запросов."),
        _at(180, "resume", SMIRNOVA, reason="Клиент прислал выгрузку и планы запросов."),
        _at(210, "set_flags", SMIRNOVA, flags=["advanced_diagnostics_required"],
            reason="Нужен разбор планов запросов и статистики на второй линии."),
        _at(215, "escalate", SMIRNOVA, to="T2", handoff=SIBTORG_CATALOG_TO_T2,
            reason="Требуется углублённая диагностика производительности базы."),
        _at(225, "acknowledge", KOZLOV, to="T2", note="Взял кейс, разбираю планы запросов."),
        _at(240, "respond", KOZLOV, note="Вторая линия изучает планы запросов."),
        _at(480, "respond", KOZLOV, note="Найдены индексы, потерянные при миграции."),
        _at(600, "update", KOZLOV, csat=4, reason="Промежуточная оценка клиента: 4 из 5."),
        _at(720, "respond", KOZLOV, note="Индексы восстановлены на реплике, проверяем."),
        _at(990, "respond", KOZLOV, note="Поиск ускорился до 900 мс; готовим настройку "
            "параметров планировщика."),
    ),
    _ago(10 * 60, SMIRNOVA, {
        "account": "sibtorg", "severity": "P1", "contact": "v.gusev@sibtorg.example",
        "title": "Кассовый API недоступен в магазинах Новосибирска и Томска",
        "services": ["api-gateway", "compute"], "flags": ["customer_requested_escalation"],
        "revenue_impact_usd": 35000, "business_impact_usd": 50000},
        _at(20, "respond", SMIRNOVA, note="Инцидент принят, дежурная смена подключена."),
        _at(25, "escalate", ORLOV, to="T2", handoff=SIBTORG_TILLS_TO_T2,
            reason="Клиент требует эскалации: кассы стоят во всех магазинах региона.",
            override_reason="Кассы стоят в 140 магазинах: собирать диагностику на первой "
            "линии — терять время, её снимет дежурный инженер второй линии."),
        _at(30, "acknowledge", KOZLOV, to="T2", note="Подключился, снимаю диагностику шлюза."),
        _at(45, "escalate", ORLOV, to="L2",
            reason="Потери выручки свыше $10 000; enterprise-клиент просит эскалации."),
        _at(55, "acknowledge", PETROV, to="L2",
            note="Собираю команды шлюза API и вычислительной платформы."),
        _at(120, "respond", KOZLOV,
            note="Кассы Томска принимают оплату; Новосибирск пока недоступен."),
        _at(130, "update", KOZLOV, status="mitigating",
            reason="Трафик Томска переведён на резервный шлюз."),
        _at(240, "respond", PETROV, note="Готовим откат конфигурации шлюза в зоне ru-nsk-a."),
        _at(450, "respond", KOZLOV, note="Откат не помог; ищем причину в сетевом слое."),
        _at(470, "message", SMIRNOVA, sender="customer", author="Виктор Гусев, VP IT",
            text="Кассы в Новосибирске до сих пор не работают. Когда ждать решения?"),
    ),
    _ago(7 * 60, RAMAN, {
        "account": "ledgerly", "severity": "P2", "contact": "p.natarajan@ledgerly.example",
        "title": "Intermittent 502 errors from the API gateway after load balancer maintenance",
        "services": ["api-gateway", "load-balancer"],
        "revenue_impact_usd": 8500, "business_impact_usd": 60000},
        _at(20, "respond", RAMAN, note="Collecting gateway and load balancer logs."),
        _at(40, "set_flags", RAMAN, flags=["beyond_tier_knowledge"],
            reason="The 502s follow load balancer target health flaps: T2 networking needed."),
        _at(45, "escalate", RAMAN, to="T2", handoff=LEDGERLY_TO_T2,
            reason="Target health flaps are beyond T1 diagnostics."),
        _at(55, "acknowledge", BECKER, to="T2", note="On it; pulling agent logs."),
        _at(120, "set_flags", BECKER, flags=["potential_product_bug"],
            reason="Healthy targets are deregistered: looks like a load balancer agent bug."),
        _at(125, "escalate", BECKER, to="T3", handoff=LEDGERLY_TO_T3,
            reason="Needs network engineering to confirm the agent regression."),
        _at(145, "acknowledge", OKAFOR, to="T3", note="Reviewing the agent rollout."),
        _at(180, "respond", OKAFOR, note="Engineering is reviewing the maintenance rollout."),
        _at(200, "set_flags", OKAFOR, flags=["vendor_platform_issue"],
            reason="The fault is in the vendor's managed network layer under our fleet."),
        _at(210, "escalate", OKAFOR, to="VENDOR", handoff=LEDGERLY_TO_VENDOR,
            reason="Only the vendor can fix its network appliance."),
        _at(260, "acknowledge", OKAFOR, to="VENDOR",
            note="AWS Support took it: an AWS engineer assigned within the vendor's "
                 "response target."),
        _at(300, "respond", OKAFOR, note="AWS is investigating; error rate holds at 1.5%."),
        _at(360, "respond", OKAFOR, note="AWS found a faulty appliance in one zone and "
            "shifted traffic away; error rate now below 0.1%."),
    ),
    _ago(3 * 60, SMIRNOVA, {
        "account": "meridian-bank", "severity": "P1",
        "contact": "a.belov@meridian-bank.example",
        "title": "Сбой платежей через СБП: таймауты 504 на балансировщике платёжного шлюза",
        "services": ["load-balancer", "compute", "managed-postgresql"],
        "flags": ["customer_requested_escalation"],
        "revenue_impact_usd": 40000, "business_impact_usd": 90000},
        _at(8, "respond", SMIRNOVA, note="Инцидент P1 принят, подключаем дежурную смену."),
        _at(12, "escalate", SMIRNOVA, to="T2", handoff=MERIDIAN_TO_T2,
            reason="Стратегический клиент запросил эскалацию; затронут платёжный шлюз."),
        _at(18, "acknowledge", KOZLOV, to="T2", note="Подключился, смотрю логи балансировщика."),
        _at(20, "escalate", ORLOV, to="L2",
            reason="Стратегический клиент запросил эскалацию; нужна координация команд."),
        _at(30, "acknowledge", PETROV, to="L2", note="Координирую команды сети и баз данных."),
        _at(60, "respond", KOZLOV,
            note="Таймауты связаны с исчерпанием пула соединений к базе данных."),
        _at(65, "update", PETROV, contact="m.orlova@meridian-bank.example",
            business_impact_usd=250000, regions=["ru-central1"], users_affected=180000,
            reason="Финансовый директор банка позвонил напрямую: ущерб оценён в $250 000 "
            "(штрафы регулятора и отток клиентов)."),
        _at(70, "escalate", PETROV, to="L3",
            reason="Эскалацию ведёт финансовый директор клиента; ущерб свыше $100 000."),
        _at(75, "escalate", KOZLOV, to="T3", handoff=MERIDIAN_TO_T3,
            reason="Подозрение на регрессию pgbouncer после обновления managed PostgreSQL."),
        _at(85, "acknowledge", SOKOLOVA, to="L3",
            note="Открываю war room, созваниваюсь с финансовым директором банка."),
        _at(90, "acknowledge", VOLKOVA, to="T3", note="Подключила команду managed PostgreSQL."),
        _at(115, "update", VOLKOVA, status="mitigating",
            reason="Часть трафика переведена на резервный кластер; ошибок 12%."),
        _at(118, "respond", PETROV,
            note="Доля ошибок снижена до 12%; готовим откат версии pgbouncer."),
        # The bank's CFO writes in English: the next reply goes in English.
        _at(140, "message", SOKOLOVA, sender="customer", author="CFO, Meridian Bank",
            text="Добрый день! SBP payments still time out for 12% of our clients. We need "
                 "a root cause before the regulator asks."),
        _at(150, "commit", PETROV, due_in=24 * 60,
            what="Письменный отчёт о первопричине для финансового директора банка"),
        _at(160, "rca", VOLKOVA,
            technical="После планового обновления managed PostgreSQL pgbouncer в режиме "
            "transaction pooling не возвращает соединения в пул при отмене запроса: пул "
            "pay-api исчерпывается, балансировщик отвечает 504.",
            process="Обновление managed PostgreSQL прошло без нагрузочной проверки "
            "платёжного контура и без уведомления клиента о плановых работах."),
    ),
    _ago(150, WHITFIELD, {
        "account": "thames-media", "severity": "P2",
        "title": "Uploads to object storage fail with 403 for the new CI service account",
        "services": ["object-storage", "iam"]},
        _at(20, "respond", WHITFIELD,
            note="Suggested re-issuing the key with the storage object creator role."),
        _at(70, "update", WHITFIELD, csat=2,
            reason="The customer rated the first answer 2/5: the fix did not help and "
            "release pipelines are still blocked."),
    ),
    _ago(60, RAMAN, {
        "account": "kestrel-analytics", "severity": "P3",
        "title": "Node pool autoscaler does not scale above 10 nodes",
        "services": ["kubernetes"]},
    ),
    _ago(50, RAMAN, {
        "account": "ledgerly", "severity": "P1", "contact": "d.brooks@ledgerly.example",
        "title": "Card authorization latency above 2 seconds for EU cardholders",
        "services": ["compute", "managed-redis"], "flags": ["customer_requested_manager"],
        "revenue_impact_usd": 18000},
        _at(9, "respond", RAMAN, note="Checking the authorization service and its cache."),
        _at(12, "escalate", RAMAN, to="L2",
            reason="The customer's VP of Engineering asked for a manager; revenue at stake."),
        _at(20, "acknowledge", MITCHELL, to="L2",
            note="Coordinating compute and managed Redis; executive updates every 2 hours."),
        _at(40, "respond", MITCHELL,
            note="A Redis failover in eu-west caused cache misses; warming the cache now."),
    ),
    _ago(20, SMIRNOVA, {
        "account": "meridian-bank", "severity": "P3",
        "title": "Настройка ролей IAM для доступа внешних аудиторов к журналам аудита",
        "services": ["iam", "audit-logs"]},
    ),
)


def load_demo(*, ctx: Context, actor: Actor | None = None) -> DemoLoaded:
    """Load the demo people, accounts and cases, as if their stories happened over the
    last days. Into a database with people already, only an admin loads it."""
    _refuse_if_loaded(ctx)
    if user_page(ctx=ctx, limit=1).items:
        require_admin(actor or Actor("?"), "loading the demo")
    real_clock = ctx.clock
    now = real_clock()
    try:
        ctx.clock = _stopped_at(now - ACCOUNTS_CREATED_AGO)
        known = {user.name for user in every_item(user_page, ctx=ctx)}
        for person, title, display_name in PEOPLE:
            if person.name not in known:
                add_user(ctx=ctx, actor=actor or ADMIN, name=person.name, role=person.role,
                         title=title, display_name=display_name)
        add_calendar(ctx=ctx, actor=ADMIN, spec=MOSCOW_DESK)
        for account in ACCOUNTS:
            add_account(ctx=ctx, actor=ADMIN, **account)
        for contact in CONTACTS:
            add_contact(ctx=ctx, actor=ADMIN, **contact)
        # In the order it happened: the scores of a month ago, the cases of the last
        # days, this week's scores (never a moment earlier than one already replayed).
        _health(ctx, now, timedelta(days=30), 0)
        _replay(ctx, now)
        _health(ctx, now, timedelta(0), 1)
    finally:
        ctx.clock = real_clock
    return DemoLoaded(accounts=len(ACCOUNTS), cases=len(STORIES))


# What the account teams entered of each account's health, a month ago and this week:
# with the cases above, the portfolio holds an account in every band, and trends.
HEALTH_INPUTS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "meridian-bank": ({"nps": 10, "communication_quality": 3, "qbr_attendance": 0.5,
                       "advocacy": 5, "reopen_rate": 0.1, "proactive_outreach": 2},
                      {"nps": -60, "communication_quality": 2, "qbr_attendance": 0,
                       "advocacy": 1, "reopen_rate": 0.25, "proactive_outreach": 0,
                       "product_feedback": 0}),
    "sibtorg": ({"nps": 30, "communication_quality": 4, "qbr_attendance": 1},
                {"nps": 0, "communication_quality": 3, "qbr_attendance": 0.5, "advocacy": 4,
                 "reopen_rate": 0.15, "proactive_outreach": 1, "product_feedback": 1}),
    "ledgerly": ({"nps": 30, "communication_quality": 4},
                 {"nps": 70, "communication_quality": 5, "qbr_attendance": 1,
                  "advocacy": 9, "reopen_rate": 0.02, "proactive_outreach": 6,
                  "product_feedback": 4}),
    "thames-media": ({"nps": 20, "communication_quality": 3},
                     {"nps": 10, "communication_quality": 3, "qbr_attendance": 0.5,
                      "advocacy": 5, "reopen_rate": 0.1, "proactive_outreach": 2,
                      "product_feedback": 1}),
    "kestrel-analytics": ({"nps": 60, "communication_quality": 5},
                          {"nps": 80, "communication_quality": 5, "qbr_attendance": 1,
                           "advocacy": 10, "reopen_rate": 0, "proactive_outreach": 6,
                           "product_feedback": 5}),
}


def _health(ctx: Context, now: datetime, ago: timedelta, which: int) -> None:
    """The account team's inputs (the first or second of HEALTH_INPUTS) and the scores
    kept `ago` (a month ago, then now: the trend)."""
    ctx.clock = _stopped_at(now - ago - timedelta(hours=1))
    russian = {a["id"] for a in ACCOUNTS if a.get("language") == "ru"}
    for account, inputs in HEALTH_INPUTS.items():
        # Typed by the account team, in the language they keep the account's notes in.
        note = "обзор команды клиента" if account in russian else "account team review"
        enter_inputs(ctx=ctx, actor=ORLOV, account_id=account, values=inputs[which],
                     note=note)
    ctx.clock = _stopped_at(now - ago)
    refresh_scores(ctx=ctx, actor=ADMIN)


def demo_accounts_present(*, ctx: Context) -> list[str]:
    """The demo's accounts already in the database: the demo is loaded when any is."""
    present = {account.id for account in every_item(account_page, ctx=ctx)}
    present &= {account["id"] for account in ACCOUNTS}
    return sorted(present)


def _refuse_if_loaded(ctx: Context) -> None:
    present = demo_accounts_present(ctx=ctx)
    if present:
        raise AlreadyExists.of("the demo is already loaded (accounts {present} exist); load it "
                               "into an empty database", present=', '.join(present))


def _stopped_at(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


def _replay(ctx: Context, now: datetime) -> None:
    """Open every case and take every step at the moment it happened, oldest first."""
    latest: dict[int, CaseView] = {}
    for moment, story_index, step_index in _events(now):
        ctx.clock = _stopped_at(moment)
        story = STORIES[story_index]
        if step_index < 0:
            latest[story_index] = cases.open_case(ctx=ctx, actor=story.by, **story.case)
        else:
            latest[story_index] = _perform(ctx, story.steps[step_index], latest[story_index])


def _events(now: datetime) -> list[tuple[datetime, int, int]]:
    """(moment, story, step) of every opening (step -1) and step, in the order they happened."""
    events = []
    for story_index, story in enumerate(STORIES):
        opened_at = now - story.opened_ago
        events.append((opened_at, story_index, -1))
        events += [(opened_at + step.after, story_index, step_index)
                   for step_index, step in enumerate(story.steps)]
    return sorted(events)


_ACTIONS: dict[str, Callable[..., CaseView]] = {
    "respond": cases.respond,
    "update": cases.update_case,
    "set_flags": cases.set_flags,
    "pause": cases.pause,
    "resume": cases.resume,
    "resolve": cases.resolve,
    "escalate": escalations.escalate,
    "acknowledge": escalations.acknowledge,
}


def _perform(ctx: Context, step: _Step, case: CaseView) -> CaseView:
    fields = dict(step.fields)
    if step.action in _ASIDES:  # messages and credits change nothing of the case itself
        _ASIDES[step.action](ctx=ctx, actor=step.by, case_id=case.snapshot.id, **fields)
        return cases.show_case(ctx=ctx, case_id=case.snapshot.id)
    if step.action == "acknowledge":
        fields["step"] = _open_step_to(case, fields.pop("to"))
    return _ACTIONS[step.action](ctx=ctx, actor=step.by, case_id=case.snapshot.id, **fields)


def _approve(*, ctx: Context, actor: Actor, case_id: str, amount_usd: str, reason: str) -> None:
    """Approve the case's proposed credit of that amount (someone else proposed it)."""
    credit = next(c for c in every_item(credit_page, ctx=ctx, case=case_id, state="proposed")
                  if c.amount_usd == Decimal(amount_usd))
    approve_credit(ctx=ctx, actor=actor, credit_id=credit.id, reason=reason)


def _commit(*, ctx: Context, actor: Actor, case_id: str, due_in: int, **fields: Any) -> None:
    """A commitment due `due_in` minutes after it is made."""
    make_commitment(ctx=ctx, actor=actor, case_id=case_id,
                    due_at=ctx.clock() + timedelta(minutes=due_in), **fields)


def _commit_close(*, ctx: Context, actor: Actor, case_id: str, what: str, note: str) -> None:
    """Close the case's open commitment whose wording starts with `what`."""
    commitment = next(c for c in every_item(commitment_page, ctx=ctx, case_id=case_id)
                      if c.what.startswith(what) and c.closed_at is None)
    close_commitment(ctx=ctx, actor=actor, case_id=case_id, commitment_id=commitment.id,
                     note=note)


def _post_mortem_action(*, ctx: Context, actor: Actor, case_id: str, due_in: int,
                        **fields: Any) -> None:
    """A post-mortem action item due `due_in` minutes after it is added."""
    add_action(ctx=ctx, actor=actor, case_id=case_id,
               due_at=ctx.clock() + timedelta(minutes=due_in), **fields)


def _recovery_task(*, ctx: Context, actor: Actor, case_id: str, key: str, **changes: Any
                   ) -> None:
    """Change the recovery plan's task of that template key."""
    plan = recovery_plan(ctx=ctx, case_id=case_id)
    task = next(t for phase in plan.phases for t in phase.tasks if t.key == key)
    update_task(ctx=ctx, actor=actor, task_id=task.id, **changes)


_ASIDES: dict[str, Callable[..., Any]] = {
    "message": record_message,
    "propose_credit": propose_credit,
    "approve_credit": _approve,
    "commit": _commit,
    "commit_close": _commit_close,
    "rca": record_root_cause,
    "draft": draft_message,
    "recovery_task": _recovery_task,
    "postmortem_start": start_post_mortem,
    "postmortem_finding": add_finding,
    "postmortem_action": _post_mortem_action,
    "postmortem_complete": complete_post_mortem,
}


def _open_step_to(case: CaseView, level: str) -> int:
    """The number of the unacknowledged step up to `level`."""
    return next(step.step for step in case.escalations
                if step.to == level and step.direction == "up" and step.acknowledged_at is None)
