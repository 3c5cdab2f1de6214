"""The audit of the tamper-evident timeline on real SQLite and PostgreSQL: chains written
by the services verify; an entry altered or removed behind escalada's back (with the
append-only triggers lifted, as only someone with the database's keys could) is found
at exactly the right entry, and every other case stays intact."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from audit_support import SQLITE_GUARDS, count_entries, entries_of, tamper, three_cases
from cli_support import ESCALADA, Cli
from examples import ADMIN, ANA
from fastapi.testclient import TestClient
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from escalada.adapters.db.database import SCHEMA_HEAD, schema_version, upgrade
from escalada.domain.errors import InvalidInput, NotFound
from escalada.entrypoints.api import create_app
from escalada.services import audit, cases
from escalada.services.audit import NO_ENTRIES, AuditView, BrokenLinkView
from escalada.services.context import Actor, Context
from escalada.services.people import add_user, create_token
from escalada.testing import FakeClock

ALTERED = "its content does not match its hash (the entry was altered)"
UNLINKED = ("its previous-hash does not match the entry before it "
            "(an entry was removed, inserted or reordered)")



def dumped(links: list[BrokenLinkView]) -> list[dict[str, Any]]:
    """The findings as the API shows them (their words, kept beside, left out)."""
    return [link.model_dump() for link in links]

def assert_the_timeline_refuses_rewrites(ctx: Context) -> None:
    for statement in ("UPDATE timeline SET summary = 'nothing happened'",
                      "DELETE FROM timeline"):
        with pytest.raises(DBAPIError, match="the timeline is append-only"), \
                ctx.engine.begin() as connection:
            connection.execute(text(statement))


# Intact chains


def test_cases_written_by_the_services_verify_intact(ctx: Context, clock: FakeClock) -> None:
    three_cases(ctx, clock)

    report = audit.verify(ctx=ctx)

    assert report == AuditView(at=clock.now, case=None, intact=True, cases_checked=3,
                               entries_checked=count_entries(ctx), broken=[], keys=[],
                               unkeyed_entries=count_entries(ctx))
    assert [len(entries_of(ctx, n)) for n in (1, 2, 3)] == [6, 2, 2]
    assert report.entries_checked == 10


def test_one_case_verifies_alone(ctx: Context, clock: FakeClock) -> None:
    three_cases(ctx, clock)

    report = audit.verify(ctx=ctx, case_id="case-2")

    assert (report.case, report.intact, report.cases_checked, report.entries_checked) == (
        "CASE-2", True, 1, len(entries_of(ctx, 2)))


def test_an_empty_database_verifies_intact(ctx: Context) -> None:
    report = audit.verify(ctx=ctx)

    assert (report.intact, report.cases_checked, report.entries_checked) == (True, 0, 0)


def test_an_unknown_or_malformed_case_is_refused(ctx: Context, clock: FakeClock) -> None:
    three_cases(ctx, clock)

    with pytest.raises(NotFound, match="no case CASE-9"):
        audit.verify(ctx=ctx, case_id="CASE-9")
    with pytest.raises(InvalidInput, match="case"):
        audit.verify(ctx=ctx, case_id="nine")


def test_the_whole_demo_history_verifies_intact(ctx: Context) -> None:
    """Every writer the demo replays (cases, escalations, acknowledgments, timers firing,
    and whatever features it grows) chains its entries."""
    from escalada.services.demo import load_demo

    load_demo(ctx=ctx)

    report = audit.verify(ctx=ctx)

    assert report.broken == []
    assert report.intact and report.cases_checked >= 10
    assert report.entries_checked == count_entries(ctx)


# Tampering found


def test_an_altered_summary_is_reported_at_exactly_that_entry(
    ctx: Context, clock: FakeClock
) -> None:
    three_cases(ctx, clock)
    third = entries_of(ctx, 1)[2]
    total = count_entries(ctx)

    tamper(ctx, "UPDATE timeline SET summary = 'nothing happened' WHERE id = :id", id=third.id)
    report = audit.verify(ctx=ctx)

    assert not report.intact
    assert dumped(report.broken) == dumped([BrokenLinkView(
        case="CASE-1", entry=third.id, kind=third.kind, at=third.at, reason=ALTERED)])
    assert report.cases_checked == 3
    assert report.entries_checked == total - 3  # CASE-1's walk stops at its third entry
    assert [audit.verify(ctx=ctx, case_id=c).intact for c in ("CASE-2", "CASE-3")] == [
        True, True]
    assert audit.verify(ctx=ctx, case_id="CASE-1").broken == report.broken


def test_altered_data_is_reported_even_when_it_reads_the_same_to_people(
    ctx: Context, clock: FakeClock
) -> None:
    three_cases(ctx, clock)
    fourth = entries_of(ctx, 1)[3]  # the escalation, with its handoff package

    tamper(ctx, "UPDATE timeline SET data = :data WHERE id = :id",
           id=fourth.id, data=json.dumps({"to": "T2", "handoff": {}}))

    assert dumped(audit.verify(ctx=ctx).broken) == dumped([BrokenLinkView(
        case="CASE-1", entry=fourth.id, kind="escalated", at=fourth.at, reason=ALTERED)])


def test_a_deleted_middle_entry_is_reported_at_the_entry_after_it(
    ctx: Context, clock: FakeClock
) -> None:
    three_cases(ctx, clock)
    entries = entries_of(ctx, 1)

    tamper(ctx, "DELETE FROM timeline WHERE id = :id", id=entries[2].id)
    report = audit.verify(ctx=ctx)

    after = entries[3]
    assert dumped(report.broken) == dumped([BrokenLinkView(
        case="CASE-1", entry=after.id, kind=after.kind, at=after.at, reason=UNLINKED)])


def test_each_broken_case_reports_its_own_first_broken_link(
    ctx: Context, clock: FakeClock
) -> None:
    three_cases(ctx, clock)
    one, three = entries_of(ctx, 1), entries_of(ctx, 3)

    tamper(ctx, "UPDATE timeline SET summary = 'x' WHERE id IN (:a, :b, :c)",
           a=one[1].id, b=one[4].id, c=three[1].id)
    report = audit.verify(ctx=ctx)

    assert [(link.case, link.entry) for link in report.broken] == [
        ("CASE-1", one[1].id), ("CASE-3", three[1].id)]


def test_a_case_whose_whole_timeline_was_removed_is_reported(
    ctx: Context, clock: FakeClock
) -> None:
    three_cases(ctx, clock)

    tamper(ctx, "DELETE FROM timeline WHERE case_number = 2")

    assert dumped(audit.verify(ctx=ctx).broken) == dumped([BrokenLinkView(
        case="CASE-2", reason=str(NO_ENTRIES))])


def test_entries_moved_to_another_case_break_both_chains(ctx: Context, clock: FakeClock) -> None:
    three_cases(ctx, clock)
    moved = entries_of(ctx, 1)[2]

    tamper(ctx, "UPDATE timeline SET case_number = 2 WHERE id = :id", id=moved.id)

    assert {link.case for link in audit.verify(ctx=ctx).broken} == {"CASE-1", "CASE-2"}


# Reading in batches


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches and transactions far smaller than the data, so that their edges are hit."""
    monkeypatch.setattr(audit, "BATCH", 2)
    monkeypatch.setattr(audit, "CASES_PER_TRANSACTION", 2)


def test_small_batches_find_the_same_links_and_report_progress(
    ctx: Context, clock: FakeClock, small_batches: None
) -> None:
    three_cases(ctx, clock)
    third = entries_of(ctx, 1)[2]
    total = count_entries(ctx)
    told: list[tuple[int, int]] = []

    intact = audit.verify(ctx=ctx, progress=lambda done, of: told.append((done, of)))
    tamper(ctx, "UPDATE timeline SET summary = 'x' WHERE id = :id", id=third.id)
    broken = audit.verify(ctx=ctx)

    assert intact.intact and intact.entries_checked == total
    assert told[-1] == (total, total)
    assert [done for done, _ in told] == sorted(done for done, _ in told)
    assert {of for _, of in told} == {total}
    assert len(told) > 3
    assert [(link.case, link.entry) for link in broken.broken] == [("CASE-1", third.id)]


def test_entries_appended_while_the_audit_runs_are_not_a_break(
    postgres_ctx: Context, clock: FakeClock, small_batches: None
) -> None:
    """Short transactions see later appends; an append extends a chain, never breaks it.
    (PostgreSQL: a reader does not block the writer. On SQLite every transaction takes
    the write lock, so a writer waits for the audit's current transaction, one batch of
    cases, and a writer in the audit's own thread would wait forever.)"""
    ctx = postgres_ctx
    three_cases(ctx, clock)
    appended: list[int] = []

    def append_once(done: int, total: int) -> None:
        if not appended:
            clock.advance(minutes=1)
            appended.append(cases.respond(ctx=ctx, actor=ANA, case_id="CASE-3").version)

    report = audit.verify(ctx=ctx, progress=append_once)

    assert appended and report.intact
    assert report.entries_checked == count_entries(ctx)


# The append-only guard


def test_the_migrations_triggers_still_refuse_to_rewrite_the_timeline(
    ctx: Context, clock: FakeClock
) -> None:
    three_cases(ctx, clock)
    before = count_entries(ctx)

    audit.verify(ctx=ctx)
    assert_the_timeline_refuses_rewrites(ctx)

    assert count_entries(ctx) == before
    assert audit.verify(ctx=ctx).intact


def _alembic(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", "escalada.adapters.db:migrations")
    config.attributes["connection"] = connection
    return config


def test_entries_written_before_the_chain_existed_are_chained_by_the_migration(
    ctx: Context, clock: FakeClock
) -> None:
    """Migration 0003 hashes older entries with the append-only guard lifted for it
    alone: afterwards they verify, new entries extend their chains, and the guard is
    back (its SQLite trigger is dropped and made again)."""
    three_cases(ctx, clock)
    with ctx.engine.begin() as connection:
        command.downgrade(_alembic(connection), "0002")
    assert schema_version(ctx.engine) == "0002"

    upgrade(ctx.engine)
    clock.advance(minutes=5)
    cases.respond(ctx=ctx, actor=ANA, case_id="CASE-1", note="after the migration")

    assert schema_version(ctx.engine) == SCHEMA_HEAD
    report = audit.verify(ctx=ctx)
    assert report.intact and report.entries_checked == count_entries(ctx) == 11
    assert_the_timeline_refuses_rewrites(ctx)


def test_no_code_outside_the_migrations_updates_or_deletes_timeline_entries() -> None:
    """The services and entry points only ever insert into the timeline (the triggers
    would refuse anything else, at run time: this says so before it runs)."""
    source = Path(audit.__file__).resolve().parents[1]
    rewrites = re.compile(
        r"(update|delete)\(\s*TimelineRow|UPDATE\s+timeline\b|DELETE\s+FROM\s+timeline\b",
        re.IGNORECASE)
    offenders = [
        f"{path.relative_to(source)}: {match.group(0)}"
        for path in source.rglob("*.py") if "migrations" not in path.parts
        for match in rewrites.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


# Through the entry points


@pytest.fixture
def auditor(ctx: Context) -> Iterator[TestClient]:
    """The API with a viewer's token: auditing needs no more."""
    add_user(ctx=ctx, actor=None, name="admin", role="admin")
    add_user(ctx=ctx, actor=ADMIN, name="vera", role="viewer")
    token = create_token(ctx=ctx, actor=Actor("vera", "viewer")).token
    with TestClient(create_app(ctx), headers={"Authorization": f"Bearer {token}"}) as client:
        yield client


def test_the_api_reports_an_intact_and_then_a_broken_chain(
    ctx: Context, clock: FakeClock, auditor: TestClient
) -> None:
    three_cases(ctx, clock)
    intact = auditor.get("/api/v1/audit/verify")
    third = entries_of(ctx, 1)[2]

    tamper(ctx, "UPDATE timeline SET summary = 'x' WHERE id = :id", id=third.id)
    broken = auditor.get("/api/v1/audit/verify")
    one_case = auditor.get("/api/v1/audit/verify", params={"case": "CASE-2"})

    assert intact.status_code == 200, intact.text
    assert intact.json()["intact"] is True
    assert intact.json()["entries_checked"] == 10
    assert broken.status_code == 200
    assert broken.json()["intact"] is False
    assert broken.json()["broken"] == [{
        "case": "CASE-1", "entry": third.id, "kind": third.kind,
        "at": third.at.isoformat(), "reason": ALTERED}]
    assert one_case.json()["intact"] is True
    assert one_case.json()["case"] == "CASE-2"


def test_the_api_refuses_an_unknown_case_and_a_missing_token(
    ctx: Context, auditor: TestClient
) -> None:
    missing = auditor.get("/api/v1/audit/verify", params={"case": "CASE-404"})
    anonymous = auditor.get("/api/v1/audit/verify", headers={"Authorization": ""})

    assert (missing.status_code, missing.json()["error"]) == (404, "not_found")
    assert anonymous.status_code == 401


def _run(cli: Cli, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ESCALADA), *args], env=cli.env, capture_output=True, text=True,
                          timeout=60, check=False)


@pytest.mark.slow  # the installed executable: exit codes, stdout and stderr apart
def test_the_cli_exits_0_when_intact_and_1_with_the_report_when_broken(
    tmp_path: Path,
) -> None:
    cli = Cli(tmp_path)
    cli.run("user", "add", "irina", "--role", "admin")
    cli.run("user", "add", "vera", "--role", "viewer")
    cli.run("account", "add", "--id", "acme", "--name", "Acme Corp", "--tier", "enterprise",
            "--plan", "enterprise")
    for title in ("Volumes detach", "Login slow"):
        cli.run("case", "open", "--account", "acme", "--severity", "P2", "--title", title)
    cli.run("case", "respond", "CASE-1", "--note", "looking")
    cli.run("case", "respond", "CASE-1", "--note", "still looking")

    assert "Timeline intact: 2 cases, 4 entries checked" in cli.run("--as", "vera", "audit",
                                                                      "verify")
    assert cli.json("audit", "verify", "--case", "CASE-1")["intact"] is True

    database = tmp_path / "cli.db"
    import sqlite3

    with sqlite3.connect(database) as connection:
        connection.execute("DROP TRIGGER timeline_no_update")
        third = connection.execute(
            "SELECT id FROM timeline WHERE case_number = 1 ORDER BY id LIMIT 1 OFFSET 2"
        ).fetchone()[0]
        connection.execute("UPDATE timeline SET summary = 'x' WHERE id = ?", (third,))
        connection.execute(SQLITE_GUARDS["update"])

    as_json = _run(cli, "audit", "verify", "--format", "json")
    as_table = _run(cli, "audit", "verify")
    other_case = _run(cli, "audit", "verify", "--case", "CASE-2")
    unknown = _run(cli, "audit", "verify", "--case", "CASE-9")

    assert as_json.returncode == 1, as_json.stderr
    report = json.loads(as_json.stdout)
    assert report["intact"] is False
    assert [(b["case"], b["entry"], b["kind"]) for b in report["broken"]] == [
        ("CASE-1", third, "customer_update")]
    assert as_json.stderr == ""
    assert as_table.returncode == 1
    assert "Timeline BROKEN" in as_table.stdout and "CASE-1" in as_table.stdout
    assert other_case.returncode == 0
    assert unknown.returncode == 4 and "no case CASE-9" in unknown.stderr

