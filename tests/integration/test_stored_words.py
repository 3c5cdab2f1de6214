"""Texts escalada composes and keeps for people to read later (a step's and a timeline
entry's reason, a webhook delivery's outcome, a timer's outcome) keep their words beside
their English (migration 0030), so a Russian reader reads them in Russian; a row kept
before the migration reads as it was kept. On real SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic import command
from alembic.config import Config
from case_support import open_case
from examples import ANA
from examples import MARIA as MANAGER
from sqlalchemy import inspect, update
from sqlalchemy.engine import Connection
from timer_support import drain, timers

from escalada.adapters.catalogs import translations
from escalada.adapters.db.database import SCHEMA_HEAD, schema_version, upgrade
from escalada.adapters.db.tables import TimerRow
from escalada.domain.words import Words
from escalada.services import cases
from escalada.services.context import Context
from escalada.services.credits import approve_credit, propose_credit, route_credit
from escalada.services.timer_views import set_reminder
from escalada.services.views import TimelineEntryView, TimerView
from escalada.testing import FakeClock

RUSSIAN = translations("ru")
ADDED = {"timeline": "reason_words", "escalations": "reason_words",
         "hook_deliveries": "outcome_words", "timers": "outcome_words"}


def routed_credit(ctx: Context) -> None:
    """CASE-1 with a $2,000 credit routed up to L2 (its step's reason composed)."""
    open_case(ctx, account_fields={"monthly_fee_usd": "5000.00"})
    credit = propose_credit(ctx=ctx, actor=ANA, case_id="CASE-1", amount_usd="2000.00",
                            reason="checkout down")
    route_credit(ctx=ctx, actor=ANA, credit_id=credit.id)


def escalated_entry(ctx: Context) -> TimelineEntryView:
    return next(e for e in cases.case_timeline(ctx=ctx, case_id="CASE-1")
                if e.kind == "escalated")


def test_a_routed_credits_reason_reads_russian_on_the_step_and_the_timeline(
        ctx: Context) -> None:
    routed_credit(ctx)

    [step] = cases.show_case(ctx=ctx, case_id="CASE-1").escalations
    entry = escalated_entry(ctx)

    english = "service credit #1 of $2,000.00 needs support manager"
    assert step.reason == entry.reason == english  # the kept (hashed) English
    russian = "компенсация #1 на 2\xa0000,00\xa0$: нужна роль «менеджер поддержки»"
    assert step.reason_in(RUSSIAN) == entry.reason_in(RUSSIAN) == russian
    assert entry.told_in(RUSSIAN).reason == russian
    assert step.reason_in(translations("en")) == english


def test_a_second_credits_reason_counts_the_window_in_russian_plural(ctx: Context) -> None:
    open_case(ctx, account_fields={"monthly_fee_usd": "5000.00"})
    first = propose_credit(ctx=ctx, actor=ANA, case_id="CASE-1", amount_usd="499.99")
    approve_credit(ctx=ctx, actor=MANAGER, credit_id=first.id, reason="owed")
    second = propose_credit(ctx=ctx, actor=ANA, case_id="CASE-1", amount_usd="100.00")

    route_credit(ctx=ctx, actor=ANA, credit_id=second.id)

    assert escalated_entry(ctx).reason_in(RUSSIAN) == (
        "компенсация #2 на 100,00\xa0$ (599,99\xa0$ вместе с компенсациями, одобренными по "
        "CASE-1 за последние 30 дней): нужна роль «менеджер поддержки»")


def test_a_person_s_own_reason_reads_as_they_wrote_it(ctx: Context) -> None:
    open_case(ctx)
    cases.respond(ctx=ctx, actor=ANA, case_id="CASE-1", note="called the customer")

    entry = cases.case_timeline(ctx=ctx, case_id="CASE-1")[-1]

    assert entry.reason_words is None
    assert entry.reason_in(RUSSIAN) == entry.reason == "called the customer"


# The migration


def _alembic(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", "escalada.adapters.db:migrations")
    config.attributes["connection"] = connection
    return config


def _columns(ctx: Context) -> dict[str, set[str]]:
    inspector = inspect(ctx.engine)
    return {table: {c["name"] for c in inspector.get_columns(table)} for table in ADDED}


def test_the_migration_adds_and_drops_the_words_and_a_row_from_before_reads_as_kept(
        ctx: Context) -> None:
    routed_credit(ctx)
    assert SCHEMA_HEAD >= "0030"  # the head, or a migration after it
    assert all(column in _columns(ctx)[table] for table, column in ADDED.items())

    with ctx.engine.begin() as connection:
        command.downgrade(_alembic(connection), "0029")
    assert schema_version(ctx.engine) == "0029"
    assert not any(column in _columns(ctx)[table] for table, column in ADDED.items())

    upgrade(ctx.engine)
    assert schema_version(ctx.engine) == SCHEMA_HEAD
    assert all(column in _columns(ctx)[table] for table, column in ADDED.items())
    # The words went with the downgrade: the rows read in the English they kept.
    [step] = cases.show_case(ctx=ctx, case_id="CASE-1").escalations
    entry = escalated_entry(ctx)
    english = "service credit #1 of $2,000.00 needs support manager"
    assert step.reason_words is None and entry.reason_words is None
    assert step.reason_in(RUSSIAN) == entry.reason_in(RUSSIAN) == english


# A timer's outcome


def test_a_timers_outcome_reads_russian_and_one_kept_before_reads_as_kept(
        ctx: Context, clock: FakeClock) -> None:
    open_case(ctx)
    set_reminder(ctx=ctx, actor=ANA, case_id="CASE-1", at=clock() + timedelta(minutes=1),
                 note="call back")
    clock.advance(minutes=2)
    drain(ctx)
    cases.update_case(ctx=ctx, actor=ANA, case_id="CASE-1", severity="P2")

    told = {t.outcome: t.outcome_in(RUSSIAN) for t in timers(ctx) if t.outcome}

    assert told["reminded"] == "напомнено"
    assert told["replaced by generation 2"] == "заменён поколением 2"
    with ctx.engine.begin() as connection:  # as kept before migration 0030
        connection.execute(update(TimerRow).values(outcome_words=None))
    assert {t.outcome_in(RUSSIAN) for t in timers(ctx) if t.outcome} == set(told)


def test_an_outcome_cut_to_what_is_kept_reads_as_kept() -> None:
    view = TimerView(id=1, case="CASE-1", kind="reminder", key="k", generation=None,
                     due_at=datetime(2026, 12, 4, tzinfo=UTC), state="pending", attempts=1,
                     lease_owner=None, available_at=datetime(2026, 12, 4, tzinfo=UTC),
                     fired_at=None, outcome="attempt 1 failed: mail rel",
                     outcome_words=Words("attempt {attempt} failed: {error}", attempt=1,
                                         error=Words.literal("mail relay down")).as_json())

    assert view.outcome_in(RUSSIAN) == "attempt 1 failed: mail rel"
    assert view.model_copy(update={"outcome": "attempt 1 failed: mail relay down"}).outcome_in(
        RUSSIAN) == "попытка 1 не удалась: mail relay down"
