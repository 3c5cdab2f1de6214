"""Benchmark customer communications: rendering, language detection, drafting and the outbox.

Run: python bench/comms.py [--renders R] [--detections D] [--drafts N] [--deliveries N]
[--outbox-workers 1,2] [--phases render,detect,draft,outbox] [--skip-postgres]
[--postgres-url URL] [--src DIR] (defaults 200, 2,000, 300 and 400). --src runs another
checkout's escalada (its src/ directory), to compare two versions in one run. SQLite runs on
temporary files; PostgreSQL on its own database (bench_comms by default, created for
every run and dropped after it), skipped with the reason when the server cannot be
reached. Webhooks go to an HTTP sink this script runs on 127.0.0.1.

1. Rendering: `adapters.templates.render` of each of the 6 built-in kinds in en and ru,
   from realistic facts (10 happenings, follow-ups, a 5-item handoff, every required part
   written), --renders times each; renders/s per language and overall.
2. Language detection: `adapters.language_detector.main_language` over 21 short and mixed
   Russian/English customer messages, repeated to --detections calls; detections/s and
   latency percentiles. The first call, which builds the detector, is timed apart (cold
   start), and answers that differ from the expected language are listed.
3. Drafting: `services.drafting.draft_message` on a SQLite file, for a case with
   about 30 timeline entries and a customer message in Russian, cycling through the 6
   kinds, --drafts times with a trivial detector and --drafts times with the real one;
   drafts/s, latency percentiles and SQL statements per draft.
4. Outbox: --deliveries webhook deliveries of one draft (one per idempotency key, to one
   endpoint) queued
   with `services.outbox.send_draft(deliver_now=False)`, then drained with
   `services.outbox.deliver_due(limit=100)` against the sink, by one outbox worker and by
   two side by side (threads, each calling deliver_due until nothing is due), with the sink
   answering 200; and by one with it answering 503 to the first attempt of every message
   (the clock is moved 61 minutes between rounds). The sink counts requests by Idempotency-Key: each
   message must arrive (be answered 200) exactly once. On SQLite and PostgreSQL. The
   process's first webhook delivery (httpx imported, the trust store loaded: 0.2-1.2 s,
   once in a worker's life) is made and timed apart, before the runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Python puts bench/ first on the path, where bench/calendar.py would shadow the standard
# library's calendar module, which the database drivers' dependencies import.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)
if "--src" in sys.argv:  # another checkout's escalada, imported before the installed one
    sys.path.insert(0, str(Path(sys.argv[sys.argv.index("--src") + 1]).resolve()))
sys.path.append(str(Path(__file__).resolve().parent))  # results.py, after the standard library

import argparse
import math
import os
import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import scratch
from results import report
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, event, func, select

from escalada.adapters.channels import Outbound, channel_for
from escalada.adapters.db.tables import OutboxRow, TimelineRow
from escalada.adapters.language_detector import main_language
from escalada.adapters.policy_file import current_policy
from escalada.adapters.templates import render
from escalada.bootstrap import wire
from escalada.domain.communications import (
    AUDIENCE_OF,
    REQUIRED_FIELDS,
    FollowUp,
    Handoff,
    Happening,
    MessageFacts,
    MessageKind,
    Person,
)
from escalada.domain.model import Language
from escalada.entrypoints.logs import configure as configure_logs
from escalada.services import cases
from escalada.services.accounts import add_account
from escalada.services.context import Actor, Context
from escalada.services.drafting import draft_message
from escalada.services.endpoints import add_endpoint
from escalada.services.escalations import escalate
from escalada.services.inbound_messages import record_message
from escalada.services.outbox import deliver_due, send_draft
from escalada.services.people import add_user
from escalada.testing import FakeClock, scratch_sqlite
from escalada.testing import ScratchDatabase as Database

RENDER_GOAL = 1_000  # renders/s overall
DETECT_P99_GOAL = 0.050  # seconds
DRAFT_P99_GOAL = 0.200  # seconds
DELIVERY_GOAL = 200  # delivery attempts/s on SQLite, one worker (a message failed once needs two)
BATCH = 100  # deliveries per deliver_due, as a worker takes them
KINDS = tuple(kind.value for kind in MessageKind)
LANGUAGES = ("en", "ru")
START = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
ADMIN = Actor("admin", "admin")
MANAGER = Actor("bench", "support_manager")
SECRET = "bench-webhook-secret"

_started = time.perf_counter()


def progress(message: str) -> None:
    print(f"[{time.perf_counter() - _started:7.1f}s] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(math.ceil(p / 100 * len(ordered)) - 1, 0)]


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def context(engine: Engine, clock: FakeClock) -> Context:
    return wire(lambda: engine, current_policy, clock)


class StatementCounter:
    """Counts the SQL statements an engine sends while active."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.count = 0

    def _count(self, *_: Any) -> None:
        self.count += 1

    def __enter__(self) -> StatementCounter:
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._count)


# 1. Rendering


HANDOFF_ITEMS = {
    "troubleshooting_summary": "volumes detach when IOPS exceed 10k on m6 instances",
    "steps_attempted": "reattached, resized, moved to another availability zone",
    "customer_impact": "checkout down for EU customers, about 30% of orders failing",
    "diagnostic_data": "kernel logs and attach traces in the case files",
    "customer_expectation_set": "update every 30 minutes until mitigated",
}
STORY = {
    "en": ["P1 case opened: checkout fails with error 500",
           "first response given to the customer",
           "message from the customer: errors on /v2/orders since 14:30",
           "changed revenue_impact_usd 0.00 -> 125000.00",
           "step 1: T1 -> T2 (multi_service_outage)",
           "war room opened: bridge at meet.example/p1",
           "update given to the customer: rollback of the driver started",
           "flag set: churn_threat",
           "waiting on customer: SLA clocks paused",
           "customer answered: SLA clocks running"],
    "ru": ["Открыт случай P1: оформление заказа падает с ошибкой 500",
           "Клиенту дан первый ответ",
           "Сообщение клиента: ошибки на /v2/orders с 14:30",
           "Изменено: revenue_impact_usd 0.00 -> 125000.00",
           "Шаг 1: T1 -> T2 (multi_service_outage)",
           "Открыта оперативная группа: созвон meet.example/p1",
           "Клиенту отправлено обновление: начат откат драйвера",
           "Установлен флаг: churn_threat",
           "Ожидание клиента: часы SLA остановлены",
           "Клиент ответил: часы SLA идут"],
}
FIELDS = {
    "en": {"understanding": "A driver update made volume attach time out under load.",
           "doing_now": "Rolling the driver back region by region; EU is done.",
           "next_steps": "Finish the rollback in US regions and watch error rates.",
           "root_cause": "The storage driver 4.2 halved the attach timeout.",
           "fix": "Rolled back to driver 4.1 in every region.",
           "verification": "Error rate at baseline for two hours in all regions.",
           "component": "EBS volume attach", "region": "eu-west-1",
           "request": "Confirm the attach-path regression and its fix date.",
           "note": "Call me any time on the bridge."},
    "ru": {"understanding": "Обновление драйвера привело к таймаутам при подключении томов.",
           "doing_now": "Откатываем драйвер по регионам; в EU откат завершён.",
           "next_steps": "Завершить откат в регионах US и следить за ошибками.",
           "root_cause": "Драйвер хранилища 4.2 вдвое уменьшил таймаут подключения.",
           "fix": "Во всех регионах возвращён драйвер 4.1.",
           "verification": "Доля ошибок два часа на обычном уровне во всех регионах.",
           "component": "EBS volume attach", "region": "eu-west-1",
           "request": "Confirm the attach-path regression and its fix date.",
           "note": "Звоните в любое время, мы на связи."},
}


def render_facts(kind: str, language: str) -> MessageFacts:
    """Facts as drafting gathers them for a busy P1 case, every required part written."""
    happenings = tuple(Happening(START + timedelta(minutes=17 * n), f"engineer{n % 3}", line)
                       for n, line in enumerate(STORY[language]))
    wanted = (*REQUIRED_FIELDS[kind], "note")
    return MessageFacts(
        kind=kind, language=language, timezone="Europe/Moscow" if language == "ru" else "UTC",
        now=START + timedelta(hours=4), case_ref="CASE-4412",
        title="Checkout fails with error 500", severity="P1", status="investigating",
        tier="T2", exec_level="L2", account_name="Acme Retail", account_tier="strategic",
        support_plan="enterprise", opened_at=START, resolved_at=START + timedelta(hours=3),
        services=("checkout", "orders-api", "payments"),
        revenue_impact_usd=Decimal("125000"), business_impact_usd=Decimal("480000.50"),
        contact_title="CTO", sender=Person("Ana Petrova", "Support Manager", "ana@escalada.test"),
        next_update_at=START + timedelta(hours=4, minutes=30), update_number=3,
        update_status="MITIGATING" if kind == MessageKind.PROGRESS_UPDATE else None,
        since_last_update=happenings[-4:], actions=happenings,
        fields={name: FIELDS[language][name] for name in wanted},
        credit_usd=Decimal("15000"),
        follow_ups=(FollowUp("Publish the RCA", "Ana Petrova", START + timedelta(days=3)),
                    FollowUp("Add attach-timeout alerting", "Ivan Sidorov", None),
                    FollowUp("Review driver rollout gates", None, START + timedelta(days=14))),
        handoff=Handoff(from_tier="T1", to_tier="T2", at=START + timedelta(minutes=68),
                        by="engineer1", reason="multi-service outage", items=HANDOFF_ITEMS),
        executive=Person("Oleg Smirnov", "VP Support", "oleg@escalada.test"))


@dataclass
class RenderResult:
    label: str
    renders: int
    seconds: float
    slowest: tuple[str, float] = ("", 0.0)  # kind, mean seconds per render

    @property
    def rate(self) -> float:
        return self.renders / self.seconds


def render_benchmark(repeat: int) -> list[RenderResult]:
    results = []
    total = RenderResult("overall", 0, 0.0)
    for language in LANGUAGES:
        result = RenderResult(language, 0, 0.0)
        for kind in KINDS:
            facts = render_facts(kind, language)
            rendered = render(facts)  # warm: the template compiles on first use
            if "[to be filled" in rendered.body or "[заполнить" in rendered.body:
                raise SystemExit(f"render {language}/{kind}: a required part shows a gap")
            started = time.perf_counter()
            for _ in range(repeat):
                render(facts)
            elapsed = time.perf_counter() - started
            result.renders += repeat
            result.seconds += elapsed
            if elapsed / repeat > result.slowest[1]:
                result.slowest = (kind, elapsed / repeat)
        results.append(result)
        total.renders += result.renders
        total.seconds += result.seconds
        if result.slowest[1] > total.slowest[1]:
            total.slowest = (f"{language}/{result.slowest[0]}", result.slowest[1])
        progress(f"render {language}: {result.rate:,.0f}/s")
    results.append(total)
    return results


def render_table(results: list[RenderResult]) -> Table:
    table = Table(title=f"render: 6 built-in kinds x en/ru, {results[0].renders // 6:,} "
                        "renders of each")
    for column in ("language", "renders", "time", "renders/s", "mean", "slowest kind (mean)",
                   "goal", "result"):
        table.add_column(column, justify="left" if column == "language" else "right")
    for result in results:
        overall = result.label == "overall"
        kind, mean = result.slowest
        table.add_row(result.label, f"{result.renders:,}", f"{result.seconds:.2f} s",
                      f"{result.rate:,.0f}", f"{result.seconds / result.renders * 1e6:,.0f} µs",
                      f"{kind} ({mean * 1e6:,.0f} µs)",
                      f">= {RENDER_GOAL:,}/s" if overall else "-",
                      verdict(result.rate >= RENDER_GOAL) if overall else "-")
    return table


# 2. Language detection


MESSAGES: list[tuple[str, Language | None]] = [
    ("да", Language.RU),
    ("спс", Language.RU),
    ("Спасибо, ждём", Language.RU),
    ("pls escalate", Language.EN),
    ("ASAP", Language.EN),
    ("Any update?", Language.EN),
    ("#4412 !!!", None),
    ("ticket #4412 — всё ещё висит", Language.RU),
    ("Добрый день! Getting error 500 on the API since 14:30", Language.EN),
    ("Когда будет исправлено?", Language.RU),
    ("ok thanks, will check", Language.EN),
    ("Коллеги, прод лежит уже час, checkout не работает. Срочно!", Language.RU),
    ("We see 502 from the eu-west-1 load balancer, about 30% of requests fail", Language.EN),
    ("Подтверждаю, после отката ошибки пропали", Language.RU),
    ("still broken after the rollback, see attached logs", Language.EN),
    ("Our CTO is asking for an RCA by Friday, пожалуйста не затягивайте", Language.EN),
    ("Мы обновили SDK до версии 3.2, но ошибка TimeoutException всё равно воспроизводится "
     "на каждом втором запросе к /v2/orders.", Language.RU),
    ("Добрый день! С 14:30 по московскому времени наши клиенты не могут оформить заказ: "
     "при оплате картой API возвращает ошибку 500, а в логах видно много таймаутов при "
     "обращении к хранилищу. Мы уже перезапустили поды и откатили последний релиз, но это "
     "не помогло. Просим срочно подключить старших инженеров и сообщать о ходе работ "
     "каждые полчаса.", Language.RU),
    ("Hello team, since this morning roughly a third of our checkout requests fail with "
     "HTTP 500 and the dashboard shows attach timeouts on the storage volumes. We rolled "
     "back our own release and restarted the pods without any change. This is costing us "
     "real money: please get senior engineers on it and send us updates every 30 minutes.",
     Language.EN),
    ("Здравствуйте, the issue is back: ошибка 500 опять, started 10 minutes ago", Language.EN),
    ("Ок, спасибо! Закрывайте тикет.", Language.RU),
]


@dataclass
class DetectResult:
    cold: float
    first_pass: list[float]  # each message once, right after the cold call
    times: list[float]
    wall: float
    wrong: list[tuple[str, Language | None, Language | None]]


def detect_benchmark(calls: int) -> DetectResult:
    started = time.perf_counter()
    main_language(MESSAGES[0][0])  # builds the detector: lingua's models load now
    cold = time.perf_counter() - started
    progress(f"detect: cold start {cold:.2f} s")
    wrong, first_pass = [], []
    for message, expected in MESSAGES:  # lingua loads its n-gram models as they are needed
        started = time.perf_counter()
        answer = main_language(message)
        first_pass.append(time.perf_counter() - started)
        if answer != expected:
            wrong.append((message, expected, answer))
    times = []
    wall = time.perf_counter()
    for n in range(calls):
        message = MESSAGES[n % len(MESSAGES)][0]
        started = time.perf_counter()
        main_language(message)
        times.append(time.perf_counter() - started)
    wall = time.perf_counter() - wall
    progress(f"detect: {calls / wall:,.0f}/s, p99 {percentile(times, 99) * 1000:.2f} ms")
    return DetectResult(cold, first_pass, times, wall, wrong)


def shown(language: Language | None) -> str:
    return language.value if language else "none"


def detect_table(result: DetectResult) -> Table:
    table = Table(title=f"main_language over {len(MESSAGES)} customer messages "
                        f"(1 to {max(len(m) for m, _ in MESSAGES)} characters)")
    for column in ("what", "calls", "detections/s", "p50", "p99", "max", "goal", "result"):
        table.add_column(column, justify="left" if column == "what" else "right")
    table.add_row("cold start: first call (imports lingua, builds)", "1", "-",
                  f"{result.cold * 1000:.1f} ms", "-", "-", "-", "-")
    table.add_row("first pass over the messages", f"{len(result.first_pass)}", "-",
                  f"{percentile(result.first_pass, 50) * 1000:.2f} ms", "-",
                  f"{max(result.first_pass) * 1000:.2f} ms", "-", "-")
    p99 = percentile(result.times, 99)
    table.add_row("warm", f"{len(result.times):,}", f"{len(result.times) / result.wall:,.0f}",
                  f"{percentile(result.times, 50) * 1000:.2f} ms", f"{p99 * 1000:.2f} ms",
                  f"{max(result.times) * 1000:.2f} ms", f"p99 < {DETECT_P99_GOAL * 1000:g} ms",
                  verdict(p99 < DETECT_P99_GOAL))
    return table


# 3. Drafting end to end


CUSTOMER_SAYS = [
    "Добрый день! Getting error 500 on the API since 14:30",
    "pls escalate, checkout is down for all EU customers",
    "ticket #4412 — всё ещё висит",
    "Any update? Our CTO is asking.",
]
LAST_MESSAGE = "Спасибо, ждём новостей. Когда будет исправление в регионах US?"
DRAFT_FIELDS = {"progress_update": {name: FIELDS["ru"][name]
                                    for name in REQUIRED_FIELDS["progress_update"]},
                "resolution": {name: FIELDS["ru"][name]
                               for name in REQUIRED_FIELDS["resolution"]},
                "vendor_escalation": {name: FIELDS["en"][name]
                                      for name in REQUIRED_FIELDS["vendor_escalation"]}}


def busy_case(ctx: Context, clock: FakeClock, account: str = "acme") -> str:
    """An account and a P1 case with a handoff, customer messages, responses and changes:
    about 30 timeline entries, the last customer message in Russian; our CTO answers the
    customer's for the executive acknowledgment."""
    add_user(ctx=ctx, actor=None, name="admin", role="admin")
    add_user(ctx=ctx, actor=ADMIN, name="k.morozova", role="vp", title="CTO",
             display_name="Kira Morozova")
    add_account(ctx=ctx, actor=ADMIN, id=account, name="Acme Retail", tier="enterprise",
                support_plan="enterprise", timezone="Europe/Moscow")
    case = cases.open_case(ctx=ctx, actor=MANAGER, account=account, severity="P1",
                           title="Checkout fails with error 500",
                           services=["checkout", "orders-api"], contact_title="CTO").snapshot.id

    def later(minutes: int = 7) -> None:
        clock.advance(minutes=minutes)

    later()
    record_message(ctx=ctx, actor=MANAGER, case_id=case, sender="customer",
                   text=CUSTOMER_SAYS[0])
    later()
    cases.respond(ctx=ctx, actor=MANAGER, case_id=case, note="looking into it")
    later()
    cases.update_case(ctx=ctx, actor=MANAGER, case_id=case,
                      revenue_impact_usd=Decimal("125000"), reason="finance estimate")
    later()
    escalate(ctx=ctx, actor=MANAGER, case_id=case, to="T2", handoff=HANDOFF_ITEMS,
             reason="multi-service outage, beyond T1")
    for n in range(6):
        later(11)
        record_message(ctx=ctx, actor=MANAGER, case_id=case, sender="customer",
                       text=CUSTOMER_SAYS[n % len(CUSTOMER_SAYS)])
        later()
        record_message(ctx=ctx, actor=MANAGER, case_id=case, sender="internal",
                       text=f"rollback step {n + 1} of 6 done")
        later()
        cases.respond(ctx=ctx, actor=MANAGER, case_id=case, note=f"rollback at {n + 1}/6")
        if n == 1:
            cases.set_flags(ctx=ctx, actor=MANAGER, case_id=case, flags=["churn_threat"],
                            reason="the CTO mentioned a competitor")
        if n == 2:
            cases.update_case(ctx=ctx, actor=MANAGER, case_id=case,
                              services=["checkout", "orders-api", "payments"])
        if n == 3:
            cases.pause(ctx=ctx, actor=MANAGER, case_id=case, reason="waiting for logs")
            later()
            cases.resume(ctx=ctx, actor=MANAGER, case_id=case, reason="logs received")
    later()
    record_message(ctx=ctx, actor=MANAGER, case_id=case, sender="customer", text=LAST_MESSAGE)
    later()
    return case


def timeline_length(ctx: Context) -> int:
    with ctx.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(TimelineRow)) or 0


def trivial_detect(_text: str) -> Language | None:
    return Language.RU


@dataclass
class DraftResult:
    label: str
    times: list[float]
    wall: float
    statements: int
    by_kind: dict[str, list[float]]


def draft_benchmark(count: int) -> tuple[list[DraftResult], int]:
    database = scratch_sqlite("bench-comms")
    try:
        clock = FakeClock(START)
        ctx = context(database.engine, clock)
        case = busy_case(ctx, clock)
        entries = timeline_length(ctx)
        progress(f"drafting: {case} has {entries} timeline entries")
        results = []
        for label, detect in (("trivial (always ru)", trivial_detect),
                              ("real (lingua)", main_language)):
            ctx.detect_language = detect

            def draft(n: int) -> str:
                kind = KINDS[n % len(KINDS)]
                view = draft_message(ctx=ctx, actor=MANAGER, case_id=case, kind=kind,
                                     fields=DRAFT_FIELDS.get(kind))
                if view.missing:
                    raise SystemExit(f"draft {kind}: parts missing {view.missing}")
                return kind

            for n in range(len(KINDS)):  # warm every template and statement
                draft(n)
            times: list[float] = []
            by_kind: dict[str, list[float]] = {}
            with StatementCounter(database.engine) as statements:
                wall = time.perf_counter()
                for n in range(count):
                    started = time.perf_counter()
                    kind = draft(n)
                    elapsed = time.perf_counter() - started
                    times.append(elapsed)
                    by_kind.setdefault(kind, []).append(elapsed)
                wall = time.perf_counter() - wall
            result = DraftResult(label, times, wall, statements.count, by_kind)
            results.append(result)
            progress(f"drafting, {label}: {count / wall:,.0f}/s, "
                     f"p99 {percentile(times, 99) * 1000:.1f} ms")
        return results, entries
    finally:
        database.cleanup()


def draft_table(results: list[DraftResult], entries: int) -> Table:
    table = Table(title=f"draft_message on SQLite, a P1 case with {entries} timeline entries "
                        "and a T2 handoff, the 6 kinds in turn")
    for column in ("detector", "drafts", "drafts/s", "p50", "p99", "max", "SQL/draft", "goal",
                   "result"):
        table.add_column(column, justify="left" if column == "detector" else "right")
    for result in results:
        p99 = percentile(result.times, 99)
        table.add_row(result.label, f"{len(result.times):,}",
                      f"{len(result.times) / result.wall:,.0f}",
                      f"{percentile(result.times, 50) * 1000:.1f} ms", f"{p99 * 1000:.1f} ms",
                      f"{max(result.times) * 1000:.1f} ms",
                      f"{result.statements / len(result.times):.1f}",
                      f"p99 < {DRAFT_P99_GOAL * 1000:g} ms", verdict(p99 < DRAFT_P99_GOAL))
    return table


def draft_kinds_table(results: list[DraftResult]) -> Table:
    table = Table(title="draft_message by kind: p50 and p99 with each detector")
    table.add_column("kind")
    table.add_column("audience (language)")
    for result in results:
        table.add_column(result.label, justify="right")
    for kind in KINDS:
        audience = AUDIENCE_OF[kind]
        language = "the customer's" if audience.is_customer_side else "en, no detection"
        table.add_row(kind, f"{audience.value} ({language})", *(
            f"{statistics.median(r.by_kind[kind]) * 1000:.1f} ms, "
            f"{percentile(r.by_kind[kind], 99) * 1000:.1f} ms" for r in results))
    return table


# 4. The outbox


class Sink:
    """An HTTP server on 127.0.0.1 counting requests and 200s by Idempotency-Key; with
    `fail_first`, a key's first request is answered 503."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.fail_first = False
        self.requests: Counter[str] = Counter()
        self.delivered: Counter[str] = Counter()
        self.server = _SinkServer(("127.0.0.1", 0), _SinkHandler)
        self.server.sink = self
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def reset(self, *, fail_first: bool) -> None:
        with self.lock:
            self.fail_first = fail_first
            self.requests.clear()
            self.delivered.clear()

    def answer(self, key: str) -> int:
        with self.lock:
            self.requests[key] += 1
            if self.fail_first and self.requests[key] == 1:
                return 503
            self.delivered[key] += 1
            return 200

    def __enter__(self) -> Sink:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


class _SinkServer(ThreadingHTTPServer):
    daemon_threads = True
    # The standard library listens with a backlog of 5: a worker's 8 side-by-side sends
    # connecting at once overflowed it on a busy machine (ListenOverflows), and each
    # connection dropped so waited out TCP's 1 s SYN retransmission (1.0-1.3 s attempts
    # in a batch otherwise 5-10 ms each). A web server listens with hundreds.
    request_queue_size = 128
    sink: Sink


class _SinkHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _SinkServer

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        status = self.server.sink.answer(self.headers.get("Idempotency-Key", ""))
        body = b"ok" if status == 200 else b"unavailable"
        self.close_connection = True
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@dataclass
class OutboxResult:
    database: str
    workers: int  # outbox workers draining side by side
    failing: bool  # the sink answered 503 to each message's first attempt
    messages: int
    queue_seconds: float
    drain_seconds: float
    requests: int
    keys: int
    delivered_keys: int
    duplicates: int
    states: dict[str, int]
    first_batch: float  # seconds per attempt in the first full deliver_due batch
    last_batch: float  # ... and in the last full one
    statements: int  # SQL statements sent while draining

    @property
    def scenario(self) -> str:
        return "503+200" if self.failing else "200"

    @property
    def expected_requests(self) -> int:
        return 2 * self.messages if self.failing else self.messages

    @property
    def exactly_once(self) -> bool:
        return (self.keys == self.delivered_keys == self.messages and self.duplicates == 0
                and self.states == {"delivered": self.messages})


def outbox_benchmark(
    database: Database, sink: Sink, messages: int, *, failing: bool, workers: int = 1,
) -> OutboxResult:
    scenario = "503+200" if failing else "200"
    clock = FakeClock(START)
    ctx = context(database.engine, clock)
    add_account(ctx=ctx, actor=ADMIN, id="acme", name="Acme Retail", tier="enterprise",
                support_plan="enterprise")
    case = cases.open_case(ctx=ctx, actor=MANAGER, account="acme", severity="P1",
                           title="Checkout fails with error 500").snapshot.id
    ctx.detect_language = trivial_detect
    draft = draft_message(ctx=ctx, actor=MANAGER, case_id=case, kind="acknowledgment").id
    add_endpoint(ctx=ctx, actor=ADMIN, name="bench-sink", channel="webhook",
                 url=f"{sink.url}/hook")
    sink.reset(fail_first=failing)
    started = time.perf_counter()
    for n in range(messages):
        send_draft(ctx=ctx, actor=MANAGER, draft_id=draft, channel="webhook",
                   to="bench-sink", idempotency_key=f"bench-{n}", deliver_now=False)
    queue_seconds = time.perf_counter() - started
    progress(f"{database.name}, {scenario}: {messages:,} queued at "
             f"{messages / queue_seconds:,.0f}/s")
    with StatementCounter(database.engine) as counter:
        started = time.perf_counter()
        batches, rounds = drain(ctx, clock, workers)
        drain_seconds = time.perf_counter() - started
    with ctx.unit_of_work() as uow:
        states: dict[str, int] = {state: n for state, n in uow.session.execute(
            select(OutboxRow.state, func.count()).group_by(OutboxRow.state))}
    with sink.lock:
        requests, keys = sum(sink.requests.values()), len(sink.requests)
        delivered_keys = len(sink.delivered)
        duplicates = sum(n - 1 for n in sink.delivered.values() if n > 1)
    result = OutboxResult(database.name, workers, failing, messages, queue_seconds, drain_seconds,
                          requests, keys, delivered_keys, duplicates, states,
                          batches[0] if batches else math.nan,
                          batches[-1] if batches else math.nan, counter.count)
    progress(f"{database.name}, {scenario}, {workers} worker(s): {messages:,} delivered at "
             f"{messages / drain_seconds:,.0f}/s in {rounds} rounds, {requests:,} requests")
    return result


def first_webhook(sink: Sink) -> float:
    """Seconds the process's first webhook delivery takes (to the sink, outside any run):
    the channel's module and httpx imported, the trust store loaded. A worker pays it once
    in its life; the runs are timed after it, as a worker that has been sending is."""
    started = time.perf_counter()
    channel = channel_for("webhook")
    channel.deliver(Outbound(idempotency_key="bench-first", channel="webhook",
                             to=f"{sink.url}/hook", subject="first", body="first",
                             language="en", audience="customer", case_ref="CASE-0",
                             kind="acknowledgment", message_id=0))
    seconds = time.perf_counter() - started
    progress(f"first webhook delivery of the process: {seconds * 1000:,.0f} ms")
    return seconds


def drain(ctx: Context, clock: FakeClock, workers: int = 1) -> tuple[list[float], int]:
    """Deliver until nothing is pending, as `workers` outbox workers would side by side,
    moving the clock past the wait before the next attempts between rounds; the seconds
    per attempt of each full batch (the first worker's), and the rounds it took."""
    batches: list[float] = []
    rounds = 0

    def work(owner: str, timed: list[float]) -> None:
        while True:
            started = time.perf_counter()
            attempts = deliver_due(ctx, owner=owner, limit=BATCH)
            if not attempts:
                return
            if len(attempts) == BATCH:
                timed.append((time.perf_counter() - started) / BATCH)

    while True:
        rounds += 1
        others = [threading.Thread(target=work, args=(f"bench-{n}", []))
                  for n in range(2, workers + 1)]
        for other in others:
            other.start()
        work("bench-1", batches)
        for other in others:
            other.join()
        if not pending(ctx) or rounds >= 10:
            return batches, rounds
        clock.advance(minutes=61)  # past the longest wait between attempts (an hour)


def pending(ctx: Context) -> int:
    with ctx.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(OutboxRow)
                                  .where(OutboxRow.state == "pending")) or 0


def batch_times(result: OutboxResult) -> str:
    if math.isnan(result.first_batch):
        return "-"  # fewer deliveries than a batch
    return f"{result.first_batch * 1000:.0f}, {result.last_batch * 1000:.0f}"


def outbox_table(results: list[OutboxResult], skipped: dict[str, str], messages: int) -> Table:
    table = Table(title=f"outbox: {messages:,} webhook deliveries of one draft, queued by "
                        f"send_draft(deliver_now=False), drained by deliver_due(limit={BATCH})",
                  caption="sink: what it answers a message's attempts (503+200: the clock "
                          "moves 61 min between the two rounds); ms/attempt: the first and "
                          "the last full batch; requests: received / expected; once, dupes: "
                          "messages answered 200 exactly once (and delivered in the "
                          "database), and 200s beyond the first", caption_justify="left")
    for column in ("database", "workers", "sink", "queued/s", "delivered/s", "ms/attempt",
                   "SQL/attempt",
                   "requests", "once, dupes", "goal", "result"):
        table.add_column(column, justify="left" if column in ("database", "sink") else "right")
    for r in results:
        rate = r.messages / r.drain_seconds
        expected = r.expected_requests
        attempts = r.requests / r.drain_seconds
        judged = r.database == "sqlite" and r.workers == 1
        goal = (f"{attempts:,.0f} attempts/s >= {DELIVERY_GOAL}" if judged
                else f"{attempts:,.0f} attempts/s")
        fast = attempts >= DELIVERY_GOAL or not judged
        once = f"{r.delivered_keys - r.duplicates:,}"
        if not r.exactly_once:
            once += " (" + ", ".join(f"{n:,} {state}" for state, n in sorted(r.states.items()))
            once += ")"
        report("comms", f"outbox attempts/s, {r.workers} worker(s), sink {r.scenario}, "
               f"{r.database}", round(attempts, 1), "/s",
               f">= {DELIVERY_GOAL}/s" if judged else "",
               (fast and r.exactly_once) if judged else None,
               f"{r.messages:,} webhook deliveries; exactly once: {r.exactly_once}")
        table.add_row(r.database, str(r.workers), r.scenario,
                      f"{r.messages / r.queue_seconds:,.0f}",
                      f"{rate:,.0f}", batch_times(r),
                      f"{r.statements / r.requests:.1f}" if r.requests else "-",
                      f"{r.requests:,} / {expected:,}", f"{once}, {r.duplicates}", goal,
                      verdict(fast and r.exactly_once and r.requests == expected))
    for name in skipped:
        table.add_row(name, "-", "-", "-", "-", "-", "-", "-", "-", "-", "skipped")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--renders", type=int, default=200,
                        help="timed renders of each kind in each language")
    parser.add_argument("--detections", type=int, default=2_000, help="timed detections")
    parser.add_argument("--drafts", type=int, default=300, help="timed drafts per detector")
    parser.add_argument("--deliveries", type=int, default=400,
                        help="webhook deliveries per outbox run")
    parser.add_argument("--outbox-workers", default="1,2",
                        help="outbox workers side by side, comma-separated (sink 200)")
    parser.add_argument("--phases", default="render,detect,draft,outbox",
                        help="which of render, detect, draft, outbox to run")
    scratch.database_options(parser, "comms", sqlite=False)
    parser.add_argument("--src", help="the src/ directory of the escalada to measure")
    options = parser.parse_args()
    phases = set(options.phases.split(","))
    configure_logs("WARNING")
    os.environ["ESCALADA_WEBHOOK_SECRET"] = SECRET
    os.environ.pop("ESCALADA_TEMPLATES", None)  # the built-in templates, not an operator's
    import escalada

    progress(f"escalada from {Path(escalada.__file__).parent}")
    console = Console(width=130)
    if "render" in phases:
        console.print(render_table(render_benchmark(options.renders)))
        console.print()
    if "detect" in phases:
        detection = detect_benchmark(options.detections)
        console.print(detect_table(detection))
        if not detection.wrong:
            console.print(f"all {len(MESSAGES)} messages detected as expected",
                          highlight=False)
        else:
            console.print(f"[bold]{len(detection.wrong)} of {len(MESSAGES)} messages "
                          "detected otherwise than expected[/bold]", highlight=False)
            for message, expected, answer in detection.wrong:
                console.print(f"  expected {shown(expected)}, got {shown(answer)}: "
                              f"{message!r}", highlight=False, markup=False)
        console.print()
    if "draft" in phases:
        drafts, entries = draft_benchmark(options.drafts)
        console.print(draft_table(drafts, entries))
        console.print()
        console.print(draft_kinds_table(drafts))
        console.print()
    if "outbox" not in phases:
        return

    runs = [(int(n), False) for n in options.outbox_workers.split(",")] + [(1, True)]
    outbox: list[OutboxResult] = []
    skipped: dict[str, str] = {}
    with Sink() as sink:
        cold = first_webhook(sink)
        for name, opener in scratch.openers(options, "comms", progress):
            for workers, failing in runs:  # each run on a fresh database
                with scratch.scratch(opener) as database:
                    if isinstance(database, str):
                        progress(f"{name}: skipped: {database}")
                        skipped[name] = database
                        break
                    outbox.append(outbox_benchmark(database, sink, options.deliveries,
                                                   failing=failing, workers=workers))

    console.print(outbox_table(outbox, skipped, options.deliveries))
    console.print(f"the process's first webhook delivery, before the runs and not in them: "
                  f"{cold * 1000:,.0f} ms (httpx imported, the trust store loaded: what a "
                  "worker pays once when it starts sending)", highlight=False)
    for name, reason in skipped.items():
        console.print(f"{name} skipped: {reason}", highlight=False, markup=False)


if __name__ == "__main__":
    main()
