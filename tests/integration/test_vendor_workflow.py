"""The vendor workflow end to end with the real boto3 client against a fake AWS Support
API on loopback: a case at T3 opens an AWS case and steps to VENDOR, the plan's response
target is chased by a timer, the vendor's reply lands on our timeline after a sync (by
hand or by a worker), and notes, escalation and closing reach AWS."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from examples import ANA, T2_HANDOFF, T3_HANDOFF, VENDOR_HANDOFF
from fake_aws_support import FakeAwsSupport, fake_aws  # noqa: F401
from sqlalchemy import func, select
from timer_support import drain, open_case, timeline

from escalada.adapters.catalogs import translations
from escalada.adapters.db.tables import VendorCaseRow
from escalada.domain.errors import HandoffIncomplete, InvalidInput, InvalidTransition, NotFound
from escalada.entrypoints.worker import Worker
from escalada.services import cases
from escalada.services.context import Context
from escalada.services.escalations import escalate
from escalada.services.vendor_actions import (
    close_vendor_case,
    escalate_vendor_case,
    note_vendor_case,
)
from escalada.services.vendor_opening import open_vendor_case
from escalada.services.vendor_sync import sync_vendor_cases
from escalada.services.vendor_views import (
    VendorCaseView,
    VendorRequestView,
    vendor_case_page,
)
from escalada.testing import FakeClock

PACKAGE = {k: v for k, v in VENDOR_HANDOFF.items() if k != "vendor_case_number"}
OPEN: dict[str, Any] = {
    "vendor": "aws", "plan": "enterprise", "service": "elastic-load-balancing",
    "category": "performance", "region": "eu-central-1",
    "request": "Check the load balancer nodes in eu-central-1 for a platform event.",
}


def _at_t3(ctx: Context) -> None:
    open_case(ctx)
    escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="T2", handoff=T2_HANDOFF,
             reason="advanced diagnostics")
    escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="T3", handoff=T3_HANDOFF,
             reason="suspected platform defect")


def _open(ctx: Context, **overrides: Any) -> VendorCaseView:
    view = open_vendor_case(ctx=ctx, actor=ANA, case_id="CASE-1",
                            **{**OPEN, "handoff": PACKAGE, **overrides})
    assert isinstance(view, VendorCaseView)
    return view


def _vendor_cases(ctx: Context) -> int:
    with ctx.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(VendorCaseRow)) or 0


def test_an_aws_case_opened_from_t3_is_chased_then_answered_on_our_timeline(
    ctx: Context, clock: FakeClock, fake_aws: FakeAwsSupport,  # noqa: F811
) -> None:
    _at_t3(ctx)

    opened = _open(ctx)

    [(_, request)] = [c for c in fake_aws.calls if c[0] == "CreateCase"]
    assert request["subject"].startswith("P1 ESCALATION - ")
    assert request["severityCode"] == "critical"  # P1 on Enterprise
    assert (request["serviceCode"], request["categoryCode"]) == (
        "elastic-load-balancing", "performance")
    assert "Reference: CASE-1" in request["communicationBody"]
    assert (opened.plan, opened.severity, opened.state) == ("enterprise", "critical", "open")
    assert opened.response_due_at == clock() + timedelta(minutes=15)
    case = cases.show_case(ctx=ctx, case_id="CASE-1")
    assert case.snapshot.tier == "VENDOR"
    assert case.escalations[-1].handoff["vendor_case_number"] == f"AWS {opened.display_id}"

    clock.advance(minutes=15)
    drain(ctx)
    [overdue] = [e for e in timeline(ctx) if e.kind == "vendor_response_overdue"]
    assert "manager review" in overdue.summary
    assert "technical account manager" in overdue.summary  # Enterprise has a TAM
    assert overdue.summary_in(translations("ru")).startswith(
        f"AWS не ответил на обращение {opened.display_id} до ")
    assert overdue.summary_in(translations("ru")).endswith(
        "и свяжитесь с нашим техническим менеджером аккаунта (TAM)")

    fake_aws.reply(opened.vendor_case_id, "We are looking into the ELB nodes in eu-central-1.")
    [synced] = sync_vendor_cases(ctx=ctx, actor=ANA, case_id="CASE-1")

    assert synced.responded_at is not None and synced.state == "waiting_on_us"
    assert [m.from_vendor for m in synced.messages] == [False, True]
    entries = [e for e in timeline(ctx) if e.kind in ("vendor_message", "vendor_status")]
    assert any("AWS on AWS case" in e.summary and "ELB nodes" in e.summary for e in entries)
    assert sync_vendor_cases(ctx=ctx, actor=ANA, case_id="CASE-1")[0].messages == (
        synced.messages)  # a second sync adds nothing


def test_a_reply_in_time_means_no_chase_and_workers_sync_on_their_own(
    ctx: Context, clock: FakeClock, fake_aws: FakeAwsSupport,  # noqa: F811
) -> None:
    _at_t3(ctx)
    opened = _open(ctx)
    fake_aws.reply(opened.vendor_case_id, "Engineer assigned.", status="work-in-progress")

    clock.advance(minutes=15)  # the worker syncs every 15 minutes, before the timer fires
    Worker(ctx, "worker-1").drain()

    [view] = vendor_case_page(ctx=ctx, case_id="CASE-1").items
    assert view.responded_at is not None and view.last_synced_at == clock()
    assert "vendor_response_overdue" not in [e.kind for e in timeline(ctx)]


def test_notes_escalation_and_closing_reach_aws(
    ctx: Context, fake_aws: FakeAwsSupport, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
) -> None:
    monkeypatch.setenv("ESCALADA_AWS_TAM_EMAIL", "tam@example.com")
    _at_t3(ctx)
    _open(ctx)
    calls, entries = len(fake_aws.calls), len(timeline(ctx))
    planned = escalate_vendor_case(ctx=ctx, actor=ANA, case_id="CASE-1", reason="BUSINESS_IMPACT",
                                   justification="Payments down", dry_run=True)
    assert isinstance(planned, VendorRequestView)
    assert planned.operation == "add_communication_to_case"
    assert "Payments down" in planned.params["communicationBody"]
    assert (len(fake_aws.calls), len(timeline(ctx))) == (calls, entries)

    note_vendor_case(ctx=ctx, actor=ANA, case_id="CASE-1", text="Logs attached: trace-7781")
    escalated = escalate_vendor_case(ctx=ctx, actor=ANA, case_id="CASE-1",
                                     reason="business_impact",
                                     justification="Payments down for 40k customers")
    [synced] = sync_vendor_cases(ctx=ctx, actor=ANA, case_id="CASE-1")
    closed = close_vendor_case(ctx=ctx, actor=ANA, case_id="CASE-1")

    bodies = [b["communicationBody"] for op, b in fake_aws.calls
              if op == "AddCommunicationToCase"]
    assert bodies[0] == "Logs attached: trace-7781"
    assert "escalate" in bodies[1].lower() and "Payments down" in bodies[1]
    assert "tam@example.com" in bodies[1]
    assert escalated.escalated_at is not None
    assert (closed.state, [op for op, _ in fake_aws.calls][-1]) == ("closed", "ResolveCase")
    # Synced back, our note is kept with the vendor case's messages but not told twice.
    assert "Logs attached: trace-7781" in [m.body for m in synced.messages]
    entries = [e for e in timeline(ctx) if "Logs attached" in e.summary]
    assert [e.kind for e in entries] == ["vendor_note"]
    with pytest.raises(NotFound, match=r"^CASE-1 has no open vendor case$"):
        note_vendor_case(ctx=ctx, actor=ANA, case_id="CASE-1", text="anyone?")


def test_a_dry_run_prints_the_request_and_writes_and_sends_nothing(
    ctx: Context, fake_aws: FakeAwsSupport,  # noqa: F811
) -> None:
    _at_t3(ctx)
    before = len(timeline(ctx))

    planned = open_vendor_case(ctx=ctx, actor=ANA, case_id="CASE-1", dry_run=True,
                               **{**OPEN, "handoff": PACKAGE})

    assert isinstance(planned, VendorRequestView)
    assert (planned.vendor, planned.operation) == ("aws", "create_case")
    assert planned.params["severityCode"] == "critical"
    assert fake_aws.calls == [] and _vendor_cases(ctx) == 0
    assert len(timeline(ctx)) == before
    assert cases.show_case(ctx=ctx, case_id="CASE-1").snapshot.tier == "T3"


def test_what_is_refused_before_anything_reaches_aws(
    ctx: Context, fake_aws: FakeAwsSupport,  # noqa: F811
) -> None:
    open_case(ctx)
    with pytest.raises(
        InvalidTransition,
        match=r"^CASE-1 is at T1: a vendor case is opened from T3",
    ):  # at T1
        _open(ctx)
    escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="T2", handoff=T2_HANDOFF, reason="r")
    escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="T3", handoff=T3_HANDOFF, reason="r")
    with pytest.raises(
        HandoffIncomplete,
        match=r"^handoff package for T3 -> VENDOR is incomplete: missing ",
    ) as incomplete:
        _open(ctx, handoff={"case_documentation": "summary"})
    assert "severity_justification" in incomplete.value.missing
    assert "vendor_case_number" not in incomplete.value.missing
    for bad, field in (({"vendor": "oracle"}, "vendor"), ({"plan": "platinum"}, "plan"),
                       ({"region": None}, "region")):
        with pytest.raises(InvalidInput, match=rf"^{field}: ") as refused:
            _open(ctx, **bad)
        assert refused.value.problems[0][0] == field
    assert fake_aws.calls == [] and _vendor_cases(ctx) == 0


def test_a_google_cloud_case_is_escalated_with_its_reason_and_answered(ctx: Context) -> None:
    """The same workflow on Google Cloud: a real escalate_case with reason and
    justification, and Google's comment on our timeline."""
    from fake_google_support import CLASSIFICATIONS, serve

    from escalada.adapters.vendors.gcp import GoogleSupport

    _at_t3(ctx)
    with serve() as running:
        google = GoogleSupport("projects/acme-prod", case_client=running.case_client,
                               comment_client=running.comment_client)
        ctx.vendors = lambda vendor, *, dry_run=False: google  # the composition root's seam
        opened = _open(ctx, vendor="gcp", plan="enhanced", category=None,
                       service=next(iter(CLASSIFICATIONS)))
        assert (opened.severity, opened.state) == ("P1", "open")
        assert opened.response_due_at is not None

        escalate_vendor_case(ctx=ctx, actor=ANA, case_id="CASE-1", reason="TECHNICAL_EXPERTISE",
                             justification="Needs the Compute Engine team")
        running.fake.add_comment(opened.vendor_case_id, "Compute Engine engineers engaged.")
        [synced] = sync_vendor_cases(ctx=ctx, actor=ANA, case_id="CASE-1")

        [escalation] = running.fake.calls("EscalateCase")
        assert escalation.escalation.justification == "Needs the Compute Engine team"
        assert escalation.escalation.reason.name == "TECHNICAL_EXPERTISE"
        assert synced.messages[-1].from_vendor and synced.responded_at is not None
        assert synced.escalated_at is not None


def test_a_failing_background_sync_is_kept_visible_and_tried_later(
    ctx: Context, clock: FakeClock, fake_aws: FakeAwsSupport,  # noqa: F811
) -> None:
    _at_t3(ctx)
    opened = _open(ctx)
    fake_aws.cases.pop(opened.vendor_case_id)  # AWS no longer knows it

    clock.advance(minutes=15)
    Worker(ctx, "worker-1").drain()

    [view] = vendor_case_page(ctx=ctx, case_id="CASE-1").items
    assert view.sync_error is not None and "no AWS support case" in view.sync_error
    with ctx.unit_of_work() as uow:
        row = uow.session.get_one(VendorCaseRow, view.id)
        assert row.next_sync_at == clock() + timedelta(minutes=15)
