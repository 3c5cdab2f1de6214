"""`escalada mcp`: an AI agent's tools act as the user whose API token it holds, through
the same service functions as the CLI and the API. Refusals (a missing handoff package,
a role too low) come back as tool errors with the message a person gets; an unknown or
disabled token is refused before the server starts."""

from __future__ import annotations

import subprocess
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
from cli_support import ESCALADA, Cli
from examples import ADMIN, T2_HANDOFF
from mcp import Client, StdioServerParameters
from mcp.types import CallToolResult

from escalada.domain.errors import Unauthenticated
from escalada.entrypoints.agents import agent_server, token_actor
from escalada.services.context import Context
from escalada.services.people import disable_user

TOOLS = {"get_case", "evaluate_case", "list_open_escalations", "escalate", "acknowledge",
         "draft_communication", "build_report", "search_knowledge_base"}


def token_of(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


def as_agent(ctx: Context, token: str, script: Callable[[Client], Awaitable[Any]]) -> Any:
    """Run `script` with an MCP client connected in memory to the server of `token`."""

    async def main() -> Any:
        async with Client(agent_server(ctx, token_actor(ctx, token))) as client:
            return await script(client)

    return anyio.run(main)


def text_of(result: CallToolResult) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content)


def test_an_agent_lists_the_tools_reads_a_case_and_escalates_with_the_handoff(
        ctx, bearer, open_case):
    case_id = open_case()["snapshot"]["id"]
    token = token_of(bearer("agent-ana", "engineer"))

    async def script(client: Client) -> tuple[Any, ...]:
        tools = await client.list_tools()
        shown = await client.call_tool("get_case", {"case_id": case_id})
        evaluated = await client.call_tool("evaluate_case", {"case_id": case_id})
        bare = await client.call_tool("escalate", {"case_id": case_id, "to": "T2"})
        done = await client.call_tool("escalate", {"case_id": case_id, "to": "T2",
                                                   "handoff": T2_HANDOFF})
        board = await client.call_tool("list_open_escalations", {"limit": 10})
        return tools, shown, evaluated, bare, done, board

    tools, shown, evaluated, bare, done, board = as_agent(ctx, token, script)

    assert {tool.name for tool in tools.tools} == TOOLS
    escalate_schema = next(t for t in tools.tools if t.name == "escalate").input_schema
    assert set(escalate_schema["required"]) == {"case_id", "to"}
    assert not shown.is_error
    assert shown.structured_content["snapshot"]["tier"] == "T1"
    assert shown.structured_content["timeline"][0]["kind"]
    assert not evaluated.is_error, text_of(evaluated)
    assert bare.is_error
    assert "handoff package for T1 -> T2 is incomplete" in text_of(bare)
    assert "missing: troubleshooting_summary" in text_of(bare)
    assert not done.is_error, text_of(done)
    assert done.structured_content["snapshot"]["tier"] == "T2"
    assert done.structured_content["escalations"][0]["requested_by"] == "agent-ana"
    assert [c["id"] for c in board.structured_content["cases"]] == [case_id]


def test_a_viewer_agent_reads_but_is_refused_a_write_with_the_role_needed(
        ctx, bearer, open_case):
    case_id = open_case()["snapshot"]["id"]
    token = token_of(bearer("agent-vera", "viewer"))

    async def script(client: Client) -> tuple[Any, ...]:
        shown = await client.call_tool("get_case", {"case_id": case_id})
        escalated = await client.call_tool("escalate", {"case_id": case_id, "to": "T2",
                                                        "handoff": T2_HANDOFF})
        drafted = await client.call_tool("draft_communication",
                                         {"case_id": case_id, "kind": "acknowledgment"})
        missing = await client.call_tool("get_case", {"case_id": "CASE-404"})
        return shown, escalated, drafted, missing

    shown, escalated, drafted, missing = as_agent(ctx, token, script)

    assert not shown.is_error
    assert escalated.is_error
    assert "escalating a case" in text_of(escalated)
    assert drafted.is_error
    assert "drafting a message" in text_of(drafted)
    assert missing.is_error
    assert "CASE-404" in text_of(missing)


def test_an_agent_drafts_in_the_customers_language_and_builds_the_report(
        ctx, bearer, open_case):
    case_id = open_case()["snapshot"]["id"]  # Acme's language is Russian
    token = token_of(bearer("agent-lena", "team_lead"))

    async def script(client: Client) -> tuple[Any, ...]:
        drafted = await client.call_tool("draft_communication",
                                         {"case_id": case_id, "kind": "acknowledgment"})
        wrong = await client.call_tool("draft_communication",
                                       {"case_id": case_id, "kind": "limerick"})
        report = await client.call_tool("build_report", {"case_id": case_id})
        found = await client.call_tool("search_knowledge_base", {"q": " "})
        return drafted, wrong, report, found

    drafted, wrong, report, found = as_agent(ctx, token, script)

    assert not drafted.is_error, text_of(drafted)
    assert drafted.structured_content["language"] == "ru"
    assert wrong.is_error
    assert "kind: must be one of acknowledgment, " in text_of(wrong)
    assert not report.is_error, text_of(report)
    assert case_id in text_of(report)
    assert found.is_error
    assert "q: " in text_of(found)


def test_an_unknown_or_disabled_token_is_refused_before_the_server_starts(ctx, bearer):
    bearer("admin", "admin")
    token = token_of(bearer("agent-olga", "engineer"))
    disable_user(ctx=ctx, actor=ADMIN, name="agent-olga")

    with pytest.raises(Unauthenticated, match="unknown token"):
        token_actor(ctx, "not-a-token")
    with pytest.raises(Unauthenticated, match="user agent-olga is disabled"):
        token_actor(ctx, token)


def test_a_token_revoked_mid_session_stops_the_next_call(ctx, bearer, open_case):
    case_id = open_case()["snapshot"]["id"]
    token = token_of(bearer("agent-ivan", "engineer"))

    async def script(client: Client) -> Any:
        disable_user(ctx=ctx, actor=ADMIN, name="agent-ivan")
        return await client.call_tool("get_case", {"case_id": case_id})

    refused = as_agent(ctx, token, script)

    assert refused.is_error
    assert "user agent-ivan is disabled" in text_of(refused)


@pytest.mark.slow
def test_escalada_mcp_runs_over_stdio_as_the_tokens_user(tmp_path: Path, sqlite_template):
    import shutil

    shutil.copy(sqlite_template, tmp_path / "cli.db")
    cli = Cli(tmp_path)
    cli.run("user", "add", "irina", "--role", "admin")
    token = cli.run("token", "create").split()[-1]
    env = {**cli.env, "ESCALADA_TOKEN": token}

    async def main() -> Any:
        server = StdioServerParameters(command=str(ESCALADA), args=["mcp"], env=env)
        async with Client(server) as client:
            tools = await client.list_tools()
            missing = await client.call_tool("get_case", {"case_id": "CASE-1"})
            return tools, missing

    tools, missing = anyio.run(main)
    assert {tool.name for tool in tools.tools} == TOOLS
    assert missing.is_error
    assert "CASE-1" in text_of(missing)

    refused = subprocess.run([str(ESCALADA), "mcp"], env={**env, "ESCALADA_TOKEN": "nope"},
                             capture_output=True, text=True, timeout=60, check=False,
                             stdin=subprocess.DEVNULL)
    assert refused.returncode == 9, refused.stderr
    assert "unknown token" in refused.stderr


MCP_HEADERS = {"Accept": "application/json, text/event-stream",
               "Content-Type": "application/json"}


def rpc(client, method: str, params: dict[str, Any], headers: dict[str, str]) -> Any:
    """One JSON-RPC call to the API's /mcp (stateless streamable HTTP, JSON answers)."""
    return client.post("/mcp", json={"jsonrpc": "2.0", "id": 1, "method": method,
                                     "params": params}, headers={**MCP_HEADERS, **headers})


def test_the_api_serves_the_tools_at_mcp_behind_the_same_bearer_tokens(
        client, bearer, open_case):
    case_id = open_case()["snapshot"]["id"]
    viewer = bearer("agent-vera", "viewer")

    tools = rpc(client, "tools/list", {}, viewer)
    shown = rpc(client, "tools/call", {"name": "get_case", "arguments": {"case_id": case_id}},
                viewer)
    refused = rpc(client, "tools/call", {"name": "escalate", "arguments": {
        "case_id": case_id, "to": "T2", "handoff": T2_HANDOFF}}, viewer)
    anonymous = rpc(client, "tools/list", {}, {"Authorization": ""})
    unknown = rpc(client, "tools/list", {}, {"Authorization": "Bearer nope"})

    assert tools.status_code == 200, tools.text
    assert {tool["name"] for tool in tools.json()["result"]["tools"]} == TOOLS
    assert shown.json()["result"]["structuredContent"]["snapshot"]["id"] == case_id
    assert refused.json()["result"]["isError"] is True
    assert "escalating a case" in refused.json()["result"]["content"][0]["text"]
    assert (anonymous.status_code, anonymous.json()["error"]) == (401, "unauthenticated")
    assert unknown.status_code == 401
    assert unknown.json()["detail"] == "unknown token"
