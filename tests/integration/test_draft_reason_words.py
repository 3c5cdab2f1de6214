"""Why a draft is in its language keeps its words beside its English (migration 0031,
communications.language_reason_words), so a Russian reader reads it in Russian; a draft
kept before the migration reads as it was kept. On real SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from examples import ADMIN, ANA
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from escalada.adapters.catalogs import translations
from escalada.adapters.db.database import SCHEMA_HEAD, schema_version, upgrade
from escalada.services import cases
from escalada.services.accounts import add_account
from escalada.services.case_page import case_page
from escalada.services.context import Context
from escalada.services.drafting import draft_message, draft_page, show_draft
from escalada.services.inbound_messages import record_message

RUSSIAN = translations("ru")


def _sibnet_case(ctx: Context) -> None:
    """CASE-1 of a Russian-speaking account."""
    add_account(ctx=ctx, actor=ADMIN, id="sibnet", name="Сибирские Сети", tier="strategic",
                support_plan="enterprise", language="ru", timezone="Asia/Novosibirsk")
    cases.open_case(ctx=ctx, actor=ANA, account="sibnet", severity="P1", title="API 500")


def _drafted(ctx: Context, kind: str = "acknowledgment", **options: str) -> int:
    return draft_message(ctx=ctx, actor=ANA, case_id="CASE-1", kind=kind, **options).id


def test_each_reason_a_draft_gives_reads_russian(ctx: Context) -> None:
    _sibnet_case(ctx)
    by_account = _drafted(ctx)
    record_message(ctx=ctx, actor=ANA, case_id="CASE-1", sender="customer",
                   text="Спасибо, ждём")
    by_message = _drafted(ctx)
    asked = _drafted(ctx, language="en")
    vendor = _drafted(ctx, kind="vendor_escalation")

    told = {(d := show_draft(ctx=ctx, draft_id=n)).language_reason: d.language_reason_in(
        RUSSIAN) for n in (by_account, by_message, asked, vendor)}

    assert told == {
        "the account's language is Russian": "язык клиента — русский",
        "the customer's last message is in Russian":
            "язык последнего сообщения клиента — русский",
        "English, as ana asked": "английский — по просьбе ana",
        "vendors' support is written to in English": "в поддержку вендоров пишут на английском",
    }
    page = draft_page(ctx=ctx, case_id="CASE-1").items
    assert [d.told_in(RUSSIAN).language_reason for d in page][-1] == "язык клиента — русский"
    assert show_draft(ctx=ctx, draft_id=by_message).model_dump()["language_reason"] == (
        "the customer's last message is in Russian")  # the API's shape: the English kept


def test_the_case_page_says_why_in_the_readers_language(ctx: Context) -> None:
    _sibnet_case(ctx)

    page = case_page(ctx=ctx, actor=ANA, case_id="CASE-1")

    assert page.reply_language_reason == "the account's language is Russian"
    assert page.reply_language_reason_in(RUSSIAN) == "язык клиента — русский"
    assert page.reply_language_reason_in(translations("en")) == page.reply_language_reason


# The migration


def _alembic(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", "escalada.adapters.db:migrations")
    config.attributes["connection"] = connection
    return config


def _columns(ctx: Context) -> set[str]:
    return {c["name"] for c in inspect(ctx.engine).get_columns("communications")}


def test_the_migration_adds_and_drops_the_words_and_a_draft_from_before_reads_as_kept(
        ctx: Context) -> None:
    _sibnet_case(ctx)
    draft = _drafted(ctx)
    assert SCHEMA_HEAD == "0031"
    assert "language_reason_words" in _columns(ctx)
    assert show_draft(ctx=ctx, draft_id=draft).language_reason_in(RUSSIAN) == (
        "язык клиента — русский")

    with ctx.engine.begin() as connection:
        command.downgrade(_alembic(connection), "0030")
    assert schema_version(ctx.engine) == "0030"
    assert "language_reason_words" not in _columns(ctx)

    upgrade(ctx.engine)
    assert schema_version(ctx.engine) == SCHEMA_HEAD
    assert "language_reason_words" in _columns(ctx)
    # The words went with the downgrade: the draft reads in the English it kept.
    kept = show_draft(ctx=ctx, draft_id=draft)
    assert kept.language_reason_words is None
    assert kept.language_reason_in(RUSSIAN) == "the account's language is Russian"
    assert _drafted(ctx) and show_draft(ctx=ctx, draft_id=draft + 1).language_reason_in(
        RUSSIAN) == "язык клиента — русский"  # a draft after reads Russian again
