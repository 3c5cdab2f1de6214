"""An executive escalation from a customer's CEO to the recovery plan, through the real
`escalada` command: war room, legal, acknowledgments, credit authority, resolution,
recovery plan, and an audit that catches a row altered behind escalada's back."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

from cli_support import Cli

PEOPLE = (("n.lebedev", "vp", "CEO"), ("k.morozova", "vp", "CTO"),
          ("dina", "support_director", None), ("maria", "support_manager", None),
          ("lena", "team_lead", None), ("egor", "engineer", None))


def test_a_ceo_escalation_from_war_room_to_recovery_plan_and_a_verified_timeline(
    cli: Cli,
) -> None:
    for name, role, title in PEOPLE:
        cli.run("user", "add", name, "--role", role, *(("--title", title) if title else ()))
    cli.run("account", "add", "--id", "meridian", "--name", "АО «Меридиан Банк»",
            "--tier", "strategic", "--plan", "enterprise", "--timezone", "Europe/Moscow",
            "--country", "RU", "--language", "ru", "--monthly-fee", "20000")
    case = cli.json("--as", "egor", "case", "open", "--account", "meridian", "--severity", "P1",
                    "--title", "Платежи через СБП не проходят", "--contact-level", "c_level",
                    "--contact-title", "CEO")
    ref = case["snapshot"]["id"]
    [recommended] = case["evaluation"]["recommendations"]
    assert (recommended["to"], recommended["criteria"][0]) == ("L3", "c_level_escalation")

    # The C-level escalation opens the war room.
    cli.run("--as", "egor", "case", "escalate", ref, "--to", "L3")
    room = cli.json("war-room", "show", ref)
    assert room["channel"] == "#exec-escalation-ao-meridian-bank"
    assert [(a["role"], a["lead"]) for a in room["attendees"]] == [
        ("escalation_coordinator", True), ("senior_technical_engineer", False),
        ("account_executive", False), ("support_director", False),
        ("customer_success_manager", False)]
    assert room["executive"] == "n.lebedev"  # their CEO -> our CEO
    opened = datetime.fromisoformat(room["opened_at"])
    assert (datetime.fromisoformat(room["executive_ack_due_at"]) - opened).total_seconds() == 1800
    assert 120 <= room["update_every_minutes"] <= 240
    immediate = {i["key"] for i in room["checklist"] if i["checklist"] == "immediate"}
    assessment = [i for i in room["checklist"] if i["checklist"] == "assessment"]
    assert {"notify_support_director", "notify_vp_customer_success",
            "notify_account_team"} <= immediate
    assert "notify_legal" not in immediate
    assert len(assessment) == 5 and all(
        (datetime.fromisoformat(i["due_at"]) - opened).total_seconds() == 900 for i in assessment)

    # Legal joins when the customer threatens action.
    cli.run("--as", "egor", "case", "flag", ref, "legal_action_threatened")
    room = cli.json("war-room", "show", ref)
    assert "notify_legal" in {i["key"] for i in room["checklist"]}
    cli.run("--as", "egor", "war-room", "tick", ref, "notify_legal", "--note", "counsel briefed")
    cli.run("--as", "egor", "war-room", "ack", ref, code=7)  # not the executive, not a vp
    acked = cli.json("--as", "n.lebedev", "war-room", "ack", ref)
    assert acked["executive_ack_by"] == "n.lebedev"
    cli.run("--as", "maria", "case", "ack", ref, "--step", "1", code=7)  # L3 needs a director
    cli.run("--as", "dina", "case", "ack", ref, "--step", "1")

    # Credit authority: a team lead may not approve $2,000; the director may.
    credit = cli.json("--as", "egor", "credit", "propose", ref, "--amount", "2000",
                      "--reason", "payments down for hours")
    refused = cli.run("--as", "lena", "credit", "approve", str(credit["id"]), "--reason", "owed",
                      code=7)
    assert "support manager" in refused
    cli.run("--as", "dina", "credit", "approve", str(credit["id"]), "--reason", "owed")

    # Resolution closes the war room: its lead (seated by a team lead) may resolve, and
    # brings the recovery plan, with the post-mortem and the follow-up.
    refused = cli.run("--as", "egor", "case", "resolve", ref, "--reason", "fixed", code=7)
    assert "ask a team lead or above or the war room's executive n.lebedev" in refused
    cli.run("--as", "lena", "war-room", "assign", ref, "--role", "escalation_coordinator",
            "--user", "egor")
    cli.run("--as", "egor", "case", "resolve", ref, "--reason", "payment gateway fixed")
    plan = cli.json("recovery", "show", ref)
    resolved = datetime.fromisoformat(cli.json("case", "show", ref)["snapshot"]["resolved_at"])
    follow_up = datetime.fromisoformat(plan["customer_follow_up"]["due_at"])
    assert 0 < (follow_up - resolved).days <= 7
    assert plan["post_mortem"]["key"] == "post_mortem"
    assert {phase["phase"] if isinstance(phase, dict) else phase
            for phase in plan["phases"]} >= {"immediate", "short_term", "medium_term",
                                             "long_term"}

    # The timeline verifies, and an entry altered in the database itself is found.
    assert cli.json("audit", "verify")["intact"] is True
    with sqlite3.connect(cli.tmp_path / "cli.db") as db:
        [(altered,)] = db.execute(
            "SELECT id FROM timeline WHERE case_number = 1 ORDER BY id LIMIT 1 OFFSET 2")
        db.execute("DROP TRIGGER timeline_no_update")
        db.execute("UPDATE timeline SET summary = 'nothing happened' WHERE id = ?", (altered,))
    report = json.loads(cli.run("audit", "verify", "--format", "json", code=1, stdout=True))
    assert report["intact"] is False
    assert [(b["case"], b["entry"]) for b in report["broken"]] == [(ref, altered)]
