"""Account health over HTTP (SQLite and PostgreSQL) and through the real `escalada`
command: the computed score, inputs, keeping and the trend, what-if scores, the
portfolio, and the refusals (bad input naming the field, roles, the typed score)."""

from __future__ import annotations

from typing import Any

import httpx
from cli_support import Cli

API = "/api/v1"
POOR = {"nps": -80, "communication_quality": 1, "proactive_outreach": 0,
        "qbr_attendance": 0, "product_feedback": 0, "advocacy": 0, "reopen_rate": 0.3}


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def problems(response: httpx.Response, status: int = 422) -> list[dict[str, str]]:
    document = ok(response, status)
    found: list[dict[str, str]] = document["problems"]
    return found


# --- API ------------------------------------------------------------------------------


def test_the_accounts_health_is_computed_with_its_missing_inputs(client, open_case, bearer):
    open_case(csat=4)
    viewer = bearer("vera", "viewer")

    health = ok(client.get(f"{API}/accounts/acme/health", headers=viewer))

    assert health["account"] == "acme" and health["band"] is not None
    satisfaction = health["components"][0]
    assert satisfaction["label"] == "Support satisfaction"  # the reader's language
    csat = satisfaction["metrics"][0]
    assert (csat["metric"], csat["value"], csat["source"], csat["source_kind"]) == (
        "csat", 4, "computed: 1 case rated (91 days)", "computed")
    assert "nps" in health["missing"] and 0 < health["coverage"] < 1
    nps = satisfaction["metrics"][1]
    assert (nps["source_kind"], nps["missing"]) == (
        None, "never entered (`escalada health input`)")

    russian = ok(client.get(f"{API}/accounts/acme/health",
                            headers={**viewer, "Accept-Language": "ru"}))
    satisfaction = russian["components"][0]
    assert satisfaction["label"] == "Удовлетворённость поддержкой"
    csat, nps = satisfaction["metrics"][:2]
    assert (csat["metric"], csat["source"], csat["source_kind"]) == (
        "csat", "вычислено: 1 обращение с оценкой (за 91 день)", "computed")
    assert (nps["metric"], nps["missing"]) == ("nps", "не вводилось (`escalada health input`)")
    assert russian["band"] == health["band"] and russian["missing"] == health["missing"]


def test_inputs_kept_scores_and_the_trend_over_http(client, account, bearer):
    lena = bearer("lena", "team_lead")
    ana = bearer("ana", "engineer")
    entered = ok(client.post(f"{API}/accounts/acme/health/inputs", headers=lena,
                             json={"inputs": {"nps": 60, "advocacy": 9},
                                   "note": "Q4 survey"}), 201)
    assert [(i["metric"], i["value"], i["entered_by"]) for i in entered] == [
        ("nps", 60, "lena"), ("advocacy", 9, "lena")]
    first = ok(client.post(f"{API}/accounts/acme/health/keep", headers=ana))
    ok(client.post(f"{API}/accounts/acme/health/inputs", headers=lena,
                   json={"inputs": POOR}), 201)
    second = ok(client.post(f"{API}/accounts/acme/health/keep", headers=ana))

    trend = ok(client.get(f"{API}/accounts/acme/health/trend"))
    assert [p["score"] for p in trend["scores"]] == [first["score"], second["score"]]
    assert second["score"] < first["score"]
    assert ok(client.get(f"{API}/accounts/acme"))["health_score"] == second["score"]
    history = ok(client.get(f"{API}/accounts/acme/history"))
    assert "health_input" in [e["kind"] for e in history]


def test_the_portfolio_and_the_account_list_by_health(client, account, bearer):
    ok(client.post(f"{API}/accounts", json={"id": "globex", "name": "Globex",
                                            "tier": "strategic", "support_plan": "business"}),
       201)
    lena = bearer("lena", "team_lead")
    ok(client.post(f"{API}/accounts/globex/health/inputs", headers=lena,
                   json={"inputs": POOR}), 201)
    refreshed = ok(client.post(f"{API}/health/refresh", headers=bearer("ana")))
    assert (refreshed["accounts"], refreshed["kept"]) == (2, 2)
    assert refreshed["dropped"] == ["globex"]

    portfolio = ok(client.get(f"{API}/portfolio", params={"sort": "health"}))
    assert [e["account"] for e in portfolio] == ["globex", "acme"]
    assert portfolio[0]["band"] == "critical" and portfolio[0]["trend"] is None
    listed = ok(client.get(f"{API}/accounts", params={"sort": "health"}))
    assert [a["id"] for a in listed] == ["globex", "acme"]
    assert problems(client.get(f"{API}/portfolio", params={"sort": "mood"}))[0]["field"] == (
        "sort")


def test_what_if_over_http(client):
    scored = ok(client.post(f"{API}/health/what-if", json={
        "support_satisfaction": 90, "ticket_trends": 90, "engagement_quality": 90,
        "relationship_strength": 90}))
    assert (scored["score"], scored["band"], scored["account"]) == (90, "excellent", None)
    [problem] = problems(client.post(f"{API}/health/what-if",
                                     json={"support_satisfaction": 101}))
    assert problem == {"field": "support_satisfaction", "reason": "must be from 0 to 100"}


def test_refusals_over_http(client, account, bearer):
    ana = bearer("ana", "engineer")
    refused = client.post(f"{API}/accounts/acme/health/inputs", headers=ana,
                          json={"inputs": {"nps": 10}})
    assert ok(refused, 403)["error"] == "not_permitted"
    [problem] = problems(client.post(f"{API}/accounts/acme/health/inputs",
                                     json={"inputs": {"nps": 500}}))
    assert problem == {"field": "nps", "reason": "must be from -100 to 100"}
    [problem] = problems(client.post(f"{API}/accounts/acme/health/inputs",
                                     json={"inputs": {"csat": 4}}))
    assert problem["field"] == "csat"
    assert ok(client.get(f"{API}/accounts/nobody/health"), 404)["error"] == "not_found"
    typed = client.patch(f"{API}/accounts/acme", json={"health_score": 40})
    assert typed.status_code == 422
    assert "escalada health input" in typed.text and "health_score" in typed.text
    body = {k: account[k] for k in ("name", "tier", "support_plan")}
    typed = client.post(f"{API}/accounts", json={**body, "id": "x", "health_score": 40})
    assert typed.status_code == 422 and "escalada health input" in typed.text


# --- CLI ------------------------------------------------------------------------------


def test_the_health_commands(cli: Cli) -> None:
    cli.run("user", "add", "lena", "--role", "team_lead")
    cli.run("account", "add", "--id", "acme", "--name", "Acme", "--tier", "strategic",
            "--plan", "enterprise")
    cli.run("account", "add", "--id", "globex", "--name", "Globex", "--tier", "enterprise",
            "--plan", "business")

    shown = cli.run("health", "acme")
    assert "acme: health" in shown and "missing: never entered" in shown
    entered = cli.run("--as", "lena", "health", "input", "acme", "--nps", "20",
                      "--qbr-attendance", "0.75", "--note", "Q4 survey")
    assert entered.startswith("acme: entered nps 20, qbr_attendance 0.75")
    scored = cli.json("health", "score", "acme")
    nps = scored["components"][0]["metrics"][1]
    assert (nps["value"], nps["source"]) == (20, "entered by lena")
    kept = cli.json("health", "keep", "acme")
    assert kept["score"] == scored["score"]
    refreshed = cli.run("health", "refresh")
    assert refreshed.startswith("kept 2 of 2 accounts' scores")
    trend = cli.json("health", "trend", "acme")
    assert len(trend["scores"]) == 2
    assert "health kept" in cli.run("health", "trend", "acme")
    portfolio = cli.json("accounts", "--sort", "health")
    assert {e["account"] for e in portfolio} == {"acme", "globex"}
    assert "Portfolio" in cli.run("accounts")

    cli.env["ESCALADA_LANG"] = "ru"  # acme writes English; the reader reads Russian
    russian = cli.run("health", "acme")
    for words in ("Удовлетворённость поддержкой", "Участие в QBR (0-1)", "введено: lena",
                  "нет данных: не вводилось (`escalada health input`)"):
        assert words in russian
    assert "entered by" not in russian and "never entered" not in russian


def test_what_if_from_the_command_line(cli: Cli) -> None:
    scored = cli.json("health", "score", "--support-satisfaction", "90", "--ticket-trends",
                      "90", "--engagement-quality", "90", "--relationship-strength", "89.9")
    assert (scored["score"], scored["band"]) == (89.97, "good")
    assert "what-if: health 50" in cli.run("health", "score", "--support-satisfaction", "50")


def test_bad_input_on_the_command_line_names_the_field(cli: Cli) -> None:
    cli.run("account", "add", "--id", "acme", "--name", "Acme", "--tier", "strategic",
            "--plan", "enterprise")
    assert "nps: must be from -100 to 100" in cli.run("health", "input", "acme", "--nps",
                                                      "101", code=2)
    assert "--support-satisfaction: must be from 0 to 100" in cli.run(
        "health", "score", "--support-satisfaction", "120", code=2)
    assert "--at: 'yesterday' is not an ISO 8601 time" in cli.run(
        "health", "acme", "--at", "yesterday", code=2)
    assert "--sort: must be one of 'id', 'name' or 'health'" in cli.run(
        "accounts", "--sort", "mood", code=2)
    assert "inputs: give at least one of" in cli.run("health", "input", "acme", code=2)
    assert "no account 'nobody'" in cli.run("health", "nobody", code=4)
    refused = cli.run("account", "update", "acme", "--health-score", "40", code=2)
    assert "--health-score: is computed" in refused and "escalada health input" in refused


def test_an_engineer_may_not_enter_inputs(cli: Cli) -> None:
    cli.run("user", "add", "egor", "--role", "engineer")
    cli.run("account", "add", "--id", "acme", "--name", "Acme", "--tier", "strategic",
            "--plan", "enterprise")
    assert "team lead or above" in cli.run("--as", "egor", "health", "input", "acme",
                                           "--nps", "10", code=7)


def test_a_date_beyond_the_years_is_refused_naming_the_field(client, account):
    [problem] = problems(client.post(f"{API}/accounts/acme/health/inputs", json={
        "inputs": {"nps": 10}, "as_of": "9999-01-01T00:00:00+00:00"}))
    assert problem["field"] == "as_of" and "years" in problem["reason"]
    [problem] = problems(client.get(f"{API}/accounts/acme/health",
                                    params={"at": "1800-01-01T00:00:00+00:00"}))
    assert problem["field"] == "at"


def test_the_trend_as_a_page_with_its_chart(client, account, bearer, cli: Cli, tmp_path):
    ok(client.post(f"{API}/accounts/acme/health/keep", headers=bearer("ana")))
    viewer = bearer("vera", "viewer")
    page = client.get(f"{API}/accounts/acme/health/trend/page",
                      headers={**viewer, "Accept-Language": "ru"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<svg" in page.text and "Здоровье аккаунта acme" in page.text
    assert "Критично (риск ухода)" in page.text  # the bands, in the reader's language
    assert "<th>сохранена (UTC)</th><th>оценка</th><th>категория</th>" in page.text
    # acme's language is Russian; an English reader reads the page in English.
    english = client.get(f"{API}/accounts/acme/health/trend/page", headers=viewer).text
    assert "Health of acme" in english and "Critical (churn risk)" in english
    assert "<th>kept at (UTC)</th><th>score</th><th>band</th>" in english
    assert "Здоровье" not in english and "Критично" not in english

    cli.run("account", "add", "--id", "globex", "--name", "Globex", "--tier", "enterprise",
            "--plan", "business")
    cli.run("health", "keep", "globex")
    cli.run("health", "trend", "globex", "--html", str(tmp_path / "trend.html"))
    written = (tmp_path / "trend.html").read_text(encoding="utf-8")
    assert "<svg" in written and "Health of globex" in written
    cli.env["ESCALADA_LANG"] = "ru"  # an English account, a Russian reader
    cli.run("health", "trend", "globex", "--html", str(tmp_path / "trend.html"))
    written = (tmp_path / "trend.html").read_text(encoding="utf-8")
    assert "Здоровье аккаунта globex" in written and "Health of" not in written


def test_a_case_reopened_from_the_command_line_counts_in_the_reopen_rate(cli: Cli) -> None:
    cli.run("account", "add", "--id", "acme", "--name", "Acme", "--tier", "enterprise",
            "--plan", "enterprise")
    case = cli.json("case", "open", "--account", "acme", "--severity", "P3",
                    "--title", "Slow API")["snapshot"]["id"]
    cli.run("case", "resolve", case, "--reason", "index added")

    refused = cli.run("case", "reopen", case, code=2)
    reopened = cli.json("case", "reopen", case, "--reason", "slow again")
    health = cli.json("health", "score", "acme")

    assert "reason" in refused
    assert reopened["snapshot"]["status"] == "investigating"
    [reopen] = [m for c in health["components"] for m in c["metrics"]
                if m["metric"] == "reopen_rate"]
    assert (reopen["value"], reopen["score"]) == (1, 0)
    assert reopen["source"].startswith("computed: 1 of 1 resolved case reopened")
