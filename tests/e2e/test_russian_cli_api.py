"""A Russian-speaking coordinator works in Russian end to end: the CLI speaks the shell's
language (LANG, or ESCALADA_LANG), the API the Accept-Language header; codes, field names
and data stay as they are."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cli_support import Cli, russian_cli
from examples import ADMIN
from fastapi.testclient import TestClient

from escalada.services.context import Actor, Context
from escalada.services.people import add_user, create_token

ACME = {"id": "acme", "name": "Acme Corp", "tier": "enterprise", "support_plan": "enterprise",
        "timezone": "Europe/Moscow", "country": "RU", "language": "ru"}
PACKAGE = {"troubleshooting_summary": "500s on /v1/orders since 09:40",
           "steps_attempted": "restarted pods", "customer_impact": "checkout down"}


@pytest.fixture
def russian(tmp_path: Path) -> Cli:
    cli = russian_cli(tmp_path)
    cli.run("user", "add", "olga", "--role", "engineer")
    return cli


def test_a_case_walked_in_russian_shows_russian_words_and_errors(russian: Cli) -> None:
    case = russian.json("case", "open", "--account", "acme", "--severity", "P1", "--title",
                        "API отдаёт 500", "--flag", "customer_requested_escalation")
    case_id = case["snapshot"]["id"]

    listed = russian.run("case", "list")
    assert listed.splitlines()[0].split()[:4] == ["обращение", "клиент", "серьёзн.", "статус"]
    assert case_id in listed

    assert listed.splitlines()[1].split()[3] == "новое"  # the status in words, not `new`
    assert re.search(r" \d\d\.\d\d\.20\d\d \d\d:\d\d ", listed.splitlines()[1])  # day first

    shown = russian.run("case", "show", case_id)
    assert "клиент acme (корпоративный, Корпоративный)  серьёзность P1" in shown
    assert "статус новое  линия T1  руководство нет" in shown
    assert "Последнее в хронологии" in shown and "когда" in shown
    assert "│ первый ответ" in shown and "│ решение" in shown  # the SLA targets
    assert "first_response" not in shown and " new " not in shown
    assert "Рекомендуется эскалация (техническая) T1 -> T2" in shown
    assert "technical" not in shown
    assert "(ответить за 15 минут)" in shown  # five and up: the third plural form

    refused = russian.run("case", "escalate", case_id, "--to", "T2", code=3)
    assert "ошибка: пакет передачи для T1 -> T2 неполон: не хватает" in refused
    assert "  не хватает: troubleshooting_summary" in refused

    refused = russian.run("--as", "olga", "case", "escalate", case_id, "--to", "T2",
                          "--handoff", russian.file("t2.json", PACKAGE),
                          "--override-reason", "клиент на звонке", code=7)
    assert refused.startswith("ошибка: «обход проверки пакета передачи»: нужна роль "
                              "«руководитель группы» или выше; olga — инженер: попросите сделать "
                              "это пользователя с ролью «руководитель группы» или выше")

    assert "обращение CASE-999 не найдено" in russian.run("case", "show", "CASE-999", code=4)
    assert "ошибка: --at: 'вчера' — не время в формате ISO 8601" in russian.run(
        "case", "remind", case_id, "--at", "вчера", "--note", "позвонить", code=2)


@pytest.mark.parametrize(("minutes", "form"), [(1, "1 минуту"), (3, "3 минуты"),
                                                (21, "21 минуту"), (15, "15 минут")])
def test_counts_take_the_russian_plural_form(russian: Cli, minutes: int, form: str) -> None:
    from escalada.entrypoints.cli.words import ntr

    russian_env = {"LANG": "ru_RU.UTF-8", "ESCALADA_LANG": ""}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in russian_env.items():
            patch.setenv(name, value)
        said = ntr("(respond within {count} min)", "(respond within {count} min)", minutes)
    assert said == f"(ответить за {form})"


def test_escalada_lang_wins_over_the_shells_locale(russian: Cli) -> None:
    russian.env["ESCALADA_LANG"] = "en"
    assert "error: no case CASE-999" in russian.run("case", "show", "CASE-999", code=4)


def test_the_api_answers_in_the_accept_language(client: TestClient) -> None:
    missing = client.get("/api/v1/cases/CASE-999",
                         headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"})
    assert missing.status_code == 404
    assert missing.headers["content-language"] == "ru"
    assert missing.json()["message"] == "обращение CASE-999 не найдено"
    assert missing.json()["detail"] == "обращение CASE-999 не найдено"

    refused = client.post("/api/v1/accounts", headers={"Accept-Language": "ru"},
                          json={"id": "acme"})
    assert refused.status_code == 422
    assert refused.headers["content-language"] == "ru"
    problems = {p["field"]: p["reason"] for p in refused.json()["problems"]}
    assert problems["name"] == "обязательно"

    english = client.get("/api/v1/cases/CASE-999")
    assert english.headers["content-language"] == "en"
    assert english.json()["message"] == "no case CASE-999"
    unknown = client.get("/api/v1/cases/CASE-999", headers={"Accept-Language": "de"})
    assert unknown.json()["message"] == "no case CASE-999"


def test_a_users_own_language_wins_over_the_accept_language(client: TestClient,
                                                            ctx: Context) -> None:
    add_user(ctx=ctx, actor=ADMIN, name="olga", role="engineer", language="ru")
    token = create_token(ctx=ctx, actor=Actor("olga", "engineer")).token
    refused = client.post("/api/v1/accounts", json=ACME, headers={
        "Authorization": f"Bearer {token}", "Accept-Language": "en"})
    assert refused.status_code == 403
    assert refused.headers["content-language"] == "ru"
    assert refused.json()["detail"].startswith(
        "«добавление клиентов»: нужна роль «администратор» или «менеджер поддержки» и выше; "
        "olga — инженер")


def test_the_tables_of_rooms_credits_plans_people_and_accounts_read_russian(
        russian: Cli) -> None:
    case_id = russian.json("case", "open", "--account", "acme", "--severity", "P1",
                           "--title", "Сбой репликации")["snapshot"]["id"]
    russian.run("account", "update", "acme", "--monthly-fee-usd", "12000.50")
    accounts = russian.run("account", "list")
    assert [word for word in accounts.splitlines()[1].split() if word != "┃"][:3] == [
        "№", "имя", "уровень"]
    assert "12\xa0000,50\xa0$" in accounts and "часы политики" in accounts

    russian.run("credit", "propose", case_id, "--amount-usd", "1500", "--reason", "простой")
    credits = russian.run("credit", "list")
    assert "сумма" in credits and "предложен" in credits and "1\xa0500,00\xa0$" in credits
    assert "введена вручную" in credits  # компенсация, feminine

    history = russian.run("account", "history", "acme")
    assert "добавлен клиент: Acme Corp" in history and "клиент изменён:" in history
    assert "irina добавил(а) olga с ролью «инженер»" in russian.run("user", "log")
    users = russian.run("user", "list")
    assert "отображаемое имя" in users and "роль" in users
    russian.run("token", "create", "--label", "ci")
    assert "последнее использование" in russian.run("token", "list")

    russian.run("case", "escalate", case_id, "--to", "L3", "--reason", "генеральный директор")
    room = russian.run("war-room", "show", case_id)
    assert "оперативный штаб" in room and "Участники" in room and "Контрольный список" in room
    assert "обновления для клиента каждые 240 минут" in room
    assert "дек." in room or "янв." in room or " г." in room or "UTC" in room

    russian.run("user", "add", "lena", "--role", "support_director")
    russian.run("--as", "lena", "case", "resolve", case_id)
    plan = russian.run("recovery", "show", case_id)
    assert "план восстановления отношений" in plan and "этап" in plan
    assert "немедленно" in plan

    russian.run("postmortem", "start", case_id)
    shown = russian.run("postmortem", "show", case_id)
    assert f"разбор инцидента {case_id}: " in shown and "Разбор хронологии" in shown
    assert "(пока ничего)" in shown and "пункты плана действий" in shown
    assert "разборы инцидентов" in russian.run("postmortem", "list")
    assert "начат разбор инцидента; участники:" in russian.run("case", "timeline", case_id)

    timeline = russian.run("case", "timeline", case_id)
    assert "открыто обращение P1: Сбой репликации" in timeline
    assert "шаг 1: нет -> L3 (manual)" not in timeline and "вручную" in timeline
    assert "обращение решено" in timeline and "открыт оперативный штаб (L3)" in timeline
    assert "(после: шаг 1 на L3)" in timeline and "step 1 to L3" not in timeline
    russian.env["ESCALADA_LANG"] = "en"
    assert "P1 case opened: Сбой репликации" in russian.run("case", "timeline", case_id)
    russian.env.pop("ESCALADA_LANG")

    assert "ничего не найдено" in russian.run("kb", "search", "нет такого")
    assert "Портфель клиентов" in russian.run("accounts")
    health = russian.run("health", "acme")
    assert "acme: здоровье" in health and "компонент" in health and "показатель" in health
    assert "сохранены оценки 1 из 1 клиента" in russian.run("health", "refresh")
    assert "acme: сохранённые оценки здоровья" in russian.run("health", "trend", "acme")


def test_refusals_and_empty_lists_read_russian_to_the_end(russian: Cli) -> None:
    refused = russian.run("--as", "nobody", "case", "list", code=9)
    assert refused.strip() == ("ошибка: пользователь 'nobody' не найден (попросите "
                               "администратора выполнить `escalada user add`)")
    assert russian.run("incident", "list").strip() == "инцидентов платформы нет"
    assert russian.run("case", "list").strip() == "обращений нет"
    assert russian.run("credit", "list").strip() == "компенсаций нет"
    assert russian.run("hooks", "failed").strip() == "неудавшихся доставок вебхуков нет"
    assert russian.run("incident", "list", "--format", "json").strip() == "[]"

    russian.run("case", "open", "--account", "acme", "--severity", "P1", "--title", "API")
    timers = russian.run("timers", "list")
    assert [cell.strip() for cell in timers.splitlines()[1].split("┃")[1:8]] == [
        "№", "обращение", "вид", "срок", "состояние", "попытки", "итог"]
    row = [cell.strip() for cell in timers.splitlines()[3].split("│")[1:8]]
    assert row[2:5:2] == ["порог SLA", "в очереди"]  # the kind and state, not their codes
    assert "в очереди" in russian.run("timers", "status")
