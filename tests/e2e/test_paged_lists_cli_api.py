"""Every list over HTTP and through the `escalada` command pages as the case board does:
a bare JSON array, the next page in `X-Next-Cursor` and `Link` (422 naming `limit` or
`cursor` when wrong); `--limit`, `--cursor` and `--all` in the CLI, the next page's
--cursor on stderr. Each list's filters are query parameters and options."""

from __future__ import annotations

import json
from typing import Any

import pytest
import zendesk_support
from cli_support import Cli
from fastapi.testclient import TestClient

API = "/api/v1"


@pytest.fixture
def records(client: TestClient, open_case: Any, bearer: Any) -> dict[str, str]:
    """A case with a few timeline entries, its account renamed twice: every list below
    has at least three items."""
    case_id = open_case()["snapshot"]["id"]
    for flag in ("churn_threat", "legal_action_threatened"):
        assert client.post(f"{API}/cases/{case_id}/flags", json={"flags": [flag]}).is_success
    for name in ("Acme One", "Acme Two"):
        assert client.patch(f"{API}/accounts/acme", json={"name": name}).is_success
    for account in ("globex", "initech", "umbrella"):
        assert client.post(f"{API}/accounts", json={
            "id": account, "name": account.title(), "support_plan": "business",
            "tier": "strategic" if account != "globex" else "standard"}).is_success
    for name, role in (("olga", "team_lead"), ("lena", "team_lead"), ("vera", "viewer")):
        assert client.post(f"{API}/users", json={"name": name, "role": role}).is_success
    tokens = [client.post(f"{API}/tokens", json={"label": f"ci {n}"}).json() for n in range(3)]
    assert client.post(f"{API}/tokens/{tokens[0]['id']}/revoke").is_success
    credits = [client.post(f"{API}/cases/{case_id}/credits", json={
        "amount_usd": "100", "reason": "downtime"}).json() for _ in range(4)]
    assert client.post(f"{API}/credits/{credits[0]['id']}/reject", json={"reason": "no"},
                       headers=bearer("maria", "support_manager")).is_success
    for sender, text in (("customer", "Still down"), ("vendor", "Looking"),
                         ("customer", "Any news?")):
        assert client.post(f"{API}/cases/{case_id}/messages",
                           json={"from": sender, "text": text}).is_success
    made = [client.post(f"{API}/cases/{case_id}/commitments", headers=bearer("ana"), json={
        "what": f"Update {n}", "due_at": f"2026-12-0{n + 1}"}).json() for n in range(3)]
    assert client.post(f"{API}/cases/{case_id}/commitments/{made[0]['id']}/close",
                       json={"note": "sent"}, headers=bearer("ana")).is_success
    for service, region in (("rds", "eu-central-1"), ("s3", "eu-central-1"), ("rds", "us-east-1")):
        opened = client.post(f"{API}/incidents", json={"service": service, "region": region})
        assert opened.status_code == 201, opened.text
    for name in ("office", "moscow", "berlin"):
        assert client.post(f"{API}/calendars/{name}", json={
            "timezone": "UTC", "hours": ["09:00-18:00"], "days": "mon-fri"}).is_success
    for name, channel in (("crm", "webhook"), ("team-room", "slack"), ("pager", "webhook")):
        added = client.post(f"{API}/endpoints", json={
            "name": name, "channel": channel, "url": f"https://{name}.example.com/in"})
        assert added.status_code == 201, added.text
    for name, level in (("Ivan Petrov", "vp"), ("Olga Ivanova", "staff"), ("Anna Kim", "vp")):
        assert client.post(f"{API}/accounts/acme/contacts",
                           json={"name": name, "level": level}).is_success
    for kind, to in (("acknowledgment", "cto@acme.example"), ("acknowledgment", "it@acme.example"),
                     ("handoff", "t2@example.com")):
        draft = client.post(f"{API}/cases/{case_id}/drafts", json={"kind": kind}).json()
        sent = client.post(f"{API}/drafts/{draft['id']}/send", json={
            "channel": "email", "to": to, "deliver_now": False})
        assert sent.status_code == 201, sent.text
    return {"case": case_id}


# Each paged list: its path (after the records above), a filter of its own and what each
# item it keeps has (the filter itself, unless said).
LISTS = [
    pytest.param("/cases/{case}/timeline", {"kind": "flag_set"}, None, id="timeline"),
    pytest.param("/accounts/acme/history", {"kind": "account_updated"}, None,
                 id="account-history"),
    pytest.param("/accounts", {"tier": "strategic"}, None, id="accounts"),
    pytest.param("/portfolio", {"tier": "strategic"}, None, id="portfolio"),
    pytest.param("/users", {"role": "team_lead"}, None, id="users"),
    pytest.param("/people/log", {"kind": "user_added"}, None, id="people-log"),
    pytest.param("/tokens?user=all", {"active": "true"}, {"revoked_at": None}, id="tokens"),
    pytest.param("/credits", {"state": "proposed"}, None, id="credits"),
    pytest.param("/cases/{case}/credits", {"state": "proposed"}, None, id="case-credits"),
    pytest.param("/outbox", {"audience": "customer"}, None, id="outbox"),
    pytest.param("/timers?case={case}", {"state": "pending"}, None, id="timers"),
    pytest.param("/accounts/acme/contacts", {"level": "vp"}, None, id="contacts"),
    pytest.param("/cases/{case}/messages", {"from": "customer"}, {"sender": "customer"},
                 id="messages"),
    pytest.param("/cases/{case}/drafts", {"kind": "acknowledgment"}, None, id="drafts"),
    pytest.param("/cases/{case}/commitments", {"state": "open"}, None, id="commitments"),
    pytest.param("/endpoints", {"channel": "webhook"}, None, id="endpoints"),
    pytest.param("/incidents", {"service": "rds"}, None, id="incidents"),
    pytest.param("/cases/{case}/communications", {"audience": "customer"}, None,
                 id="communications"),
]


def every_page(client: TestClient, path: str, **params: Any) -> list[list[Any]]:
    """Each page's items, following the Link header to the end."""
    pages = []
    response = client.get(path, params=params)
    while True:
        assert response.status_code == 200, response.text
        pages.append(response.json())
        if "Link" not in response.headers:
            assert "X-Next-Cursor" not in response.headers
            return pages
        link = response.headers["Link"]
        assert link.endswith('>; rel="next"')
        response = client.get(link[1:link.index(">")])


@pytest.mark.parametrize(("path", "filters", "kept"), LISTS)
def test_a_list_pages_by_its_link_header_and_the_pages_make_the_whole_list(
    client: TestClient, records: dict[str, str], path: str, filters: dict[str, Any],
    kept: dict[str, Any] | None,
) -> None:
    url = API + path.format(**records)
    whole = client.get(url, params={"limit": 500}).json()

    pages = every_page(client, url, limit=1)

    assert len(whole) >= 3 and [page for page in pages if len(page) != 1] == []
    assert [item for page in pages for item in page] == whole


@pytest.mark.parametrize(("path", "filters", "kept"), LISTS)
def test_a_lists_filters_are_query_parameters_kept_across_pages(
    client: TestClient, records: dict[str, str], path: str, filters: dict[str, Any],
    kept: dict[str, Any] | None,
) -> None:
    url = API + path.format(**records)
    whole = client.get(url).json()

    filtered = [item for page in every_page(client, url, limit=1, **filters) for item in page]

    assert 2 <= len(filtered) < len(whole)
    assert all(item[name] == value for item in filtered
               for name, value in (kept or filters).items())


@pytest.mark.parametrize(("path", "filters", "kept"), LISTS)
def test_a_bad_limit_or_cursor_is_422_naming_it(
    client: TestClient, records: dict[str, str], path: str, filters: dict[str, Any],
    kept: dict[str, Any] | None,
) -> None:
    url = API + path.format(**records)
    for params, field in (({"limit": 0}, "limit"), ({"limit": 501}, "limit"),
                          ({"cursor": "garbage"}, "cursor"), ({"colour": "red"}, "colour")):
        refused = client.get(url, params=params)

        assert refused.status_code == 422, (params, refused.text)
        assert [p["field"] for p in refused.json()["problems"]] == [field], refused.text


def test_calendars_page_by_name(client: TestClient, records: dict[str, str]) -> None:
    pages = every_page(client, f"{API}/calendars", limit=2)

    assert [[c["spec"]["name"] for c in page] for page in pages] == [
        ["berlin", "moscow"], ["office"]]
    assert client.get(f"{API}/calendars", params={"limit": 0}).status_code == 422


def test_the_timeline_from_a_time(client: TestClient, records: dict[str, str]) -> None:
    url = f"{API}/cases/{records['case']}/timeline"
    entries = client.get(url).json()

    since = client.get(url, params={"since": entries[-1]["at"]}).json()
    refused = client.get(url, params={"since": "yesterday"})

    assert since and all(e["at"] >= entries[-1]["at"] for e in since)
    assert refused.status_code == 422 and refused.json()["problems"][0]["field"] == "since"


# CLI


def _case(cli: Cli) -> str:
    cli.run("account", "add", "--id", "acme", "--name", "Acme Corp", "--tier", "enterprise",
            "--support-plan", "enterprise")
    case_id: str = cli.json("case", "open", "--account", "acme", "--severity", "P2",
                            "--title", "Checkout down")["snapshot"]["id"]
    for flag in ("churn_threat", "legal_action_threatened"):
        cli.run("case", "flag", case_id, flag)
    for name in ("Acme One", "Acme Two"):
        cli.run("account", "update", "acme", "--name", name)
    for account in ("globex", "initech"):
        cli.run("account", "add", "--id", account, "--name", account.title(), "--tier",
                "strategic", "--support-plan", "business")
    for name in ("olga", "lena"):
        cli.run("user", "add", name, "--role", "team_lead")
    for label in ("ci", "cron", "laptop"):
        cli.run("token", "create", "--label", label)
    for _ in range(3):
        cli.run("credit", "propose", case_id, "--amount-usd", "100", "--reason", "downtime")
    for name, level in (("Ivan Petrov", "vp"), ("Olga Ivanova", "staff"), ("Anna Kim", "vp")):
        cli.run("account", "contact", "add", "acme", "--name", name, "--level", level)
    for text in ("Still down", "Any news?", "Спасибо, ждём"):
        cli.run("case", "message", case_id, "--text", text)
    for n in range(3):
        cli.run("case", "commit", case_id, "--what", f"Update {n}", "--due", f"2030-01-0{n + 1}")
    for _ in range(3):
        cli.run("comms", "draft", case_id, "--kind", "acknowledgment")
    return case_id


def test_cli_lists_page_with_limit_cursor_and_all(cli: Cli) -> None:
    case_id = _case(cli)
    for command in (("case", "timeline", case_id), ("account", "history", "acme"),
                    ("account", "list"), ("accounts",), ("user", "list"), ("user", "log"),
                    ("token", "list", "--everyone"), ("credit", "list"),
                    ("timers", "list", "--case", case_id),
                    ("account", "contact", "list", "acme"), ("case", "messages", case_id),
                    ("case", "commitments", case_id), ("comms", "drafts", case_id)):
        whole = cli.json(*command, "--limit", "500")
        first = cli.call(*command, "--limit", "1", "--format", "json")
        cursor = first.stderr.split("--cursor ")[1].strip()
        second = cli.json(*command, "--limit", "1", "--cursor", cursor)

        assert first.code == 0 and len(whole) >= 3, command
        assert [*json.loads(first.stdout), *second] == whole[:2], command
        assert cli.json(*command, "--all", "--limit", "1") == whole, command
        assert "--limit" in cli.run(*command, "--limit", "0", code=2), command
        assert "--cursor" in cli.run(*command, "--cursor", "garbage", code=2), command


def test_cli_list_filters(cli: Cli) -> None:
    case_id = _case(cli)

    flags = cli.json("case", "timeline", case_id, "--kind", "flag_set")
    updates = cli.json("account", "history", "acme", "--kind", "account_updated")

    assert [e["kind"] for e in flags] == ["flag_set", "flag_set"]
    assert [e["kind"] for e in updates] == ["account_updated", "account_updated"]
    assert "--since" in cli.run("case", "timeline", case_id, "--since", "soon", code=2)
    assert [a["id"] for a in cli.json("account", "list", "--tier", "strategic")] == [
        "globex", "initech"]
    assert [e["account"] for e in cli.json("accounts", "--name", "glob")] == ["globex"]
    assert "--band" in cli.run("account", "list", "--band", "ok", code=2)
    assert [u["name"] for u in cli.json("user", "list", "--role", "team_lead")] == [
        "lena", "olga"]
    assert [e["user_name"] for e in cli.json("user", "log", "--kind", "user_added")][-2:] == [
        "olga", "lena"]
    assert len(cli.json("credit", "list", "--account", "acme", "--state", "proposed")) == 3
    assert cli.json("credit", "list", "--state", "approved") == []
    tokens = cli.json("token", "list", "--active")
    assert [t["label"] for t in tokens][-3:] == ["ci", "cron", "laptop"]


def test_accounts_by_health_are_the_same_account_views_with_their_standing(
    client: TestClient, records: dict[str, str],
) -> None:
    by_id = client.get(f"{API}/accounts").json()
    by_health = client.get(f"{API}/accounts", params={"sort": "health"}).json()
    acme = client.get(f"{API}/accounts/acme").json()

    assert sorted(a["id"] for a in by_health) == [a["id"] for a in by_id]
    [listed] = [a for a in by_health if a["id"] == "acme"]
    assert listed == {**acme, "health_band": None, "health_trend": None,
                      "open_escalations": 0, "last_escalation_at": None}
    refused = client.get(f"{API}/accounts", params={"band": "ok"})
    assert refused.status_code == 422 and refused.json()["problems"][0]["field"] == "band"


def test_knowledge_base_results_page_best_first(client: TestClient, open_case: Any) -> None:
    texts = ("Failover of the replica stalled", "Failover failover: the replica never came back",
             "Failover script timed out", "Network flap")
    for text in texts:
        case_id = open_case(title=text)["snapshot"]["id"]
        assert client.put(f"{API}/cases/{case_id}/rca", json={"technical": text}).is_success
    whole = client.get(f"{API}/kb", params={"q": "failover", "limit": 100}).json()

    pages = every_page(client, f"{API}/kb", q="failover", limit=1)
    refused = client.get(f"{API}/kb", params={"q": "failover", "cursor": "garbage"})

    assert len(whole) == 3 and [len(page) for page in pages] == [1, 1, 1]
    assert [hit for page in pages for hit in page] == whole
    assert refused.status_code == 422 and refused.json()["problems"][0]["field"] == "cursor"


def test_help_desk_webhook_deliveries_page_newest_first(
    client: TestClient, ctx: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    secret = "zendesk-shared-secret"
    monkeypatch.setenv("ESCALADA_ZENDESK_WEBHOOK_SECRET", secret)
    now = ctx.clock()
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    for n in range(3):  # no organisation is mapped to an account: each delivery fails
        body = json.dumps({
            "id": f"evt-{n}", "type": "zen:event-type:ticket.created", "time": stamp,
            "subject": f"zen:ticket:{n}", "zendesk_event_version": "2022-11-06",
            "account_id": 1, "detail": {"id": str(n), "organization_id": "900",
                                        "priority": "URGENT", "status": "NEW",
                                        "subject": "API returns 500"}, "event": {}}).encode()
        client.post(f"{API}/hooks/zendesk", content=body,
                    headers=zendesk_support.signed(body, now, secret))

    pages = every_page(client, f"{API}/hooks/deliveries", limit=2, state="failed")
    jira = client.get(f"{API}/hooks/deliveries", params={"source": "jira"}).json()

    assert [[d["event_id"] for d in page] for page in pages] == [["evt-2", "evt-1"], ["evt-0"]]
    assert jira == []
    assert client.get(f"{API}/hooks/deliveries", params={"limit": 501}).status_code == 422
