"""What escalada composed and kept for people to read later reads Russian for a Russian
reader, in the CLI (LANG) and the API (Accept-Language, else the user's setting): a
step's reason, a webhook delivery's outcome, a timer's outcome, an audit's findings.
English readers read the English kept, as before."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cli_support import Cli
from conftest import API, OpenCase
from examples import ADMIN
from fastapi.testclient import TestClient

from escalada.services.context import Actor, Context
from escalada.services.people import add_user, create_token

RU = {"Accept-Language": "ru"}
ROUTED_EN = "service credit #1 of $2,000.00 needs support_manager"
ROUTED_RU = "компенсация #1 на 2\xa0000,00\xa0$: нужна роль support_manager"


@pytest.fixture
def russian(tmp_path: Path) -> Cli:
    cli = Cli(tmp_path)
    cli.env.pop("ESCALADA_LANG", None)
    cli.env.update(LANG="ru_RU.UTF-8", COLUMNS="400")
    cli.run("user", "add", "irina", "--role", "admin")
    cli.run("account", "add", "--id", "acme", "--name", "Acme Corp", "--tier", "enterprise",
            "--plan", "enterprise", "--timezone", "Europe/Moscow", "--language", "ru")
    return cli


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

    assert ROUTED_RU in timeline and "needs support_manager" not in timeline
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
