"""What escalada composed and kept for people to read later reads Russian for a Russian
reader, in the CLI (LANG) and the API (Accept-Language, else the user's setting): a
step's reason, a webhook delivery's outcome, a timer's outcome, an audit's findings.
English readers read the English kept, as before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from audit_support import tamper
from cli_support import Cli, russian_cli
from conftest import API, OpenCase
from examples import ADMIN
from fastapi.testclient import TestClient
from sqlalchemy import update
from zendesk_support import SECRET, created, mapping, signed

from escalada.adapters.db.database import make_engine
from escalada.adapters.db.tables import HookDeliveryRow
from escalada.bootstrap import wire
from escalada.domain.audit import ALTERED
from escalada.entrypoints.worker import Worker
from escalada.services import hooks
from escalada.services.context import Actor, Context
from escalada.services.people import add_user, create_token
from escalada.testing import FakeClock

RU = {"Accept-Language": "ru"}
ROUTED_EN = "service credit #1 of $2,000.00 needs support manager"
ROUTED_RU = "компенсация #1 на 2\xa0000,00\xa0$: нужна роль «менеджер поддержки»"


@pytest.fixture
def russian(tmp_path: Path) -> Cli:
    return russian_cli(tmp_path)


def _routed(client: TestClient, open_case: OpenCase) -> str:
    case_id: str = open_case()["snapshot"]["id"]
    credit = client.post(f"{API}/cases/{case_id}/credits", json={"amount_usd": "2000.00"})
    assert credit.status_code == 201, credit.text
    routed = client.post(f"{API}/credits/{credit.json()['id']}/route", json={})
    assert routed.status_code == 200, routed.text
    return case_id


def _escalated(entries: list[dict[str, Any]]) -> dict[str, Any]:
    return next(entry for entry in entries if entry["kind"] == "escalated")


# A step's reason


def test_a_routed_credits_reason_reads_russian_in_the_cli(russian: Cli) -> None:
    case_id = russian.json("case", "open", "--account", "acme", "--severity", "P1",
                           "--title", "Сбой оплаты")["snapshot"]["id"]
    russian.run("credit", "propose", case_id, "--amount-usd", "2000", "--reason", "простой")
    russian.run("credit", "route", "1")

    timeline = russian.run("case", "timeline", case_id)

    assert ROUTED_RU in timeline and "needs support manager" not in timeline
    russian.env["ESCALADA_LANG"] = "en"
    assert ROUTED_EN in russian.run("case", "timeline", case_id)


def test_a_routed_credits_reason_reads_russian_in_the_api(
        client: TestClient, open_case: OpenCase, ctx: Context) -> None:
    case_id = _routed(client, open_case)

    timeline = client.get(f"{API}/cases/{case_id}/timeline", headers=RU)
    case = client.get(f"{API}/cases/{case_id}", headers=RU).json()

    assert _escalated(timeline.json())["reason"] == ROUTED_RU
    assert case["escalations"][0]["reason"] == ROUTED_RU
    assert _escalated(case["timeline"])["reason"] == ROUTED_RU
    # The summary reads in the reader's language beside it.
    assert _escalated(case["timeline"])["summary"].startswith("шаг 1: ")
    english = client.get(f"{API}/cases/{case_id}").json()
    assert english["escalations"][0]["reason"] == ROUTED_EN
    assert _escalated(english["timeline"])["summary"].startswith("step 1: ")
    # A user's own setting, when no header asks.
    add_user(ctx=ctx, actor=ADMIN, name="olga", role="engineer", language="ru")
    token = create_token(ctx=ctx, actor=Actor("olga", "engineer")).token
    olga = {"Authorization": f"Bearer {token}"}
    assert client.get(f"{API}/cases/{case_id}", headers=olga).json()[
        "escalations"][0]["reason"] == ROUTED_RU


# A webhook delivery's outcome


def test_a_deliverys_outcome_and_problems_read_russian_in_the_api(
        client: TestClient, ctx: Context, account: dict[str, Any],
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ESCALADA_ZENDESK_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("ESCALADA_HOOKS_MAPPING", str(mapping(tmp_path, {}, "empty")))
    body = created(ctx.clock())
    refused = client.post(f"{API}/hooks/zendesk", content=body, headers=signed(body, ctx.clock()))
    delivery = refused.json()["delivery"]

    [failed] = client.get(f"{API}/hooks/failed", headers=RU).json()
    assert failed["problems"][0]["reason"].startswith("нет аккаунта для клиента '900'")
    monkeypatch.setenv("ESCALADA_HOOKS_MAPPING", str(mapping(tmp_path, {"900": "acme"}, "f")))
    replayed = client.post(f"{API}/hooks/deliveries/{delivery}/replay", headers=RU)

    assert replayed.status_code == 200, replayed.text
    assert replayed.json()["outcome"] == "открыто CASE-1"
    shown = client.get(f"{API}/hooks/deliveries/{delivery}", headers=RU).json()
    assert shown["outcome"] == "открыто CASE-1" and "outcome_words" not in shown
    [listed] = client.get(f"{API}/hooks/deliveries", headers=RU).json()
    assert listed["outcome"] == "открыто CASE-1"
    assert client.get(f"{API}/hooks/deliveries/{delivery}").json()["outcome"] == "opened CASE-1"


def test_a_deliverys_outcome_reads_russian_in_the_cli_and_an_old_one_as_kept(
        russian: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESCALADA_ZENDESK_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("ESCALADA_HOOKS_MAPPING", str(mapping(tmp_path, {"900": "acme"}, "m")))
    engine = make_engine(russian.env["ESCALADA_DATABASE_URL"])
    ctx = wire(lambda: engine)
    now = datetime.now(UTC)
    body = created(now)
    receipt = hooks.receive_hook(ctx=ctx, source="zendesk", headers=signed(body, now),
                                 body=body)

    shown = russian.run("hooks", "show", str(receipt.delivery))
    assert "итог: открыто CASE-1" in shown

    with engine.begin() as connection:  # as a delivery kept before migration 0030
        connection.execute(update(HookDeliveryRow).values(outcome_words=None))
    engine.dispose()
    assert "итог: opened CASE-1" in russian.run("hooks", "show", str(receipt.delivery))


# A timer's outcome


def test_a_fired_reminders_outcome_reads_russian_in_the_cli(russian: Cli) -> None:
    case_id = russian.json("case", "open", "--account", "acme", "--severity", "P3",
                           "--title", "Медленно")["snapshot"]["id"]
    due = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    russian.json("case", "remind", case_id, "--at", due, "--note", "перезвонить Ольге")
    russian.run("worker", "--once")

    listed = russian.run("timers", "list", "--state", "fired")

    assert "напомнено" in listed and "reminded" not in listed
    assert [t["outcome"] for t in russian.json("timers", "list", "--state", "fired")] == [
        "reminded"]  # --format json keeps the English kept


def test_timers_outcomes_read_russian_in_the_api(
        client: TestClient, ctx: Context, open_case: OpenCase, clock: FakeClock) -> None:
    case_id = open_case()["snapshot"]["id"]
    due = (clock() + timedelta(minutes=1)).isoformat()
    assert client.post(f"{API}/cases/{case_id}/reminders",
                       json={"at": due, "note": "call back"}).status_code == 201
    clock.advance(minutes=2)
    Worker(ctx, "worker-1").drain()
    assert client.patch(f"{API}/cases/{case_id}", json={"severity": "P2"}).status_code == 200

    russian = client.get(f"{API}/timers", params={"case": case_id, "limit": 100},
                         headers=RU).json()
    english = client.get(f"{API}/timers", params={"case": case_id, "limit": 100}).json()

    outcomes = {t["outcome"] for t in russian if t["outcome"]}
    assert "напомнено" in outcomes
    assert any(o.startswith("заменён поколением ") for o in outcomes)
    assert "reminded" in {t["outcome"] for t in english}
    assert all("outcome_words" not in t for t in english)


# An audit's findings


ALTERED_RU = "содержимое не совпадает с хешем (запись изменена)"


def test_a_broken_chains_reason_reads_russian_in_the_api(
        client: TestClient, ctx: Context, open_case: OpenCase) -> None:
    open_case()
    tamper(ctx, "UPDATE timeline SET summary = 'nothing happened' "
                "WHERE id = (SELECT MIN(id) FROM timeline)")

    russian = client.get(f"{API}/audit/verify", headers=RU).json()
    english = client.get(f"{API}/audit/verify").json()

    assert russian["intact"] is False
    assert russian["broken"][0]["reason"] == ALTERED_RU
    assert english["broken"][0]["reason"] == ALTERED and "reason_words" not in english[
        "broken"][0]


def test_a_broken_chains_reason_reads_russian_in_the_cli(russian: Cli) -> None:
    russian.json("case", "open", "--account", "acme", "--severity", "P3", "--title", "Тест")
    engine = make_engine(russian.env["ESCALADA_DATABASE_URL"])
    tamper(wire(lambda: engine), "UPDATE timeline SET summary = 'nothing happened' "
                                 "WHERE id = (SELECT MIN(id) FROM timeline)")
    engine.dispose()

    verdict = russian.run("audit", "verify", code=1, stdout=True)

    assert ALTERED_RU in verdict and ALTERED not in verdict
