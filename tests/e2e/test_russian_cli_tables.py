"""The tables a Russian-speaking coordinator reads name the product's ids in Russian words
(issue 15): a message's kind, addressees and channel in `comms drafts`, `comms log` and
`outbox list`, a message's delivery state in the neuter (сообщение), a webhook delivery's
in the feminine (доставка), a person's title as their job, weekdays, weights and points as
Russian writes them. `--format json` keeps the ids."""

from __future__ import annotations

from pathlib import Path

import pytest
from channel_support import SmtpSink, smtp_sink  # noqa: F401
from cli_support import Cli, russian_cli


@pytest.fixture
def russian(tmp_path: Path) -> Cli:
    return russian_cli(tmp_path)


def _cells(table: str, first: str) -> list[str]:
    """The cells of the row whose first cell is `first`."""
    row = next(line for line in table.splitlines() if line.startswith(f"│ {first} "))
    return [cell.strip() for cell in row.split("│")[1:-1]]


def test_drafts_and_deliveries_name_kind_addressees_channel_and_state_in_russian(
    russian: Cli, smtp_sink: SmtpSink,  # noqa: F811
) -> None:
    russian.env.update(smtp_sink.environ())
    smtp_sink.refuse_recipient("gone@acme.example")
    case = russian.json("case", "open", "--account", "acme", "--severity", "P1",
                        "--title", "API отдаёт 500")["snapshot"]["id"]
    russian.run("comms", "draft", case, "--kind", "acknowledgment")
    russian.run("comms", "draft", case, "--kind", "handoff")
    russian.run("comms", "send", "1", "--channel", "email", "--to", "cto@acme.example")
    russian.run("comms", "send", "1", "--channel", "email", "--to", "gone@acme.example")
    smtp_sink.wait_for(1)

    drafts = russian.run("comms", "drafts", case)
    log = russian.run("comms", "log", case)
    outbox = russian.run("outbox", "list")

    assert _cells(drafts, "1")[1:4] == ["подтверждение", "клиент", "ru"]
    assert _cells(drafts, "2")[1:3] == ["передача", "коллеги"]
    delivered, dead = _cells(outbox, "1"), _cells(outbox, "2")
    assert delivered[3:9] == ["подтверждение", "эл. почта", "cto@acme.example", "клиент", "ru",
                              "доставлено"]
    assert dead[8] == "не доставлено" and dead[11].startswith("попытка 1: ")
    assert _cells(log, "1")[3:9] == delivered[3:9]
    for table in (drafts, log, outbox):
        assert not {"acknowledgment", "handoff", "customer", "internal", "email",
                    "delivered", "dead"} & set(table.split())
    assert "в очереди 0, доставлено 1, не доставлено 1;" in russian.run(
        "outbox", "status", stdout=True)
    assert [(d["kind"], d["audience"]) for d in russian.json("comms", "drafts", case)] == [
        ("handoff", "internal"), ("acknowledgment", "customer")]
    assert [(d["channel"], d["audience"], d["state"])
            for d in russian.json("outbox", "list")] == [
        ("email", "customer", "dead"), ("email", "customer", "delivered")]

    timeline = russian.run("case", "timeline", case)
    assert ("поставлено в очередь: подтверждение (ru), адресаты: клиент, канал эл. почта, "
            "получатель cto@acme.example") in timeline
    assert "доставлено: подтверждение (ru), получатель cto@acme.example" in timeline
    assert "(customer)" not in timeline and "канал email" not in timeline

    russian.run("endpoint", "add", "team-room", "--channel", "webhook", "--url",
                "https://hooks.example.com/abc")
    assert _cells(russian.run("endpoint", "list"), "team-room")[1] == "вебхук"


def test_the_message_kinds_read_russian_beside_the_id_kind_takes(russian: Cli) -> None:
    kinds = russian.run("comms", "templates")
    case = russian.json("case", "open", "--account", "acme", "--severity", "P2",
                        "--title", "Медленно")["snapshot"]["id"]
    draft = russian.run("comms", "draft", case, "--kind", "progress_update")

    assert _cells(kinds, "обновление о ходе работ [progress_update]")[1:] == [
        "встроенный", "встроенный"]
    assert "│ progress_update " not in kinds
    assert draft.startswith(f"<!-- черновик 1 · {case} · обновление о ходе работ "
                            "[progress_update] #1 · Расследуем [INVESTIGATING] · клиенту")

    russian.run("comms", "draft", case, "--kind", "resolution", "--set", "root_cause=диск")
    assert _cells(russian.run("comms", "drafts", case), "2")[5] == (
        "Исправление [fix], Проверка [verification]")


def test_who_wrote_a_message_and_a_contacts_level_read_russian(russian: Cli) -> None:
    case = russian.json("case", "open", "--account", "acme", "--severity", "P2",
                        "--title", "Медленно")["snapshot"]["id"]
    russian.run("case", "message", case, "--from", "customer", "--text", "Всё ещё медленно")
    russian.run("case", "message", case, "--from", "internal", "--text", "Смотрим логи")
    russian.run("account", "contact", "add", "acme", "--name", "Иван Петров", "--level",
                "c_level", "--title", "CTO")

    messages = russian.run("case", "messages", case)
    history = russian.run("account", "history", "acme")

    assert _cells(messages, "1")[2] == "клиент" and _cells(messages, "2")[2] == "коллеги"
    assert "добавлен контакт 1: Иван Петров, CTO (высшее руководство)" in history
    assert "(c_level)" not in history


def test_a_persons_title_is_their_job_and_weekdays_weights_read_russian(
        russian: Cli) -> None:
    russian.run("user", "update", "irina", "--title", "CTO")
    russian.run("calendar", "add", "moscow", "--timezone", "Europe/Moscow", "--days",
                "mon-fri", "--hours", "09:00-18:00")
    russian.json("case", "open", "--account", "acme", "--severity", "P1", "--title", "Сбой")

    users = russian.run("user", "list")
    calendar = russian.run("calendar", "show", "moscow", "--from", "2026-12-05", "--days",
                           "3")
    health = russian.run("health", "acme")

    assert "должность" in users and "заголовок" not in users
    assert "пн 09:00-18:00; вт 09:00-18:00" in calendar and "mon " not in calendar
    assert _cells(calendar, "2026-12-05")[1] == "сб"
    support = _cells(health, "Удовлетворённость поддержкой")
    assert support[4] == "0,25" and "0.25" not in health
    assert "." not in support[5]  # the points, "баллов: 18,5" when not whole


def test_vendor_plans_and_platform_incidents_read_russian(russian: Cli) -> None:
    plans = russian.run("vendor", "plans", "--vendor", "aws")
    russian.run("incident", "open", "--service", "rds", "--region", "eu-central-1")
    incidents = russian.run("incident", "list")
    shown = russian.run("incident", "show", "INC-1")

    developer = next(line for line in plans.splitlines() if "System impaired" in line)
    assert "│ AWS " in developer and "│ 12 ч " in developer
    assert "│ в рабочие часы " in developer and "business" not in developer
    assert "│ aws " not in plans
    assert "решён" in incidents.splitlines()[2] and "решено" not in incidents
    assert shown.startswith("INC-1 rds в eu-central-1: открыт, ")
