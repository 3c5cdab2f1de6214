"""Calendars, SLA arithmetic, timers and the worker through the `escalada` command
(`serve` as a real process)."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cli_support import ESCALADA, Cli

MOSCOW_OFFICE = ("calendar", "add", "moscow-office", "--timezone", "Europe/Moscow",
                 "--country", "RU", "--hours", "09:00-18:00", "--days", "mon-fri")


def test_sla_deadline_on_a_russian_business_calendar_works_the_moved_saturday(cli: Cli) -> None:
    due = cli.json("sla", "deadline", "--start", "2024-11-01T17:00:00+03:00", "--minutes", "120",
                   "--calendar", "business", "--timezone", "Europe/Moscow", "--country", "RU")

    assert due == {"due_at": "2024-11-02T07:00:00+00:00", "calendar": "business",
                   "start": "2024-11-01T14:00:00+00:00", "minutes": 120.0}


def test_sla_elapsed_skips_the_holiday_and_counts_the_working_saturday(cli: Cli) -> None:
    spent = cli.json("sla", "elapsed", "--start", "2024-11-01T09:00:00+03:00",
                     "--end", "2024-11-06T09:00:00+03:00", "--calendar", "business",
                     "--timezone", "Europe/Moscow", "--country", "RU")

    assert spent["minutes"] == 3 * 540  # Friday, the working Saturday, Tuesday


def test_sla_on_24x7_with_a_pause(cli: Cli) -> None:
    due = cli.json("sla", "deadline", "--start", "2026-11-26T10:00:00+00:00", "--minutes", "60",
                   "--pause", "2026-11-26T10:30:00+00:00/2026-11-26T11:00:00+00:00")

    assert due["due_at"] == "2026-11-26T11:30:00+00:00"


def test_a_stored_calendar_is_listed_shown_day_by_day_and_used_by_name(cli: Cli) -> None:
    cli.run(*MOSCOW_OFFICE, "--override", "2024-11-01=09:00-17:00", "--override", "2024-11-05=off")

    [listed] = cli.json("calendar", "list")
    shown = cli.json("calendar", "show", "moscow-office", "--from", "2024-11-01", "--days", "5")
    due = cli.json("sla", "deadline", "--start", "2024-11-01T16:00:00+03:00", "--minutes", "60",
                   "--calendar", "moscow-office")

    assert listed["spec"]["name"] == "moscow-office" and listed["accounts"] == 0
    assert [(d["date"], d["hours"], d["why"]) for d in shown["days"]] == [
        ("2024-11-01", ["09:00-17:00"], "override"),
        ("2024-11-02", ["09:00-18:00"], "moved working day"),
        ("2024-11-03", [], "weekly day off"),
        ("2024-11-04", [], "holiday: Unity Day"),
        ("2024-11-05", [], "override"),
    ]
    assert due["due_at"] == "2024-11-01T14:00:00+00:00"  # 17:00 Moscow: the shortened day ends


def test_an_account_on_a_stored_calendar(cli: Cli) -> None:
    cli.run(*MOSCOW_OFFICE)
    cli.run("account", "add", "--id", "vlad", "--name", "Vlad Shipping", "--tier", "standard",
            "--plan", "business", "--timezone", "Asia/Vladivostok", "--calendar", "moscow-office")

    account = cli.json("account", "show", "vlad")
    back = cli.json("account", "calendar", "vlad", "policy")

    assert account["calendar"]["timezone"] == "Europe/Moscow"
    assert back["calendar"] is None
    assert cli.json("calendar", "show", "moscow-office")["accounts"] == 0


def test_calendar_errors_name_the_option_and_exit_2(cli: Cli) -> None:
    assert "hours" in cli.run("calendar", "add", "night", "--timezone", "UTC",
                              "--hours", "18:00-09:00", code=2)
    assert "country" in cli.run("calendar", "add", "x", "--timezone", "UTC", "--country", "XX",
                                code=2)
    assert "days:" in cli.run("calendar", "add", "x", "--timezone", "UTC", "--days", "mon-fry",
                               code=2)
    assert "--override" in cli.run("calendar", "add", "x", "--timezone", "UTC",
                                   "--override", "tomorrow", code=2)
    assert "minutes" in cli.run("sla", "deadline", "--start", "2026-11-26T10:00:00+00:00",
                                "--minutes", "-1", code=2)
    assert "--timezone" in cli.run("sla", "deadline", "--start", "2026-11-26T10:00:00+00:00",
                                   "--minutes", "1", "--calendar", "business", code=2)


def test_a_stored_calendar_exists_once_unless_replaced(cli: Cli) -> None:
    cli.run(*MOSCOW_OFFICE)

    assert "exists already" in cli.run(*MOSCOW_OFFICE, code=5)
    replaced = cli.json(*MOSCOW_OFFICE[:-2], "--days", "mon-sat", "--replace")
    assert list(replaced["spec"]["week"]) == ["mon", "tue", "wed", "thu", "fri", "sat"]
    assert "no calendar" in cli.run("calendar", "show", "nowhere", code=4)


def test_a_reminder_fires_through_the_worker_and_the_auditor_sees_it_first(cli: Cli) -> None:
    cli.run("account", "add", "--id", "acme", "--name", "Acme", "--tier", "enterprise",
            "--plan", "enterprise")
    case = cli.json("case", "open", "--account", "acme", "--severity", "P3", "--title", "Slow")
    due = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    cli.json("case", "remind", case["snapshot"]["id"], "--at", due, "--note", "call Olga back")

    before = cli.json("timers", "status")
    cli.run("timers", "status", "--check", code=1)
    cli.run("worker", "--once")
    after = cli.json("timers", "status")
    timeline = cli.json("case", "timeline", case["snapshot"]["id"])

    assert before["overdue"] == 1
    assert after["overdue"] == 0 and after["counts"]["fired"] == 1
    assert [e["summary"] for e in timeline if e["kind"] == "reminder"] == [
        "reminder for irina: call Olga back"]
    cli.run("timers", "status", "--check")


def test_opening_a_case_plans_its_sla_timers(cli: Cli) -> None:
    cli.run("account", "add", "--id", "acme", "--name", "Acme", "--tier", "enterprise",
            "--plan", "enterprise")
    case = cli.json("case", "open", "--account", "acme", "--severity", "P1", "--title", "Down")

    timers = cli.json("timers", "list", "--case", case["snapshot"]["id"])

    assert [(t["kind"], t["key"].split(":")[1], t["state"]) for t in timers][:4] == [
        ("sla_threshold", "first_response", "pending")] * 4
    assert len(timers) == 8  # 50/75/90/100% of first response and of resolution
    assert json.loads(cli.run("timers", "list", "--state", "fired", "--format", "json")) == []
    assert "state" in cli.run("timers", "list", "--state", "late", code=2)


def _serve(cli: Cli, log: Path, *options: str) -> subprocess.Popen[str]:
    """`escalada serve` as a real process, its stderr (the logs) in `log`, once it answers:
    by then whatever it starts at startup has started and said so."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with log.open("w") as stderr:
        server = subprocess.Popen(
            [str(ESCALADA), "serve", "--port", str(port), *options], env=cli.env, text=True,
            stdout=subprocess.DEVNULL, stderr=stderr)
    deadline = time.monotonic() + 60  # seconds to start on a busy machine
    while time.monotonic() < deadline and server.poll() is None:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise AssertionError(f"escalada serve did not come up (exit {server.wait()})")


def _reminders_fired(cli: Cli, ref: str) -> int:
    return sum(e["kind"] == "reminder" for e in cli.json("case", "timeline", ref))


@pytest.mark.slow  # `escalada serve` as a real process
@pytest.mark.parametrize(("options", "fires"), [((), True), (("--no-worker",), False)])
def test_serve_fires_due_timers_in_process_unless_told_not_to(
    cli: Cli, tmp_path: Path, options: tuple[str, ...], fires: bool
) -> None:
    cli.run("account", "add", "--id", "acme", "--name", "Acme", "--tier", "enterprise",
            "--plan", "enterprise")
    ref = cli.json("case", "open", "--account", "acme", "--severity", "P3",
                   "--title", "Slow")["snapshot"]["id"]
    cli.json("case", "remind", ref, "--in", "0m", "--note", "check the graphs")
    log = tmp_path / "serve.log"

    server = _serve(cli, log, *options)
    try:
        deadline = time.monotonic() + 10
        while fires and not _reminders_fired(cli, ref) and time.monotonic() < deadline:
            time.sleep(0.2)
        # The workers start before the API answers, and say so: no sleeping on a guess.
        assert ("workers_started" in log.read_text()) is fires
        assert _reminders_fired(cli, ref) == (1 if fires else 0)
    finally:
        server.terminate()
        server.wait(10)
