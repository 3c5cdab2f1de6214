"""The case lifecycle on real SQLite and PostgreSQL: open, flag, pause, respond,
update, resolve, close, and the errors people get when they ask for the wrong thing."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from case_support import open_case as open_acme_case
from examples import ANA

from escalada.domain.errors import InvalidInput, InvalidTransition, NotFound
from escalada.services import cases
from escalada.services.case_board import list_page
from escalada.services.cases import evaluate_case
from escalada.services.context import Context
from escalada.services.escalations import escalate
from escalada.services.views import CaseView
from escalada.testing import FakeClock


def at(hour: int, minute: int = 0, day: int = 26) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def open_p1(ctx: Context, **fields: Any) -> CaseView:
    """A P1 case of an enterprise account on the enterprise plan (24x7: 15m / 2h / 4h)."""
    return open_acme_case(ctx, account_fields={"timezone": "Europe/Moscow", "country": "RU",
                                               "language": "ru"}, **fields)


def clocks(view: CaseView) -> dict[str, Any]:
    return {clock.target: clock for clock in view.evaluation.sla}


def timeline_kinds(ctx: Context, case_id: str) -> list[str]:
    return [entry.kind for entry in cases.case_timeline(ctx=ctx, case_id=case_id)]


# Opening


def test_opening_a_case_gives_it_a_case_id_status_new_tier_t1_and_version_1(
    ctx: Context,
) -> None:
    view = open_p1(ctx, services=["compute"])

    assert view.snapshot.id == "CASE-1"
    assert view.snapshot.status == "new"
    assert view.snapshot.tier == "T1"
    assert view.snapshot.exec_level is None
    assert view.snapshot.opened_at == at(10)
    assert view.version == 1
    assert [(e.kind, e.actor, e.at) for e in view.timeline] == [("case_opened", "ana", at(10))]


def test_the_next_case_gets_the_next_case_number(ctx: Context) -> None:
    open_p1(ctx)

    second = cases.open_case(ctx=ctx, actor=ANA, account="acme", severity="P3", title="Slow")

    assert second.snapshot.id == "CASE-2"
    assert [c.id for c in list_page(ctx=ctx).items] == ["CASE-1", "CASE-2"]


def test_opening_a_case_for_an_unknown_account_is_not_found(ctx: Context) -> None:
    with pytest.raises(NotFound, match="nobody"):
        cases.open_case(ctx=ctx, actor=ANA, account="nobody", severity="P1", title="Down")

    assert list_page(ctx=ctx).items == []


# Flags


def test_setting_a_flag_records_it_on_the_case_and_the_timeline(ctx: Context) -> None:
    open_p1(ctx)

    view = cases.set_flags(ctx=ctx, actor=ANA, case_id="CASE-1", flags=["churn_threat"],
                           reason="customer mentioned a competitor")

    assert view.snapshot.flags == {"churn_threat"}
    assert view.version == 2
    last = view.timeline[-1]
    assert (last.kind, last.data, last.reason) == (
        "flag_set", {"flags": ["churn_threat"]}, "customer mentioned a competitor")


def test_setting_a_flag_that_is_already_set_is_an_invalid_transition(ctx: Context) -> None:
    open_p1(ctx, flags=["churn_threat"])

    with pytest.raises(InvalidTransition, match="churn_threat already set"):
        cases.set_flags(ctx=ctx, actor=ANA, case_id="CASE-1", flags=["churn_threat"])

    assert timeline_kinds(ctx, "CASE-1") == ["case_opened"]


def test_clearing_a_flag_removes_it_and_clearing_it_again_is_refused(ctx: Context) -> None:
    open_p1(ctx, flags=["churn_threat", "legal_action_threatened"])

    view = cases.set_flags(ctx=ctx, actor=ANA, case_id="CASE-1", flags=["churn_threat"], on=False)

    assert view.snapshot.flags == {"legal_action_threatened"}
    assert view.timeline[-1].kind == "flag_cleared"
    with pytest.raises(InvalidTransition, match="not set"):
        cases.set_flags(ctx=ctx, actor=ANA, case_id="CASE-1", flags=["churn_threat"], on=False)


def test_a_flag_that_is_not_a_criterion_id_is_invalid_input_naming_flags_0(
    ctx: Context,
) -> None:
    open_p1(ctx)

    with pytest.raises(InvalidInput, match=r"^flags\[0\]: must match ") as refused:
        cases.set_flags(ctx=ctx, actor=ANA, case_id="CASE-1", flags=["Churn Threat!"])

    assert [field for field, _ in refused.value.problems] == ["flags[0]"]
    assert timeline_kinds(ctx, "CASE-1") == ["case_opened"]


# Pausing


def test_pausing_a_case_twice_is_refused(ctx: Context, clock: FakeClock) -> None:
    open_p1(ctx)
    view = cases.pause(ctx=ctx, actor=ANA, case_id="CASE-1", reason="waiting for logs")
    assert view.snapshot.status == "waiting_on_customer"

    clock.advance(minutes=1)
    with pytest.raises(InvalidTransition, match="already waiting on the customer"):
        cases.pause(ctx=ctx, actor=ANA, case_id="CASE-1")

    assert timeline_kinds(ctx, "CASE-1") == ["case_opened", "paused"]


def test_resuming_a_case_that_is_not_paused_is_refused(ctx: Context) -> None:
    open_p1(ctx)

    with pytest.raises(InvalidTransition, match="not waiting on the customer"):
        cases.resume(ctx=ctx, actor=ANA, case_id="CASE-1")


def test_a_paused_case_reports_its_sla_clocks_as_paused_and_stopped(
    ctx: Context, clock: FakeClock
) -> None:
    open_p1(ctx)
    clock.advance(minutes=5)
    cases.pause(ctx=ctx, actor=ANA, case_id="CASE-1")
    clock.advance(minutes=30)

    evaluation = evaluate_case(ctx=ctx, case_id="CASE-1")

    by_target = {clock.target: clock for clock in evaluation.sla}
    assert set(by_target) == {"first_response", "resolution"}
    assert all(sla.paused for sla in evaluation.sla)
    assert by_target["first_response"].consumed == pytest.approx(5 / 15, abs=1e-4)
    assert not by_target["first_response"].breached


def test_a_resumed_clock_excludes_the_paused_minutes(ctx: Context, clock: FakeClock) -> None:
    open_p1(ctx)
    clock.advance(minutes=5)
    cases.pause(ctx=ctx, actor=ANA, case_id="CASE-1")
    clock.advance(minutes=30)
    cases.resume(ctx=ctx, actor=ANA, case_id="CASE-1", reason="logs arrived")
    clock.advance(minutes=5)

    view = cases.show_case(ctx=ctx, case_id="CASE-1")

    assert view.snapshot.status == "investigating"
    assert [(p.start, p.end) for p in view.snapshot.paused] == [(at(10, 5), at(10, 35))]
    sla = clocks(view)
    assert not sla["first_response"].paused
    assert sla["first_response"].due_at == at(10, 45)
    assert sla["first_response"].consumed == pytest.approx(10 / 15, abs=1e-4)
    assert sla["resolution"].due_at == at(14, 30)
    assert timeline_kinds(ctx, "CASE-1") == ["case_opened", "paused", "resumed"]


# Responding


def test_the_first_response_starts_the_update_cadence_and_each_update_moves_it(
    ctx: Context, clock: FakeClock
) -> None:
    open_p1(ctx)
    clock.advance(minutes=10)

    first = cases.respond(ctx=ctx, actor=ANA, case_id="CASE-1", note="looking into it")

    assert first.snapshot.first_response_at == at(10, 10)
    assert first.snapshot.status == "investigating"
    assert clocks(first)["next_update"].due_at == at(12, 10)
    assert "first_response" not in clocks(first)

    clock.advance(minutes=30)
    update = cases.respond(ctx=ctx, actor=ANA, case_id="CASE-1", note="found the cause")

    assert update.snapshot.first_response_at == at(10, 10)
    assert update.snapshot.last_customer_update_at == at(10, 40)
    assert clocks(update)["next_update"].due_at == at(12, 40)
    assert timeline_kinds(ctx, "CASE-1") == ["case_opened", "first_response", "customer_update"]


# Updating


def test_a_csat_of_7_is_invalid_input_naming_csat(ctx: Context) -> None:
    open_p1(ctx)

    with pytest.raises(InvalidInput, match=r"^csat: must be <= 5") as refused:
        cases.update_case(ctx=ctx, actor=ANA, case_id="CASE-1", csat=7)

    assert [field for field, _ in refused.value.problems] == ["csat"]
    assert cases.show_case(ctx=ctx, case_id="CASE-1").snapshot.csat is None


def test_changing_the_severity_changes_the_sla_targets(ctx: Context) -> None:
    opened = open_p1(ctx)
    assert clocks(opened)["first_response"].due_at == at(10, 15)
    assert clocks(opened)["resolution"].due_at == at(14)

    view = cases.update_case(ctx=ctx, actor=ANA, case_id="CASE-1", severity="P3",
                             reason="workaround in place")

    assert view.snapshot.severity == "P3"
    assert clocks(view)["first_response"].due_at == at(14)
    assert clocks(view)["resolution"].due_at == at(10, day=29)
    last = view.timeline[-1]
    assert last.kind == "updated"
    assert last.data["before"] == {"severity": "P1"}
    assert last.data["after"] == {"severity": "P3"}


def test_an_update_naming_no_field_is_invalid_input(ctx: Context) -> None:
    open_p1(ctx)

    with pytest.raises(InvalidInput, match="changes"):
        cases.update_case(ctx=ctx, actor=ANA, case_id="CASE-1")


# Resolving and closing


def test_closing_a_case_before_it_is_resolved_is_refused(ctx: Context) -> None:
    open_p1(ctx)

    with pytest.raises(InvalidTransition, match="resolve it before closing"):
        cases.close(ctx=ctx, actor=ANA, case_id="CASE-1")

    assert cases.show_case(ctx=ctx, case_id="CASE-1").snapshot.status == "new"


def test_a_resolved_case_stops_its_clocks_and_can_then_be_closed(
    ctx: Context, clock: FakeClock
) -> None:
    open_p1(ctx)
    clock.advance(hours=1)

    resolved = cases.resolve(ctx=ctx, actor=ANA, case_id="CASE-1", reason="patched")

    assert resolved.snapshot.status == "resolved"
    assert resolved.snapshot.resolved_at == at(11)
    assert resolved.evaluation.sla == []

    clock.advance(hours=1)
    closed = cases.close(ctx=ctx, actor=ANA, case_id="CASE-1", reason="customer confirmed")

    assert closed.snapshot.status == "closed"
    assert closed.closed_at == at(12)
    assert timeline_kinds(ctx, "CASE-1") == ["case_opened", "resolved", "closed"]


def test_resolving_a_paused_case_ends_its_pause(ctx: Context, clock: FakeClock) -> None:
    open_p1(ctx)
    cases.pause(ctx=ctx, actor=ANA, case_id="CASE-1")
    clock.advance(minutes=20)

    view = cases.resolve(ctx=ctx, actor=ANA, case_id="CASE-1")

    assert [(p.start, p.end) for p in view.snapshot.paused] == [(at(10), at(10, 20))]


@pytest.mark.parametrize(
    "action",
    [
        lambda ctx: cases.respond(ctx=ctx, actor=ANA, case_id="CASE-1"),
        lambda ctx: cases.set_flags(ctx=ctx, actor=ANA, case_id="CASE-1", flags=["churn_threat"]),
        lambda ctx: cases.pause(ctx=ctx, actor=ANA, case_id="CASE-1"),
        lambda ctx: cases.update_case(ctx=ctx, actor=ANA, case_id="CASE-1", csat=2),
        lambda ctx: cases.resolve(ctx=ctx, actor=ANA, case_id="CASE-1"),
        lambda ctx: cases.close(ctx=ctx, actor=ANA, case_id="CASE-1"),
        lambda ctx: escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="L1", reason="angry"),
    ],
    ids=["respond", "flag", "pause", "update", "resolve", "close", "escalate"],
)
def test_every_action_on_a_closed_case_is_refused_and_writes_nothing(
    ctx: Context, action: Any
) -> None:
    open_p1(ctx)
    cases.resolve(ctx=ctx, actor=ANA, case_id="CASE-1")
    cases.close(ctx=ctx, actor=ANA, case_id="CASE-1")

    with pytest.raises(InvalidTransition, match="CASE-1 is closed"):
        action(ctx)

    view = cases.show_case(ctx=ctx, case_id="CASE-1")
    assert (view.snapshot.status, view.version) == ("closed", 3)


# Unknown and malformed ids


def test_an_unknown_case_is_not_found(ctx: Context) -> None:
    open_p1(ctx)

    with pytest.raises(NotFound, match="CASE-999"):
        cases.show_case(ctx=ctx, case_id="CASE-999")
    with pytest.raises(NotFound, match="CASE-999"):
        cases.respond(ctx=ctx, actor=ANA, case_id="CASE-999")


def test_a_malformed_case_id_is_invalid_input_naming_case(ctx: Context) -> None:
    with pytest.raises(InvalidInput, match=r"^case: 'ticket-7' is not a case id") as refused:
        cases.show_case(ctx=ctx, case_id="ticket-7")

    assert [field for field, _ in refused.value.problems] == ["case"]


def test_a_bare_case_number_finds_the_case(ctx: Context) -> None:
    open_p1(ctx)

    assert cases.show_case(ctx=ctx, case_id="1").snapshot.id == "CASE-1"


def test_an_update_cannot_put_a_case_on_hold_without_pausing_its_clocks(ctx: Context) -> None:
    open_p1(ctx)

    with pytest.raises(InvalidInput, match=r"^status: use `pause` for that$") as refused:
        cases.update_case(ctx=ctx, actor=ANA, case_id="CASE-1", status="waiting_on_customer")

    assert refused.value.problems == [("status", "use `pause` for that")]
    assert cases.show_case(ctx=ctx, case_id="CASE-1").version == 1


def test_an_update_cannot_take_a_paused_case_off_hold_without_resuming_it(
    ctx: Context,
) -> None:
    open_p1(ctx)
    cases.pause(ctx=ctx, actor=ANA, case_id="CASE-1")

    with pytest.raises(InvalidTransition, match="resume it first"):
        cases.update_case(ctx=ctx, actor=ANA, case_id="CASE-1", status="investigating")

    view = cases.show_case(ctx=ctx, case_id="CASE-1")
    assert view.snapshot.status == "waiting_on_customer"
    assert {sla.target: sla.paused for sla in view.evaluation.sla} == {
        "first_response": True, "resolution": True}


def test_evaluating_a_stored_case_at_a_naive_time_is_invalid_input_naming_at(
    ctx: Context,
) -> None:
    open_p1(ctx)

    with pytest.raises(InvalidInput, match=r"^at: must carry a UTC offset") as refused:
        evaluate_case(ctx=ctx, case_id="CASE-1", at=datetime(2026, 11, 26, 10, 5))

    assert [field for field, _ in refused.value.problems] == ["at"]


def test_updating_the_revenue_impact_is_stored_exactly_and_fires_its_criterion(
    ctx: Context,
) -> None:
    open_p1(ctx)

    view = cases.update_case(ctx=ctx, actor=ANA, case_id="CASE-1", revenue_impact_usd="10000.01",
                             contact_level="c_level", reason="finance confirmed")

    assert view.snapshot.revenue_impact_usd == Decimal("10000.01")
    assert view.snapshot.escalating_contact_level == "c_level"
    executive = [r for r in view.evaluation.recommendations if r.track == "executive"]
    assert executive[0].to == "L3"
    reloaded = cases.show_case(ctx=ctx, case_id="CASE-1")
    assert reloaded.snapshot.revenue_impact_usd == Decimal("10000.01")
    entry = cases.case_timeline(ctx=ctx, case_id="CASE-1")[-1]
    assert (entry.kind, entry.reason) == ("updated", "finance confirmed")
    assert "changed revenue impact $0.00 -> $10,000.01" in entry.summary  # words, not ids
