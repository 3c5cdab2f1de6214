"""The case board over HTTP and through the `escalada` command: a page as a bare JSON array
with the next page in `X-Next-Cursor` and `Link`, filters and sorts as query parameters
and options, `--all` for every page, and bad input refused naming the field (422 / exit 2)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cli_support import Cli
from examples import ADMIN
from fastapi.testclient import TestClient

from escalada.services.context import Actor, Context
from escalada.services.people import add_user, create_token

API = "/api/v1"
OpenCase = Callable[..., dict[str, Any]]


def ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [case["id"] for case in response.json()]


# API


def test_a_page_is_a_bare_array_and_its_headers_lead_to_the_next_one(
    client: TestClient, open_case: OpenCase,
) -> None:
    opened = [open_case(title=f"case {n}")["snapshot"]["id"] for n in range(5)]

    first = client.get(f"{API}/cases", params={"limit": 2, "status": "open"})
    link = first.headers["Link"]
    second = client.get(link[1:link.index(">")])
    third = client.get(f"{API}/cases", params={"limit": 2, "status": "open",
                                               "cursor": second.headers["X-Next-Cursor"]})

    assert (ids(first), ids(second), ids(third)) == (opened[:2], opened[2:4], opened[4:])
    assert link.endswith('>; rel="next"') and "status=open" in link and "limit=2" in link
    assert "X-Next-Cursor" not in third.headers and "Link" not in third.headers
    assert set(first.json()[0]) >= {"id", "account", "title", "severity", "status", "tier",
                                    "exec_level", "sla_due_at", "updated_at"}


def test_the_old_open_parameter_and_the_default_page(
    client: TestClient, open_case: OpenCase,
) -> None:
    opened = [open_case()["snapshot"]["id"] for _ in range(3)]
    client.post(f"{API}/cases/{opened[0]}/resolve", json={})

    assert ids(client.get(f"{API}/cases", params={"open": "true"})) == opened[1:]
    assert ids(client.get(f"{API}/cases")) == opened


def test_filters_and_sorts_are_query_parameters(
    client: TestClient, open_case: OpenCase,
) -> None:
    p1 = open_case()["snapshot"]["id"]
    p4 = open_case(severity="P4")["snapshot"]["id"]

    assert ids(client.get(f"{API}/cases", params={"severity": "P4"})) == [p4]
    assert ids(client.get(f"{API}/cases", params={"sort": "sla_due"})) == [p1, p4]
    assert ids(client.get(f"{API}/cases", params={"sort": "updated"})) == [p4, p1]


def test_bad_paging_input_is_422_naming_the_field(client: TestClient) -> None:
    for params, field in (({"limit": 0}, "limit"), ({"limit": 501}, "limit"),
                          ({"sort": "title"}, "sort"), ({"cursor": "garbage"}, "cursor"),
                          ({"vendor": "ibm"}, "vendor"), ({"colour": "red"}, "colour")):
        refused = client.get(f"{API}/cases", params=params)

        assert refused.status_code == 422, (params, refused.text)
        assert [p["field"] for p in refused.json()["problems"]] == [field], refused.text


def test_listing_needs_a_token(client: TestClient) -> None:
    assert client.get(f"{API}/cases", headers={"Authorization": ""}).status_code == 401


def test_a_bad_token_is_401_before_bad_paging_input_is_422(client: TestClient,
                                                            ctx: Context) -> None:
    """The page checks the token in its own call: a request FastAPI refuses for its
    fields first is still answered as a token dependency would have answered it."""
    for headers, message in (({"Authorization": ""}, "no bearer token"),
                             ({"Authorization": "Bearer esc_nobodys"}, "unknown token")):
        refused = client.get(f"{API}/cases", params={"limit": 0}, headers=headers)
        assert refused.status_code == 401, refused.text
        assert refused.json()["detail"].startswith(message)
    add_user(ctx=ctx, actor=ADMIN, name="olga", role="engineer", language="ru")
    token = create_token(ctx=ctx, actor=Actor("olga", "engineer")).token
    refused = client.get(f"{API}/cases", params={"limit": 0}, headers={
        "Authorization": f"Bearer {token}", "Accept-Language": "en"})
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-language"] == "ru"  # olga's own language, as before


# CLI


def _cases(cli: Cli, count: int) -> list[str]:
    cli.run("account", "add", "--id", "acme", "--name", "Acme Corp", "--tier", "enterprise",
            "--plan", "enterprise")
    return [cli.json("case", "open", "--account", "acme", "--severity", "P2",
                     "--title", f"case {n}")["snapshot"]["id"] for n in range(count)]


def test_the_cli_prints_a_page_and_says_on_stderr_how_to_ask_for_the_next(cli: Cli) -> None:
    opened = _cases(cli, 3)

    first = cli.call("case", "list", "--limit", "2")
    cursor = first.stderr.split("--cursor ")[1].strip()
    second = cli.call("case", "list", "--limit", "2", "--cursor", cursor)

    assert first.code == second.code == 0
    assert [line.split()[0] for line in first.stdout.splitlines()] == ["case", *opened[:2]]
    assert [line.split()[0] for line in second.stdout.splitlines()] == ["case", opened[2]]
    assert second.stderr == ""


def test_the_cli_streams_every_page_with_all(cli: Cli) -> None:
    opened = _cases(cli, 3)

    listed = cli.json("case", "list", "--all", "--limit", "1", "--open", "--sort", "sla_due")
    lines = cli.run("case", "list", "--all", "--limit", "1").splitlines()

    assert [case["id"] for case in listed] == opened
    assert [line.split()[0] for line in lines] == ["case", *opened]


def test_the_cli_refuses_bad_paging_input_naming_the_option(cli: Cli) -> None:
    assert "limit" in cli.run("case", "list", "--limit", "0", code=2)
    assert "sort" in cli.run("case", "list", "--sort", "title", code=2)
    assert "cursor" in cli.run("case", "list", "--cursor", "garbage", code=2)
    assert cli.json("case", "list", "--all") == []
