"""Why a draft is in its language reads in the reader's language (migration 0031 keeps its
words beside the English): in the CLI under LANG=ru_RU and in the API with
Accept-Language: ru, for a draft whose language came from the customer's last message and
one whose came from the account's language. The English stays what is kept (--format
json, English readers); a draft kept before its words were reads its English."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import Cli, russian_cli
from conftest import API, OpenCase
from fastapi.testclient import TestClient
from sqlalchemy import update

from escalada.adapters.db.database import make_engine
from escalada.adapters.db.tables import CommunicationRow
from escalada.services.context import Context

RU = {"Accept-Language": "ru"}
ACCOUNT_EN = "the account's language is Russian"
ACCOUNT_RU = "язык клиента — русский"
MESSAGE_EN = "the customer's last message is in Russian"
MESSAGE_RU = "язык последнего сообщения клиента — русский"


@pytest.fixture
def russian(tmp_path: Path) -> Cli:
    return russian_cli(tmp_path)


def _forget_words(url: str) -> None:
    """The drafts as kept before migration 0031: their English only."""
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(update(CommunicationRow).values(language_reason_words=None))
    engine.dispose()


def test_a_drafts_language_reason_reads_russian_in_the_cli(russian: Cli) -> None:
    case_id = russian.json("case", "open", "--account", "acme", "--severity", "P1",
                           "--title", "Сбой оплаты")["snapshot"]["id"]

    by_account = russian.run("comms", "draft", case_id, "--kind", "acknowledgment")
    russian.run("case", "message", case_id, "--from", "customer", "--text", "Спасибо, ждём")
    by_message = russian.run("comms", "draft", case_id, "--kind", "acknowledgment")

    assert f"язык ru: {ACCOUNT_RU}\n" in by_account and ACCOUNT_EN not in by_account
    assert f"язык ru: {MESSAGE_RU}\n" in by_message and MESSAGE_EN not in by_message
    assert f"язык ru: {ACCOUNT_RU}\n" in russian.run("comms", "show", "1")
    # --format json keeps the English; an English reader reads it.
    assert russian.json("comms", "show", "2", "--format", "json")[
        "language_reason"] == MESSAGE_EN
    russian.env["ESCALADA_LANG"] = "en"
    assert f"language ru: {MESSAGE_EN}\n" in russian.run("comms", "show", "2")
    russian.env["ESCALADA_LANG"] = "ru"
    assert f"язык ru: {MESSAGE_RU}\n" in russian.run("comms", "show", "2")

    _forget_words(russian.env["ESCALADA_DATABASE_URL"])
    assert f"язык ru: {MESSAGE_EN}\n" in russian.run("comms", "show", "2")


def test_a_drafts_header_reads_in_the_readers_language(russian: Cli) -> None:
    """The header's words are the reader's; its ids are the options' (--kind, --lang)."""
    case_id = russian.json("case", "open", "--account", "acme", "--severity", "P1",
                           "--title", "Сбой оплаты")["snapshot"]["id"]
    russian.run("user", "add", "pavel", "--role", "vp", "--title", "CEO")
    headers = {kind: russian.run("comms", "draft", case_id, "--kind", kind).split(" -->")[0]
               for kind in ("acknowledgment", "executive_acknowledgment", "handoff",
                            "vendor_escalation")}

    assert headers["acknowledgment"].startswith(
        f"<!-- черновик 1 · {case_id} · подтверждение [acknowledgment] · клиенту\n"
        f"     язык ru: {ACCOUNT_RU}\n     время по поясу Europe/Moscow · "
        "встроенный ru/acknowledgment.md.j2")
    assert " · руководителю клиента\n" in headers["executive_acknowledgment"]
    assert " · коллегам\n" in headers["handoff"] and "время по поясу UTC" in headers["handoff"]
    assert " · вендору\n" in headers["vendor_escalation"]
    assert not [line for header in headers.values() for line in header.splitlines()
                if any(word in line for word in ("draft ", "to the", "language ", "times in",
                                                 "built-in"))]

    russian.env["ESCALADA_LANG"] = "en"
    english = {number: russian.run("comms", "show", number).split(" -->")[0]
               for number in ("1", "2", "3", "4")}
    assert english["1"].startswith(
        f"<!-- draft 1 · {case_id} · acknowledgment · to the customer\n"
        f"     language ru: {ACCOUNT_EN}\n     times in Europe/Moscow · "
        "built-in ru/acknowledgment.md.j2")
    assert " · to the customer's executive\n" in english["2"]
    assert " · to colleagues\n" in english["3"] and "times in UTC" in english["3"]
    assert " · to the vendor\n" in english["4"]


def test_a_drafts_language_reason_reads_russian_in_the_api(
        client: TestClient, open_case: OpenCase, ctx: Context) -> None:
    case_id = open_case()["snapshot"]["id"]
    by_account = client.post(f"{API}/cases/{case_id}/drafts", json={"kind": "acknowledgment"},
                             headers=RU)
    message = client.post(f"{API}/cases/{case_id}/messages",
                          json={"from": "customer", "text": "Спасибо, ждём"})
    by_message = client.post(f"{API}/cases/{case_id}/drafts", json={"kind": "acknowledgment"},
                             headers=RU)

    assert by_account.status_code == by_message.status_code == 201, by_message.text
    assert message.status_code == 201, message.text
    assert by_account.json()["language_reason"] == ACCOUNT_RU
    assert by_message.json()["language_reason"] == MESSAGE_RU
    first, second = by_account.json()["id"], by_message.json()["id"]
    assert client.get(f"{API}/drafts/{first}", headers=RU).json()[
        "language_reason"] == ACCOUNT_RU
    listed = client.get(f"{API}/cases/{case_id}/drafts", headers=RU).json()
    assert [d["language_reason"] for d in listed] == [MESSAGE_RU, ACCOUNT_RU]
    assert "language_reason_words" not in listed[0]
    # English without the header, as before.
    assert [d["language_reason"] for d in client.get(f"{API}/cases/{case_id}/drafts").json()
            ] == [MESSAGE_EN, ACCOUNT_EN]
    assert client.get(f"{API}/drafts/{second}").json()["language_reason"] == MESSAGE_EN

    with ctx.engine.begin() as connection:  # as kept before migration 0031
        connection.execute(update(CommunicationRow).where(CommunicationRow.id == second)
                           .values(language_reason_words=None))
    assert client.get(f"{API}/drafts/{second}", headers=RU).json()[
        "language_reason"] == MESSAGE_EN
    assert client.get(f"{API}/drafts/{first}", headers=RU).json()[
        "language_reason"] == ACCOUNT_RU
