"""`escalada kb search` and GET /api/v1/kb: root causes found in any inflection, best
first, a viewer may search, and bad queries, languages and limits are refused (422 naming
the parameter / exit 2)."""

from __future__ import annotations

from cli_support import Cli

API = "/api/v1"


def test_the_api_finds_root_causes_in_any_inflection(client, open_case, bearer):
    storage = open_case(title="Volumes detach")["snapshot"]["id"]
    network = open_case(title="Packets lost")["snapshot"]["id"]
    assert client.put(f"{API}/cases/{storage}/rca", json={
        "technical": "Сбой контроллера хранилища", "process": "Сбои не мониторились"},
    ).status_code == 200
    assert client.put(f"{API}/cases/{network}/rca", json={
        "technical": "Сбоями маршрутизации никто не занимался"}).status_code == 200

    found = client.get(f"{API}/kb", params={"q": "сбоя", "lang": "ru"},
                       headers=bearer("vera", "viewer"))
    one = client.get(f"{API}/kb", params={"q": "сбой хранилища", "limit": 1})

    assert found.status_code == 200, found.text
    assert [hit["case"] for hit in found.json()] == [storage, network]  # twice beats once
    assert found.json()[0]["kind"] == "root_cause"
    assert [hit["case"] for hit in one.json()] == [storage]
    again = open_case(title="Volumes detach again")["snapshot"]["id"]
    similar = client.get(f"{API}/cases/{again}/similar")
    assert similar.status_code == 200, similar.text
    assert [hit["case"] for hit in similar.json()] == [storage, network]  # title, service
    assert client.get(f"{API}/cases/CASE-404/similar").status_code == 404
    # The case's own view names them too, and its timeline told when it opened.
    shown = client.get(f"{API}/cases/{again}").json()
    assert [hit["case"] for hit in shown["similar"]] == [storage, network]
    timeline = client.get(f"{API}/cases/{again}/timeline").json()
    assert "similar_escalations" in [entry["kind"] for entry in timeline]


def test_bad_searches_name_the_parameter(client):
    empty = client.get(f"{API}/kb", params={"q": " "})
    lang = client.get(f"{API}/kb", params={"q": "сбой", "lang": "de"})
    limit = client.get(f"{API}/kb", params={"q": "сбой", "limit": 1000})
    anonymous = client.get(f"{API}/kb", params={"q": "сбой"}, headers={"Authorization": ""})

    for response, field in ((empty, "q"), (lang, "lang"), (limit, "limit")):
        assert response.status_code == 422
        assert [problem["field"] for problem in response.json()["problems"]] == [field]
    assert anonymous.status_code == 401


def test_the_knowledge_base_through_the_command_line(cli: Cli) -> None:
    cli.run("account", "add", "--id", "acme", "--name", "Acme Corp", "--tier", "enterprise",
            "--plan", "enterprise", "--timezone", "Europe/Moscow", "--country", "RU",
            "--language", "en")
    case_id = cli.json("case", "open", "--account", "acme", "--severity", "P1", "--title",
                       "Database unreachable")["snapshot"]["id"]
    cli.run("case", "rca", case_id, "--technical", "The RDS failover left clients behind")
    cli.run("user", "add", "vera", "--role", "viewer")

    shown = cli.run("--as", "vera", "kb", "search", "rds failovers")
    found = cli.json("kb", "search", "Failover", "--lang", "en", "--format", "json")
    nothing = cli.run("kb", "search", "storage")
    reindexed = cli.run("kb", "reindex")
    bad_lang = cli.run("kb", "search", "failover", "--lang", "fr", code=2)
    bad_limit = cli.run("kb", "search", "failover", "--limit", "0", code=2)
    empty = cli.run("kb", "search", "", code=2)
    again = cli.json("case", "open", "--account", "acme", "--severity", "P2", "--title",
                     "Failover stuck again")["snapshot"]["id"]
    suggested = cli.run("case", "show", again)
    suggested_json = cli.json("case", "show", again, "--format", "json")

    assert case_id in shown and "The RDS failover left clients behind" in shown
    assert [hit["case"] for hit in found] == [case_id]
    assert "nothing found" in nothing and "1 entry indexed" in reindexed
    assert "similar past escalations" in suggested and case_id in suggested
    assert f"{case_id} root cause:" in suggested  # its kind in words, not its key
    assert [hit["case"] for hit in suggested_json["similar"]] == [case_id]
    assert "lang" in bad_lang and "limit" in bad_limit and "q: must not be empty" in empty
