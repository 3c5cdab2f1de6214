"""`escalada mcp`: an AI agent's tools act as the user whose API token it holds, through
the same service functions as the CLI and the API. Refusals (a missing handoff package,
a role too low) come back as tool errors with the message a person gets; an unknown or
disabled token is refused before the server starts."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import anyio
import pytest
from cli_support import ESCALADA, Cli
from examples import ADMIN, DESIGN_SNAPSHOT, T2_HANDOFF, T3_HANDOFF, VENDOR_HANDOFF
from fake_aws_health import FakeAwsHealth, fake_aws_health  # noqa: F401
from fake_aws_support import fake_aws  # noqa: F401
from mcp import Client, MCPError, StdioServerParameters
from mcp.types import CallToolResult
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError

from escalada.domain.errors import Unauthenticated
from escalada.entrypoints.agents import agent_server, token_actor
from escalada.services import agent_audit, escalations
from escalada.services.context import Context
from escalada.services.people import disable_user, update_user

TOOLS = {"get_case", "evaluate_case", "list_open_escalations", "escalate", "acknowledge",
         "draft_communication", "build_report", "search_knowledge_base", "evaluate_snapshot",
         "open_vendor_case", "propose_credit", "approve_credit", "reject_credit",
         "list_incidents", "get_incident", "post_incident_update", "list_vendor_health"}


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
    assert drafted.structured_content["language_reason"] == "the account's language is Russian"
    assert wrong.is_error
    assert "kind: must be one of acknowledgment, " in text_of(wrong)
    assert not report.is_error, text_of(report)
    assert case_id in text_of(report)
    assert found.is_error
    assert "q: " in text_of(found)


def test_a_russian_speaking_agents_user_is_told_why_a_draft_is_in_its_language_in_russian(
        ctx, bearer, open_case):
    """The user's language (their setting) is the one refusals (a missing handoff item
    named by its id) and the draft's `language_reason` are told in; the draft itself is
    in the customer's."""
    case_id = open_case()["snapshot"]["id"]
    token = token_of(bearer("agent-olga", "team_lead"))
    update_user(ctx=ctx, actor=ADMIN, name="agent-olga", changes={"language": "ru"})

    async def script(client: Client) -> tuple[Any, ...]:
        drafted = await client.call_tool("draft_communication",
                                         {"case_id": case_id, "kind": "acknowledgment"})
        english = await client.call_tool("draft_communication", {
            "case_id": case_id, "kind": "acknowledgment", "lang": "en"})
        missing = await client.call_tool("get_case", {"case_id": "CASE-404"})
        bare = await client.call_tool("escalate", {"case_id": case_id, "to": "T2"})
        return drafted, english, missing, bare

    drafted, english, missing, bare = as_agent(ctx, token, script)

    assert not drafted.is_error, text_of(drafted)
    assert (drafted.structured_content["language"],
            drafted.structured_content["language_reason"]) == ("ru", "язык клиента — русский")
    assert "Здравствуйте" in drafted.structured_content["body"]
    assert (english.structured_content["language"],
            english.structured_content["language_reason"]) == (
        "en", "английский — по просьбе agent-olga")
    assert missing.is_error and "обращение CASE-404 не найдено" in text_of(missing)
    assert bare.is_error and "\nне хватает: troubleshooting_summary" in text_of(bare)
    assert "missing" not in text_of(bare)


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
    """The issue's end-to-end check: `escalada mcp` as a subprocess, the MCP client lists
    the tools, evaluates, drafts, and a team lead's agent is refused a credit approval
    above its authority."""
    import shutil

    shutil.copy(sqlite_template, tmp_path / "cli.db")
    cli = Cli(tmp_path)
    cli.run("user", "add", "irina", "--role", "admin")
    cli.run("user", "add", "eve", "--role", "engineer")
    cli.run("user", "add", "agent-lena", "--role", "team_lead")
    cli.run("account", "add", "--id", "acme", "--name", "Acme", "--tier", "enterprise",
            "--support-plan", "enterprise", "--language", "ru")
    cli.run("case", "open", "--account", "acme", "--severity", "P1", "--title", "Down")
    credit = cli.json("--as", "eve", "credit", "propose", "CASE-1", "--amount-usd", "2000",
                      "--reason", "four hours down")
    token = cli.run("--as", "agent-lena", "token", "create").split()[-1]
    env = {**cli.env, "ESCALADA_TOKEN": token}

    async def main() -> Any:
        server = StdioServerParameters(command=str(ESCALADA), args=["mcp"], env=env)
        async with Client(server) as client:
            return (await client.list_tools(),
                    await client.call_tool("get_case", {"case_id": "CASE-9"}),
                    await client.call_tool("evaluate_case", {"case_id": "CASE-1"}),
                    await client.call_tool("evaluate_snapshot", {"snapshot": DESIGN_SNAPSHOT,
                                                                 "at": TEN_PAST_EIGHT}),
                    await client.call_tool("draft_communication",
                                           {"case_id": "CASE-1", "kind": "acknowledgment"}),
                    await client.call_tool("approve_credit", {"credit_id": credit["id"],
                                                              "reason": "owed"}))

    tools, missing, evaluated, snapshot, drafted, approval = anyio.run(main)
    assert {tool.name for tool in tools.tools} == TOOLS
    assert missing.is_error
    assert "CASE-9" in text_of(missing)
    assert not evaluated.is_error, text_of(evaluated)
    assert evaluated.structured_content["case"] == "CASE-1"
    assert snapshot.structured_content["case"] == "CASE-1042"
    assert not drafted.is_error, text_of(drafted)
    assert drafted.structured_content["language"] == "ru"
    assert approval.is_error
    assert "needs the role support manager or above" in text_of(approval)

    calls = cli.json("--as", "irina", "audit", "agents", "--user", "agent-lena")
    assert [(c["tool"], c["outcome"]) for c in calls] == [
        ("get_case", "refused"), ("evaluate_case", "answered"),
        ("evaluate_snapshot", "answered"), ("draft_communication", "started"),
        ("draft_communication", "answered"), ("approve_credit", "started"),
        ("approve_credit", "refused")]
    assert calls[0]["arguments"] == {"case_id": "CASE-9"}
    assert calls[-1]["arguments"] == {  # the reason is not kept
        "credit_id": credit["id"], "started": calls[-2]["id"]}
    assert "needs the role support manager or above" in calls[-1]["reason"]
    assert all(c["actor"] == "agent-lena" and c["intact"] for c in calls)
    assert "Agent call log intact: 7 entries checked." in cli.run("audit", "agents-verify")
    table = cli.run("--as", "irina", "audit", "agents", "--outcome", "refused")
    assert "approve_credit" in table and "refused" in table
    russian = Cli(tmp_path)
    russian.env["ESCALADA_LANG"] = "ru"
    assert "Журнал вызовов агентов цел" in russian.run("audit", "agents-verify")
    assert "отклонён" in russian.run("--as", "irina", "audit", "agents", "--outcome", "refused")

    refused = subprocess.run([str(ESCALADA), "mcp"], env={**env, "ESCALADA_TOKEN": "nope"},
                             capture_output=True, text=True, timeout=60, check=False,
                             stdin=subprocess.DEVNULL)
    assert refused.returncode == 9, refused.stderr
    assert "unknown token" in refused.stderr


TEN_PAST_EIGHT = "2026-11-26T10:08:00+00:00"


def test_an_agent_evaluates_a_raw_snapshot_and_is_told_the_bad_field(ctx, bearer):
    bearer("admin", "admin")
    token = token_of(bearer("agent-vera", "viewer"))
    bad = {**DESIGN_SNAPSHOT, "account": {**DESIGN_SNAPSHOT["account"], "tier": "gold"}}

    async def script(client: Client) -> tuple[Any, ...]:
        good = await client.call_tool("evaluate_snapshot",
                                      {"snapshot": DESIGN_SNAPSHOT, "at": TEN_PAST_EIGHT})
        wrong = await client.call_tool("evaluate_snapshot", {"snapshot": bad})
        return good, wrong

    good, wrong = as_agent(ctx, token, script)

    assert not good.is_error, text_of(good)
    assert good.structured_content["case"] == "CASE-1042"
    assert [(r["from"], r["to"]) for r in good.structured_content["recommendations"]] == [
        ("T1", "T2"), (None, "L2")]
    assert wrong.is_error
    assert "account.tier" in text_of(wrong)


def test_an_agent_proposes_a_credit_and_is_refused_an_approval_above_its_role(
        ctx, bearer, open_case):
    case_id = open_case()["snapshot"]["id"]
    proposer = token_of(bearer("agent-ana", "engineer"))
    lead = token_of(bearer("agent-lena", "team_lead"))
    manager = token_of(bearer("agent-maria", "support_manager"))

    def call(token: str, name: str, arguments: dict[str, Any]) -> CallToolResult:
        async def script(client: Client) -> CallToolResult:
            return await client.call_tool(name, arguments)

        result: CallToolResult = as_agent(ctx, token, script)
        return result

    proposed = call(proposer, "propose_credit", {"case_id": case_id, "amount_usd": "2000",
                                                 "reason": "four hours down"})
    nothing = call(proposer, "propose_credit", {"case_id": case_id})
    assert not proposed.is_error, text_of(proposed)
    credit_id = proposed.structured_content["id"]
    assert proposed.structured_content["state"] == "proposed"
    assert nothing.is_error
    assert "amount_usd: " in text_of(nothing)

    above = call(lead, "approve_credit", {"credit_id": credit_id, "reason": "agreed"})
    own = call(proposer, "approve_credit", {"credit_id": credit_id, "reason": "agreed"})
    approved = call(manager, "approve_credit", {"credit_id": credit_id, "reason": "agreed"})

    assert above.is_error
    assert "needs the role support manager or above" in text_of(above)
    assert own.is_error
    assert not approved.is_error, text_of(approved)
    assert approved.structured_content["state"] == "approved"
    assert approved.structured_content["decided_by"] == "agent-maria"


def test_an_agent_opens_a_vendor_case_as_a_dry_run_unless_it_says_otherwise(
        ctx, client, bearer, open_case, fake_aws):  # noqa: F811
    case_id = open_case()["snapshot"]["id"]
    for to, handoff in (("T2", T2_HANDOFF), ("T3", T3_HANDOFF)):
        stepped = client.post(f"/api/v1/cases/{case_id}/escalate",
                              json={"to": to, "handoff": handoff, "reason": "needed"})
        assert stepped.status_code == 200, stepped.text
    package = {k: v for k, v in VENDOR_HANDOFF.items() if k != "vendor_case_number"}
    request = {"case_id": case_id, "vendor": "aws", "plan": "business",
               "service": "amazon-elastic-compute-cloud-linux", "region": "eu-central-1",
               "request": "Confirm whether the host has a hardware fault.",
               "handoff": package}

    async def as_viewer(client: Client) -> CallToolResult:
        return await client.call_tool("open_vendor_case", request)

    async def as_engineer(client: Client) -> tuple[CallToolResult, CallToolResult]:
        dry = await client.call_tool("open_vendor_case", request)
        real = await client.call_tool("open_vendor_case", {**request, "dry_run": False})
        return dry, real

    viewer = as_agent(ctx, token_of(bearer("agent-vera", "viewer")), as_viewer)
    dry, real = as_agent(ctx, token_of(bearer("agent-ana", "engineer")), as_engineer)

    assert viewer.is_error
    assert "opening a vendor case" in text_of(viewer)
    assert not dry.is_error, text_of(dry)
    assert dry.structured_content["operation"] == "create_case"
    assert not real.is_error, text_of(real)
    assert real.structured_content["vendor"] == "aws"
    assert real.structured_content["state"] == "open"
    assert len(fake_aws.cases) == 1  # the dry run sent nothing
    shown = client.get(f"/api/v1/cases/{case_id}").json()
    assert shown["snapshot"]["tier"] == "VENDOR"


def test_an_agent_reads_the_policy_and_the_vendor_plans_as_resources(ctx, bearer):
    bearer("admin", "admin")
    token = token_of(bearer("agent-vera", "viewer"))

    async def script(client: Client) -> tuple[Any, ...]:
        listed = await client.list_resources()
        policy = await client.read_resource("escalada://policy")
        plans = await client.read_resource("escalada://vendor-plans")
        return listed, policy, plans

    listed, policy, plans = as_agent(ctx, token, script)

    assert {str(r.uri) for r in listed.resources} == {"escalada://policy",
                                                     "escalada://vendor-plans"}
    document = json.loads(policy.contents[0].text)
    assert document["version"] == ctx.policy().version
    assert {"technical", "executive", "sla", "credits"} <= set(document)
    assert {plan["vendor"] for plan in json.loads(plans.contents[0].text)} == {
        "aws", "azure", "gcp"}


def test_a_resource_read_after_the_token_is_revoked_is_refused(ctx, bearer):
    bearer("admin", "admin")
    token = token_of(bearer("agent-ivan", "engineer"))

    async def script(client: Client) -> Any:
        disable_user(ctx=ctx, actor=ADMIN, name="agent-ivan")
        try:
            await client.read_resource("escalada://policy")
        except MCPError as error:
            return error
        return None

    refused = as_agent(ctx, token, script)

    assert isinstance(refused, MCPError)
    assert "user agent-ivan is disabled" in str(refused)


def test_every_call_and_resource_read_is_in_the_agent_call_log_refusals_too(
        ctx, client, bearer, open_case):
    case_id = open_case()["snapshot"]["id"]
    viewer = bearer("agent-vera", "viewer")

    async def script(client: Client) -> None:
        await client.call_tool("get_case", {"case_id": case_id})
        await client.call_tool("list_open_escalations", {"account": "acme"})
        await client.read_resource("escalada://policy")
        await client.call_tool("escalate", {"case_id": case_id, "to": "T2",
                                            "handoff": T2_HANDOFF,
                                            "override_reason": "secret words"})

    as_agent(ctx, token_of(viewer), script)

    log = client.get("/api/v1/audit/agent-calls", params={"user": "agent-vera"})
    refusals = client.get("/api/v1/audit/agent-calls", params={"outcome": "refused"})
    not_for_viewers = client.get("/api/v1/audit/agent-calls", headers=viewer)
    bad = client.get("/api/v1/audit/agent-calls", params={"outcome": "maybe"})

    assert log.status_code == 200, log.text
    calls = log.json()
    assert [(c["actor"], c["kind"], c["tool"], c["outcome"]) for c in calls] == [
        ("agent-vera", "tool", "get_case", "answered"),
        ("agent-vera", "tool", "list_open_escalations", "answered"),
        ("agent-vera", "resource", "escalada://policy", "answered"),
        ("agent-vera", "tool", "escalate", "started"),
        ("agent-vera", "tool", "escalate", "refused")]
    assert calls[0]["arguments"] == {"case_id": case_id}
    assert calls[1]["arguments"]["account"] == "acme"
    # Identifiers only: the handoff package's item names, never its text or a reason.
    asked = {"case_id": case_id, "to": "T2", "handoff": {"keys": sorted(T2_HANDOFF)}}
    assert calls[3]["arguments"] == asked
    # A tool that may write is logged before it runs; its outcome names that entry.
    assert calls[4]["arguments"] == {**asked, "started": calls[3]["id"]}
    assert "secret words" not in log.text
    assert "escalating a case" in calls[4]["reason"]
    assert all(c["intact"] for c in calls)
    assert [c["tool"] for c in refusals.json()] == ["escalate"]
    assert not_for_viewers.status_code == 403
    assert bad.status_code == 422
    assert "outcome" in bad.text


def test_an_agent_reads_incidents_and_vendor_health_and_updates_within_its_role(
        ctx, client, bearer, open_case, clock,
        fake_aws_health: FakeAwsHealth) -> None:  # noqa: F811
    case_id = open_case(services=["EC2"])["snapshot"]["id"]
    fake_aws_health.open_issue("EC2", "eu-central-1", "AWS_EC2_OPERATIONAL_ISSUE",
                               clock() - timedelta(minutes=10))
    assert client.post("/api/v1/vendor-health/poll", json={"vendor": "aws"}).status_code == 200
    opened = client.post("/api/v1/incidents", json={
        "service": "EC2", "region": "eu-central-1", "cases": [case_id]})
    assert opened.status_code == 201, opened.text
    incident = opened.json()["id"]
    update = {"incident_id": incident, "status": "MITIGATING",
              "understanding": "A storage node failed", "doing_now": "Failing over",
              "next_steps": "Watch reconnects"}

    async def script(client: Client) -> tuple[Any, ...]:
        return (await client.call_tool("list_incidents", {"status": "open"}),
                await client.call_tool("get_incident", {"incident_id": incident}),
                await client.call_tool("list_vendor_health", {"vendor": "aws"}),
                await client.call_tool("post_incident_update", update),
                await client.call_tool("get_incident", {"incident_id": "INC-404"}))

    listed, shown, health, posted, missing = as_agent(
        ctx, token_of(bearer("agent-ana", "engineer")), script)

    async def viewer_script(client: Client) -> tuple[Any, ...]:
        return (await client.call_tool("get_incident", {"incident_id": incident}),
                await client.call_tool("post_incident_update", update))

    viewed, refused = as_agent(ctx, token_of(bearer("agent-vera", "viewer")), viewer_script)

    assert [item["id"] for item in listed.structured_content["incidents"]] == [incident]
    assert listed.structured_content["next_cursor"] is None
    assert not shown.is_error, text_of(shown)
    assert [c["case"] for c in shown.structured_content["linked"]] == [case_id]
    [event] = shown.structured_content["vendor_events"]
    assert event["reported"] == ("AWS reports: operational issue for EC2 in eu-central-1 "
                                 "since 09:50")
    [open_event] = health.structured_content["events"]
    assert (open_event["service"], open_event["incidents"]) == ("EC2", [incident])
    assert not posted.is_error, text_of(posted)
    assert posted.structured_content["posted_by"] == "agent-ana"
    assert [item["case"] for item in posted.structured_content["fan_out"]] == [case_id]
    assert missing.is_error
    assert "INC-404" in text_of(missing)
    assert not viewed.is_error
    assert refused.is_error
    assert "posting an incident update" in text_of(refused)
    after = client.get(f"/api/v1/incidents/{incident}").json()
    assert [u["posted_by"] for u in after["updates"]] == ["agent-ana"]
    calls = client.get("/api/v1/audit/agent-calls",
                       params={"tool": "post_incident_update"}).json()
    asked = {"incident_id": incident, "status": "MITIGATING"}
    assert [(c["actor"], c["outcome"], c["arguments"]) for c in calls] == [
        ("agent-ana", "started", asked),
        ("agent-ana", "answered", {**asked, "started": calls[0]["id"]}),
        ("agent-vera", "started", asked),
        ("agent-vera", "refused", {**asked, "started": calls[2]["id"]})]


def test_a_write_whose_outcome_cannot_be_logged_stands_logged_as_started(
        ctx, client, bearer, open_case, monkeypatch: pytest.MonkeyPatch):
    """The outcome's entry fails after the escalation committed: the started entry
    remains, and with no entry at all the call does not run."""
    case_id = open_case()["snapshot"]["id"]
    engineer = token_of(bearer("agent-eve", "engineer"))
    record_call = agent_audit.record_call

    def outcome_fails(**call: Any) -> int:
        if call["outcome"] != "started":
            raise OperationalError("INSERT INTO agent_calls", {}, Exception("disk full"))
        return record_call(**call)

    async def escalate(client: Client) -> CallToolResult:
        return await client.call_tool("escalate", {"case_id": case_id, "to": "T2",
                                                   "handoff": T2_HANDOFF})

    monkeypatch.setattr(agent_audit, "record_call", outcome_fails)
    failed = as_agent(ctx, engineer, escalate)
    ran: list[str] = []
    monkeypatch.setattr(agent_audit, "record_call", lambda **call: outcome_fails(
        **{**call, "outcome": "answered"}))  # the started entry fails too
    monkeypatch.setattr(escalations, "escalate", lambda **asked: ran.append(asked["to"]))
    not_run = as_agent(ctx, engineer, escalate)
    monkeypatch.setattr(agent_audit, "record_call", record_call)

    assert failed.is_error and not_run.is_error
    assert ran == []
    case = client.get(f"/api/v1/cases/{case_id}").json()
    assert case["snapshot"]["tier"] == "T2"  # the first call's write stands
    calls = client.get("/api/v1/audit/agent-calls", params={"user": "agent-eve"}).json()
    assert [(c["tool"], c["outcome"], c["arguments"]["to"]) for c in calls] == [
        ("escalate", "started", "T2")]
    assert client.get("/api/v1/audit/agent-calls/verify").json()["intact"]


def test_the_agent_call_log_is_append_only_and_its_chain_shows_tampering(
        ctx, client, bearer, open_case):
    case_id = open_case()["snapshot"]["id"]

    async def script(client: Client) -> None:
        for _ in range(3):
            await client.call_tool("get_case", {"case_id": case_id})

    as_agent(ctx, token_of(bearer("agent-vera", "viewer")), script)
    intact = client.get("/api/v1/audit/agent-calls/verify").json()
    with pytest.raises(DBAPIError, match="append-only"), ctx.engine.begin() as conn:
        conn.execute(text("DELETE FROM agent_calls"))

    with ctx.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE agent_calls DISABLE TRIGGER agent_calls_append_only"))
        else:
            conn.execute(text("DROP TRIGGER agent_calls_no_update"))
            conn.execute(text("DROP TRIGGER agent_calls_no_delete"))
        conn.execute(text("UPDATE agent_calls SET actor = 'someone-else' WHERE id = 2"))
    altered = client.get("/api/v1/audit/agent-calls/verify").json()
    listed = client.get("/api/v1/audit/agent-calls").json()
    with ctx.engine.begin() as conn:
        conn.execute(text("DELETE FROM agent_calls WHERE id IN (1, 2)"))
    removed = client.get("/api/v1/audit/agent-calls/verify").json()

    assert (intact["intact"], intact["entries_checked"]) == (True, 3)
    assert (altered["intact"], altered["broken_entry"]) == (False, 2)
    assert "altered" in altered["reason"]
    assert [c["intact"] for c in listed] == [True, False, True]
    assert (removed["intact"], removed["broken_entry"]) == (False, 3)
    assert "removed" in removed["reason"]


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
