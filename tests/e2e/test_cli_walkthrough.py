"""A case walked through the real `escalada` command, one process per step."""

from __future__ import annotations

import json
from pathlib import Path

from cli_support import Cli
from examples import DESIGN_SNAPSHOT


def test_evaluate_reproduces_the_design_example(cli: Cli) -> None:
    result = json.loads(cli.run(
        "evaluate", "-", "--at", "2026-11-26T10:08:00+00:00", "--format", "json",
        stdin=json.dumps(DESIGN_SNAPSHOT)))
    assert [(r["track"], r["from"], r["to"], r["criteria"]) for r in result["recommendations"]] == [
        ("technical", "T1", "T2", ["customer_requested_escalation", "sla_at_risk"]),
        ("executive", None, "L2", ["enterprise_customer_escalation"]),
    ]
    assert result["sla"][0] == {"target": "first_response", "due_at": "2026-11-26T10:15:00+00:00",
                                "consumed": 0.5333, "breached": False, "paused": False}
    assert "handoff_required" not in result["recommendations"][1]


def test_an_invalid_snapshot_exits_2_naming_the_field(cli: Cli) -> None:
    broken = {**DESIGN_SNAPSHOT, "account": {**DESIGN_SNAPSHOT["account"], "tier": "gold"}}
    error = cli.run("evaluate", cli.file("bad.json", broken), code=2)
    assert "account.tier" in error
    assert "--at" in cli.run("evaluate", cli.file("ok.json", DESIGN_SNAPSHOT),
                             "--at", "yesterday", code=2)


def test_a_case_walks_up_every_tier_to_l2_and_back_to_resolved(cli: Cli) -> None:
    cli.run("account", "add", "--id", "acme", "--name", "Acme Corp", "--tier", "enterprise",
            "--plan", "enterprise", "--timezone", "Europe/Moscow", "--country", "RU",
            "--language", "ru")
    case = cli.json("case", "open", "--account", "acme", "--severity", "P1", "--title",
                    "API returns 500", "--service", "compute", "--service", "block-storage",
                    "--flag", "customer_requested_escalation")
    case_id = case["snapshot"]["id"]

    refused = cli.run("case", "escalate", case_id, "--to", "T2", code=3)
    assert "missing: troubleshooting_summary" in refused
    assert "missing: customer_expectation_set" in refused

    package = {"troubleshooting_summary": "500s on /v1/orders since 09:40",
               "steps_attempted": "restarted pods", "customer_impact": "checkout down"}
    refused = cli.run("case", "escalate", case_id, "--to", "T2",
                      "--handoff", cli.file("t2.json", package), code=3)
    assert "missing: diagnostic_data" in refused and "troubleshooting_summary" not in refused

    for name, role in (("lena", "team_lead"), ("t2-oncall", "engineer"),
                       ("maria", "support_manager")):
        cli.run("user", "add", name, "--role", role)
    assert "needs the role team lead" in cli.run(
        "case", "escalate", case_id, "--to", "T2", "--handoff", cli.file("t2.json", package),
        "--override-reason", "customer on a bridge call, data follows", code=7)
    cli.run("--as", "lena", "case", "escalate", case_id, "--to", "T2",
            "--handoff", cli.file("t2.json", package),
            "--override-reason", "customer on a bridge call, data follows")
    cli.run("--as", "t2-oncall", "case", "ack", case_id, "--step", "1")
    t3 = {"technical_analysis": "lock contention", "root_cause_hypothesis": "storage driver",
          "diagnostic_logs": "s3://logs/1", "attempted_workarounds": "failover",
          "engineering_assessment_request": "confirm driver bug"}
    cli.run("case", "escalate", case_id, "--to", "T3", "--handoff", cli.file("t3.json", t3))
    cli.run("case", "flag", case_id, "vendor_platform_issue")
    vendor = {"case_documentation": "doc", "vendor_case_number": "AWS-123",
              "severity_justification": "prod down", "business_impact_statement": "$50k/h",
              "customer_communication_plan": "hourly"}
    cli.run("case", "escalate", case_id, "--to", "VENDOR",
            "--handoff", cli.file("vendor.json", vendor))
    cli.run("case", "escalate", case_id, "--to", "L2")
    assert "needs the role support manager" in cli.run(
        "--as", "t2-oncall", "case", "ack", case_id, "--step", "4", code=7)
    cli.run("--as", "maria", "case", "ack", case_id, "--step", "4")
    cli.run("case", "deescalate", case_id, "--track", "technical", "--to", "T3",
            "--reason", "vendor fixed the driver")
    cli.run("case", "resolve", case_id, "--reason", "driver patched")
    shown = cli.json("case", "show", case_id)
    assert (shown["snapshot"]["status"], shown["snapshot"]["tier"],
            shown["snapshot"]["exec_level"]) == ("resolved", "T3", "L2")

    timeline = cli.json("case", "timeline", case_id)
    kinds = [entry["kind"] for entry in timeline]
    assert kinds == [
        "case_opened", "escalation_refused", "escalation_refused", "escalated", "acknowledged",
        "escalated", "flag_set", "escalated", "escalated", "acknowledged", "deescalated",
        "resolved",
    ]
    assert [entry["actor"] for entry in timeline if entry["kind"] != "escalation_refused"] == [
        "irina", "lena", "t2-oncall", "irina", "irina", "irina", "irina", "maria", "irina",
        "irina"]
    override = timeline[3]
    assert override["data"]["override_reason"] == "customer on a bridge call, data follows"
    assert override["data"]["missing_handoff"] == ["diagnostic_data", "customer_expectation_set"]
    assert "T1 -> T2" in override["summary"]
    assert [e["summary"].split(":")[0] for e in timeline if e["kind"] == "escalated"] == [
        "step 1", "step 2", "step 3", "step 4"]
    assert "T2 -> T3" in cli.run("case", "timeline", case_id)


def test_errors_exit_with_their_codes(cli: Cli) -> None:
    assert "no case CASE-99" in cli.run("case", "show", "CASE-99", code=4)
    assert "severity" in cli.run("case", "open", "--account", "x", "--severity", "P9",
                                 "--title", "t", code=2)
    cli.run("account", "add", "--id", "a", "--name", "A", "--tier", "standard",
            "--plan", "business")
    assert "exists already" in cli.run("account", "add", "--id", "a", "--name", "A", "--tier",
                                       "standard", "--plan", "business", code=5)
    case_id = cli.json("case", "open", "--account", "a", "--severity", "P3",
                       "--title", "slow")["snapshot"]["id"]
    assert "resolve it before closing" in cli.run("case", "close", case_id, code=6)
    assert "version" in cli.run("case", "pause", case_id, "--expected-version", "7", code=5)


def test_evaluating_a_snapshot_document_needs_no_database(cli: Cli, tmp_path: Path) -> None:
    del cli.env["ESCALADA_DATABASE_URL"]
    cli.env["HOME"] = str(tmp_path / "home")
    cli.env["XDG_DATA_HOME"] = str(tmp_path / "data")

    cli.run("evaluate", cli.file("snapshot.json", DESIGN_SNAPSHOT), "--format", "json")

    assert not (tmp_path / "data").exists()
    assert not (tmp_path / "home").exists()


def test_a_malformed_operator_policy_exits_8_naming_file_path_and_reason(
    cli: Cli, tmp_path: Path
) -> None:
    from escalada.adapters.policy_file import default_policy_path

    broken = default_policy_path().read_text(encoding="utf-8").replace(
        "respond_within_minutes: 120", "respond_within_minutes: -5")
    (tmp_path / "policy.yaml").write_text(broken, encoding="utf-8")
    cli.env["ESCALADA_POLICY"] = str(tmp_path / "policy.yaml")

    error = cli.run("evaluate", cli.file("snapshot.json", DESIGN_SNAPSHOT), code=8)

    assert "policy.yaml: executive.levels[2].respond_within_minutes: must be >= 0" in error
