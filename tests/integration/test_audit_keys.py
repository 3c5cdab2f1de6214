"""The keyed timeline on real SQLite and PostgreSQL: someone who can rewrite the database
(lift the append-only triggers, rewrite an entry, delete another, recompute every hash
as anyone can) is found by an audit that holds the key, or that holds a signed
checkpoint of the chain heads kept outside the database; keys rotate without losing
the entries of the key before."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from audit_support import count_entries, entries_of, keyed, keys_setting, tamper, three_cases
from cli_support import Cli
from examples import ADMIN, ANA
from fastapi.testclient import TestClient

from escalada.domain.audit import ALTERED, UNKEYED, UNLINKED
from escalada.domain.errors import InvalidInput, InvalidTransition, NotPermitted
from escalada.entrypoints.api import create_app
from escalada.services import audit, cases
from escalada.services.context import Actor, Context
from escalada.services.people import add_user, create_token
from escalada.testing import FakeClock

VERA = Actor("vera", "viewer")
TRUNCATED = "entries were removed at the end"
DEPARTED = "the chain no longer reaches the checkpointed head"


def findings(report: audit.AuditView) -> list[tuple[str, int | None, str]]:
    return [(link.case, link.entry, link.reason) for link in report.broken]


# The attack the issue describes


@pytest.mark.parametrize("unkey", [False, True], ids=["key-id-left", "key-id-cleared"])
def test_a_rewritten_and_recomputed_chain_verifies_intact_without_a_key_and_is_found_with_one(
    ctx: Context, clock: FakeClock, unkey: bool
) -> None:
    signed = keyed(ctx, "k1")
    three_cases(signed, clock)
    one = entries_of(ctx, 1)
    assert {entry.key_id for entry in one} == {"k1"}

    tamper(ctx, "UPDATE timeline SET summary = 'nothing happened' WHERE id = :rewritten",
           "DELETE FROM timeline WHERE id = :removed",
           rewritten=one[2].id, removed=one[4].id, recompute=1, unkey=unkey)
    with_key = audit.verify(ctx=signed)

    assert not with_key.intact
    if unkey:  # every hash recomputes: only the missing key gives it away
        # What an audit without the key concludes (today's, which has none):
        assert audit.verify(ctx=ctx, case_id="CASE-1").intact
        assert findings(with_key) == [("CASE-1", one[0].id, with_key.broken[0].reason)]
        assert with_key.broken[0].reason.startswith(UNKEYED)
        assert "entries without an audit key: 5, this the first" in with_key.broken[0].reason
    else:  # the plain hash does not match the HMAC under k1, from the first entry on
        assert findings(with_key) == [("CASE-1", one[0].id, ALTERED)]
    assert [audit.verify(ctx=signed, case_id=c).intact for c in ("CASE-2", "CASE-3")] == [
        True, True]


def test_a_chain_keyed_from_the_start_verifies_intact_with_its_key(
    ctx: Context, clock: FakeClock
) -> None:
    signed = keyed(ctx, "k1")
    three_cases(signed, clock)

    report = audit.verify(ctx=signed)

    assert (report.intact, report.keys, report.unkeyed_entries) == (True, ["k1"], 0)
    assert report.entries_checked == count_entries(ctx) == 10


def test_an_entry_rewritten_without_recomputing_is_found_at_exactly_that_entry(
    ctx: Context, clock: FakeClock
) -> None:
    signed = keyed(ctx, "k1")
    three_cases(signed, clock)
    third = entries_of(ctx, 1)[2]

    tamper(ctx, "UPDATE timeline SET summary = 'x' WHERE id = :id", id=third.id)

    assert findings(audit.verify(ctx=signed)) == [("CASE-1", third.id, ALTERED)]


def test_entries_written_without_a_key_are_counted_and_only_a_finding_once_keys_are_in_use(
    ctx: Context, clock: FakeClock
) -> None:
    three_cases(ctx, clock)  # the embedded default: no key
    signed = keyed(ctx, "k1")
    clock.advance(minutes=1)
    cases.respond(ctx=signed, actor=ANA, case_id="CASE-1", note="written under k1")

    unkeyed = audit.verify(ctx=ctx)
    with_key = audit.verify(ctx=signed)

    assert unkeyed.unkeyed_entries == 10
    assert [(link.case, link.entry) for link in unkeyed.broken] == [
        ("CASE-1", entries_of(ctx, 1)[-1].id)]  # the k1 entry: this audit has no k1
    assert "'k1', which this audit was not given" in unkeyed.broken[0].reason
    assert with_key.unkeyed_entries == 10
    assert [link.case for link in with_key.broken] == ["CASE-1", "CASE-2", "CASE-3"]
    assert all(link.reason.startswith(UNKEYED) for link in with_key.broken)


# Rotation


def test_entries_under_k1_then_k2_verify_while_both_keys_are_given(
    ctx: Context, clock: FakeClock
) -> None:
    three_cases(keyed(ctx, "k1"), clock)
    rotated = keyed(ctx, "k2", "k1")
    clock.advance(minutes=1)
    cases.respond(ctx=rotated, actor=ANA, case_id="CASE-1", note="after the rotation")
    cases.respond(ctx=rotated, actor=ANA, case_id="CASE-2", note="after the rotation")

    report = audit.verify(ctx=rotated)

    assert [entry.key_id for entry in entries_of(ctx, 1)] == ["k1"] * 6 + ["k2"]
    assert (report.intact, report.keys, report.unkeyed_entries) == (True, ["k2", "k1"], 0)
    assert report.entries_checked == 12


def test_an_audit_missing_a_key_names_it_at_the_first_entry_it_keys(
    ctx: Context, clock: FakeClock
) -> None:
    three_cases(keyed(ctx, "k1"), clock)
    clock.advance(minutes=1)
    cases.respond(ctx=keyed(ctx, "k2", "k1"), actor=ANA, case_id="CASE-1", note="under k2")
    first, last = entries_of(ctx, 1)[0], entries_of(ctx, 1)[-1]

    only_k2 = audit.verify(ctx=keyed(ctx, "k2"), case_id="CASE-1")
    only_k1 = audit.verify(ctx=keyed(ctx, "k1"), case_id="CASE-1")

    assert findings(only_k2) == [("CASE-1", first.id, (
        "its hash is keyed with audit key 'k1', which this audit was not given "
        "(add it to ESCALADA_AUDIT_KEYS): it cannot be checked"))]
    assert [(link.entry, "'k2'" in link.reason) for link in only_k1.broken] == [
        (last.id, True)]


def test_an_entry_relabelled_with_another_key_id_is_found(
    ctx: Context, clock: FakeClock
) -> None:
    three_cases(keyed(ctx, "k1"), clock)
    second = entries_of(ctx, 2)[1]

    tamper(ctx, "UPDATE timeline SET key_id = 'k2' WHERE id = :id", id=second.id)

    assert findings(audit.verify(ctx=keyed(ctx, "k2", "k1"))) == [
        ("CASE-2", second.id, ALTERED)]


# Signed checkpoints outside the database


def test_removing_the_latest_entries_is_found_only_against_a_checkpoint(
    ctx: Context, clock: FakeClock
) -> None:
    signed = keyed(ctx, "k1")
    three_cases(signed, clock)
    document = audit.checkpoint(ctx=signed, actor=ADMIN).model_dump(mode="json")
    one = entries_of(ctx, 1)
    clock.advance(minutes=1)
    cases.respond(ctx=signed, actor=ANA, case_id="CASE-2", note="after the checkpoint")

    tamper(ctx, "DELETE FROM timeline WHERE id >= :from_id AND case_number = 1",
           from_id=one[4].id)
    plain = audit.verify(ctx=signed)
    against = audit.verify(ctx=signed, against=document)

    assert plain.intact  # what is left still chains: a chain cannot show its own end
    assert not against.intact
    assert [(link.case, link.entry) for link in against.broken] == [("CASE-1", None)]
    assert TRUNCATED in against.broken[0].reason
    assert f"entry {one[5].id}, its entry number 6" in against.broken[0].reason
    assert against.checkpoint is not None
    assert (against.checkpoint.by, against.checkpoint.key_id, against.checkpoint.cases) == (
        "admin", "k1", 3)
    assert audit.verify(ctx=signed, case_id="CASE-2", against=document).intact


def test_a_chain_recomputed_whole_does_not_reach_the_checkpointed_head(
    ctx: Context, clock: FakeClock
) -> None:
    """Entries written before keys were in use: the checkpoint vouches for them."""
    three_cases(ctx, clock)
    signed = keyed(ctx, "k1")
    document = audit.checkpoint(ctx=signed, actor=ADMIN).model_dump(mode="json")
    vouched = audit.verify(ctx=signed, against=document)
    one = entries_of(ctx, 1)

    tamper(ctx, "UPDATE timeline SET summary = 'nothing happened' WHERE id = :rewritten",
           "DELETE FROM timeline WHERE id = :removed",
           rewritten=one[2].id, removed=one[3].id, recompute=1)
    tampered = audit.verify(ctx=signed, against=document)

    assert (vouched.intact, vouched.unkeyed_entries) == (True, 0)
    assert findings(tampered)[0][:2] == ("CASE-1", one[5].id)  # now its 5th entry
    assert DEPARTED in tampered.broken[0].reason
    assert [link.case for link in tampered.broken] == ["CASE-1"]


def test_a_case_removed_whole_is_found_against_a_checkpoint(
    ctx: Context, clock: FakeClock
) -> None:
    signed = keyed(ctx, "k1")
    three_cases(signed, clock)
    document = audit.checkpoint(ctx=signed, actor=ADMIN).model_dump(mode="json")

    tamper(ctx, "DELETE FROM timeline WHERE case_number = 3",
           "DELETE FROM timers WHERE case_number = 3",
           "DELETE FROM cases WHERE number = 3")

    assert findings(audit.verify(ctx=signed, against=document)) == [(
        "CASE-3", None, "the checkpoint vouches for 2 entries of this case, which is gone")]


def test_a_checkpoint_of_one_case_covers_that_case(ctx: Context, clock: FakeClock) -> None:
    signed = keyed(ctx, "k1")
    three_cases(signed, clock)

    document = audit.checkpoint(ctx=signed, actor=ADMIN, case_id="CASE-2")

    assert (document.case, [head.case for head in document.heads]) == ("CASE-2", ["CASE-2"])
    assert [(h.entries, h.last_entry) for h in document.heads] == [
        (2, entries_of(ctx, 2)[-1].id)]
    assert document.key_id == "k1" and len(document.signature) == 64


@pytest.mark.parametrize("change, problem", [
    (lambda d: d["heads"][0].update(entries=1), "its signature does not match"),
    (lambda d: d.update(key_id="k9"), "signed with audit key 'k9', which this audit"),
    (lambda d: d.pop("signature"), "it is not signed"),
    (lambda d: d.update(format="something else"), "not an escalada audit checkpoint"),
], ids=["heads-edited", "unknown-key", "unsigned", "not-a-checkpoint"])
def test_a_checkpoint_that_cannot_be_trusted_is_refused_naming_why(
    ctx: Context, clock: FakeClock, change: Any, problem: str
) -> None:
    signed = keyed(ctx, "k1")
    three_cases(signed, clock)
    document = audit.checkpoint(ctx=signed, actor=ADMIN).model_dump(mode="json")

    change(document)

    with pytest.raises(InvalidInput, match=f"against: the checkpoint .*{problem}"):
        audit.verify(ctx=signed, against=document)


def test_a_checkpoint_needs_an_admin_an_audit_key_and_intact_chains(
    ctx: Context, clock: FakeClock
) -> None:
    signed = keyed(ctx, "k1")
    three_cases(signed, clock)
    second = entries_of(ctx, 1)[1]

    with pytest.raises(NotPermitted, match="signing an audit checkpoint needs the role admin"):
        audit.checkpoint(ctx=signed, actor=VERA)
    with pytest.raises(InvalidInput, match="ESCALADA_AUDIT_KEYS: not set"):
        audit.checkpoint(ctx=ctx, actor=ADMIN)
    tamper(ctx, "DELETE FROM timeline WHERE id = :id", id=second.id)
    with pytest.raises(InvalidTransition, match=f"CASE-1's timeline is broken .*{UNLINKED[:30]}"):
        audit.checkpoint(ctx=signed, actor=ADMIN)


# Through the entry points


@pytest.fixture
def api(ctx: Context) -> dict[str, TestClient]:
    """The API on a context with audit key k1: an admin's client and a viewer's."""
    signed = keyed(ctx, "k1")
    add_user(ctx=signed, actor=None, name="admin", role="admin")
    add_user(ctx=signed, actor=ADMIN, name="vera", role="viewer")
    app = create_app(signed)
    roles = {"admin": "admin", "vera": "viewer"}  # each mints their own token
    return {name: TestClient(app, headers={"Authorization": "Bearer " + create_token(
        ctx=signed, actor=Actor(name, role)).token}) for name, role in roles.items()}


def test_the_api_signs_a_checkpoint_for_an_admin_and_verifies_against_it(
    ctx: Context, clock: FakeClock, api: dict[str, TestClient]
) -> None:
    three_cases(keyed(ctx, "k1"), clock)
    signed = api["admin"].post("/api/v1/audit/checkpoint")
    refused = api["vera"].post("/api/v1/audit/checkpoint")
    document = signed.json()
    intact = api["vera"].post("/api/v1/audit/verify", json=document)
    last = entries_of(ctx, 1)[-1]

    tamper(ctx, "DELETE FROM timeline WHERE id = :id", id=last.id)
    truncated = api["vera"].post("/api/v1/audit/verify", json=document)
    plain = api["vera"].get("/api/v1/audit/verify")
    document["heads"][0]["entries"] = 5
    forged = api["vera"].post("/api/v1/audit/verify", json=document)

    assert signed.status_code == 200, signed.text
    assert [head["case"] for head in document["heads"]] == ["CASE-1", "CASE-2", "CASE-3"]
    assert refused.status_code == 403
    assert intact.status_code == 200, intact.text
    assert (intact.json()["intact"], intact.json()["keys"]) == (True, ["k1"])
    assert truncated.json()["intact"] is False
    assert TRUNCATED in truncated.json()["broken"][0]["reason"]
    assert plain.json()["intact"] is True
    assert forged.status_code == 422
    assert forged.json()["problems"][0]["field"] == "against"


def test_the_cli_writes_a_checkpoint_and_finds_the_removed_last_entry_against_it(
    tmp_path: Path,
) -> None:
    cli = Cli(tmp_path)
    cli.env["ESCALADA_AUDIT_KEYS"] = keys_setting("k1")
    cli.run("user", "add", "irina", "--role", "admin")
    cli.run("account", "add", "--id", "acme", "--name", "Acme Corp", "--tier", "enterprise",
            "--plan", "enterprise")
    cli.run("case", "open", "--account", "acme", "--severity", "P2", "--title", "Slow")
    cli.run("case", "respond", "CASE-1", "--note", "looking")
    checkpoint = tmp_path / "checkpoint.json"

    written = cli.run("audit", "checkpoint", "--out", str(checkpoint))
    before = cli.run("audit", "verify", "--against", str(checkpoint))
    with sqlite3.connect(tmp_path / "cli.db") as connection:
        connection.execute("DROP TRIGGER timeline_no_delete")
        connection.execute("DELETE FROM timeline WHERE id = (SELECT max(id) FROM timeline)")
    after = cli.run("audit", "verify", "--against", str(checkpoint), "--format", "json",
                    code=1, stdout=True)
    plain = cli.run("audit", "verify")
    cli.env["ESCALADA_AUDIT_KEYS"] = keys_setting("k2")
    unknown = cli.run("audit", "verify", "--against", str(checkpoint), code=2)
    del cli.env["ESCALADA_AUDIT_KEYS"]
    unkeyed = cli.run("audit", "checkpoint", "--out", str(tmp_path / "other.json"), code=2)

    assert "Checkpoint of 1 case(s) signed with audit key k1" in written
    assert json.loads(checkpoint.read_text())["heads"][0]["entries"] == 2
    assert "Timeline intact" in before and "Against the checkpoint of 1 case(s)" in before
    assert TRUNCATED in json.loads(after)["broken"][0]["reason"]
    assert "Timeline intact" in plain and "Audit keys: k1." in plain
    assert "against: the checkpoint is signed with audit key 'k1'" in unknown
    assert "ESCALADA_AUDIT_KEYS: not set" in unkeyed
    assert not (tmp_path / "other.json").exists()
