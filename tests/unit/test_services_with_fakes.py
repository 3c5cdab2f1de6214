"""Every family of use cases runs against the fakes of `escalada.testing`: a Context on a
scratch SQLite file with FakeVendors, CapturingChannels, a detector without a model and
a clock that moves only when told; no network, no SDK, no process environment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from examples import ADMIN, ANA, MARIA, T2_HANDOFF, T3_HANDOFF
from examples import LENA as LEAD

from escalada.adapters.vendors import RESOLVED, WAITING_ON_US
from escalada.domain.errors import InvalidInput, NotFound, Unauthenticated, VendorFailed
from escalada.entrypoints.worker import Worker
from escalada.services import audit, cases, credits, people, war_room_actions
from escalada.services.accounts import add_account, get_account, update_account
from escalada.services.context import Actor, Context
from escalada.services.delivering import deliver_due
from escalada.services.drafting import draft_message
from escalada.services.escalations import acknowledge, escalate
from escalada.services.inbound_messages import record_message
from escalada.services.outbox import send_draft, show_delivery
from escalada.services.recovery import recovery_plan
from escalada.services.timer_views import set_reminder
from escalada.services.vendor_opening import open_vendor_case
from escalada.services.vendor_sync import sync_due, sync_vendor_cases
from escalada.services.vendor_views import (
    VendorCaseView,
    VendorRequestView,
    vendor_case_page,
)
from escalada.testing import (
    CapturingChannels,
    FakeClock,
    FakeVendors,
    context,
    detect_by_letters,
    fixed_clock,
)

START = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)  # a Thursday
DIRECTOR = Actor("dana", "support_director")
VENDOR_HANDOFF = {
    "case_documentation": "CASE-1 summary attached",
    "severity_justification": "production down",
    "business_impact_statement": "$40k/hour",
    "customer_communication_plan": "hourly updates by the TAM",
}


@pytest.fixture
def clock() -> FakeClock:
    return fixed_clock(START)


@pytest.fixture
def vendors(clock: FakeClock) -> FakeVendors:
    return FakeVendors(clock)


@pytest.fixture
def channels() -> CapturingChannels:
    return CapturingChannels()


@pytest.fixture
def ctx(clock: FakeClock, vendors: FakeVendors, channels: CapturingChannels) -> Context:
    return context(clock=clock, vendors=vendors, channels=channels,
                   settings={"ESCALADA_WEBHOOK_SECRET": "not used by the fakes"})


def staff(ctx: Context, *who: Actor) -> None:
    people.add_user(ctx=ctx, actor=None, name=ADMIN.name, role="admin")
    for person in who:
        people.add_user(ctx=ctx, actor=ADMIN, name=person.name, role=person.role or "")


def open_case(ctx: Context, *, tier: str = "enterprise", **fields: object) -> str:
    add_account(ctx=ctx, actor=ADMIN, id="acme", name="Acme Corp", tier=tier,
                support_plan="enterprise")
    return cases.open_case(ctx=ctx, actor=ANA, account="acme", severity="P1",
                           title="Volumes detach under load", **fields).snapshot.id


def kinds(ctx: Context, case_id: str = "CASE-1") -> list[str]:
    return [entry.kind for entry in cases.case_timeline(ctx=ctx, case_id=case_id)]


# The context itself


def test_the_fake_context_reads_no_process_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ESCALADA_TOKEN_DAYS", "forever")
    monkeypatch.setenv("ESCALADA_AWS_PLAN", "business")

    ctx = context(settings={"ESCALADA_GCP_PLAN": "enhanced"})

    assert ctx.settings().vendor_plan("aws") is None
    assert ctx.settings().vendor_plan("gcp") == "enhanced"
    assert ctx.detect_language is detect_by_letters


def test_detect_by_letters_tells_russian_from_english() -> None:
    assert detect_by_letters("Добрый день! Всё упало") == "ru"
    assert detect_by_letters("Checkout is down since 9:00") == "en"
    assert detect_by_letters("500 500 !!!") is None


# Accounts


def test_accounts_are_added_read_and_changed(ctx: Context) -> None:
    add_account(ctx=ctx, actor=ADMIN, id="acme", name="Acme Corp", tier="enterprise",
                support_plan="enterprise")

    changed = update_account(ctx=ctx, actor=ADMIN, account_id="acme",
                             changes={"tier": "strategic"}, reason="renewal")

    assert changed.tier == "strategic"
    assert get_account(ctx=ctx, account_id="acme") == changed
    with pytest.raises(NotFound, match="no account 'nope'"):
        get_account(ctx=ctx, account_id="nope")


# Cases


def test_a_case_is_opened_updated_resolved_and_closed(ctx: Context, clock: FakeClock) -> None:
    case_id = open_case(ctx)
    clock.advance(minutes=10)

    updated = cases.update_case(ctx=ctx, actor=ANA, case_id=case_id, severity="P2",
                                reason="workaround in place")
    resolved = cases.resolve(ctx=ctx, actor=ANA, case_id=case_id, reason="patched")
    closed = cases.close(ctx=ctx, actor=ANA, case_id=case_id)

    assert (case_id, updated.snapshot.severity) == ("CASE-1", "P2")
    assert (resolved.snapshot.status, closed.snapshot.status) == ("resolved", "closed")
    assert kinds(ctx)[0] == "case_opened"
    assert kinds(ctx)[-3:] == ["updated", "resolved", "closed"]


# Escalations


def test_a_case_is_escalated_and_the_step_acknowledged(ctx: Context) -> None:
    staff(ctx, ANA, MARIA)
    open_case(ctx)

    escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="T2", handoff=T2_HANDOFF,
             reason="advanced diagnostics")
    escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="L2", reason="customer asked")
    view = acknowledge(ctx=ctx, actor=MARIA, case_id="CASE-1", step=2)

    assert view.snapshot.tier == "T2"
    assert [step.acknowledged_by for step in view.escalations] == [None, "maria"]


# Communications: drafts, the outbox and delivery through a CapturingChannel


def test_a_draft_is_sent_through_the_outbox_and_delivered_by_the_channel(
    ctx: Context, channels: CapturingChannels,
) -> None:
    open_case(ctx)
    draft = draft_message(ctx=ctx, actor=ANA, case_id="CASE-1", kind="acknowledgment")

    sent = send_draft(ctx=ctx, actor=ANA, draft_id=draft.id, channel="email",
                      to="ops@acme.example")

    assert sent.state == "delivered"
    [message] = channels["email"].delivered
    assert (message.to, message.subject, message.case_ref) == (
        "ops@acme.example", draft.subject, "CASE-1")


def test_a_customer_writing_russian_gets_a_russian_draft(ctx: Context) -> None:
    open_case(ctx)
    record_message(ctx=ctx, actor=ANA, case_id="CASE-1", sender="customer",
                   text="Добрый день! У нас всё упало, помогите пожалуйста")

    draft = draft_message(ctx=ctx, actor=ANA, case_id="CASE-1", kind="acknowledgment")

    assert draft.language == "ru"


def test_a_transient_failure_is_retried_by_the_outbox_and_a_permanent_one_dead_letters(
    ctx: Context, clock: FakeClock, channels: CapturingChannels,
) -> None:
    open_case(ctx)
    email = channels["email"]
    email.fail("451 try again later")
    draft = draft_message(ctx=ctx, actor=ANA, case_id="CASE-1", kind="acknowledgment")

    sent = send_draft(ctx=ctx, actor=ANA, draft_id=draft.id, channel="email",
                      to="ops@acme.example")
    clock.advance(hours=2)
    deliver_due(ctx, owner="worker-1")

    assert (sent.state, sent.attempts) == ("pending", 1)
    assert sent.last_error is not None and "451 try again later" in sent.last_error
    assert show_delivery(ctx=ctx, delivery_id=sent.id).state == "delivered"
    assert len(email.attempts) == 2 and len(email.delivered) == 1

    email.fail("550 no such mailbox", permanent=True)
    dead = send_draft(ctx=ctx, actor=ANA, draft_id=draft.id, channel="email",
                      to="nobody@acme.example")
    assert dead.state == "dead"


# Vendors


def _case_at_t3(ctx: Context) -> None:
    """CASE-1, a P1 stepped up to T3 with full handoff packages: a vendor case may open."""
    open_case(ctx)
    escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="T2", handoff=T2_HANDOFF,
             reason="advanced diagnostics")
    escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="T3", handoff=T3_HANDOFF,
             reason="suspected platform defect")


def test_a_vendor_case_is_opened_synced_and_answered_through_the_fake_vendor(
    ctx: Context, clock: FakeClock, vendors: FakeVendors,
) -> None:
    _case_at_t3(ctx)
    request = dict(vendor="aws", plan="enterprise", service="elastic-load-balancing",
                   category="performance", region="eu-central-1",
                   request="Check the load balancer nodes for a platform event.",
                   handoff=VENDOR_HANDOFF)

    dry = open_vendor_case(ctx=ctx, actor=ANA, case_id="CASE-1", dry_run=True, **request)
    opened = open_vendor_case(ctx=ctx, actor=ANA, case_id="CASE-1", **request)

    aws = vendors["aws"]
    assert isinstance(dry, VendorRequestView) and dry.operation == "create_case"
    assert [call.operation for call in aws.dry_calls] == ["create_case"]
    assert isinstance(opened, VendorCaseView)
    assert (opened.vendor_case_id, opened.severity) == ("aws-case-1", "critical")
    assert [call.operation for call in aws.calls] == ["create_case", "describe_case"]

    clock.advance(minutes=20)
    aws.answer("aws-case-1", "We see elevated errors on two nodes; please send logs.")
    aws.set_state("aws-case-1", WAITING_ON_US, status="pending-customer-action")
    [synced] = sync_vendor_cases(ctx=ctx, actor=ANA, case_id="CASE-1")

    assert (synced.state, synced.sync_error) == (WAITING_ON_US, None)
    assert [m.body for m in synced.messages if m.from_vendor] == [
        "We see elevated errors on two nodes; please send logs."]
    assert {"vendor_message", "vendor_status"} <= set(kinds(ctx))


def test_a_failing_vendor_is_noted_and_the_worker_syncs_the_rest_later(
    ctx: Context, clock: FakeClock, vendors: FakeVendors,
) -> None:
    _case_at_t3(ctx)
    open_vendor_case(ctx=ctx, actor=ANA, case_id="CASE-1", vendor="gcp", plan="enhanced",
                     service="compute-engine", category=None, region="europe-west1",
                     request="Check the attach path.", handoff=VENDOR_HANDOFF)
    gcp = vendors["gcp"]
    gcp.fail("UNAVAILABLE: try again")
    clock.advance(hours=1)

    assert sync_due(ctx, owner="worker-1") == 1  # tried, failed, noted
    [noted] = vendor_case_page(ctx=ctx, case_id="CASE-1").items
    assert noted.sync_error == "gcp: UNAVAILABLE: try again"

    gcp.set_state("gcp-case-1", RESOLVED, status="CLOSED")
    clock.advance(hours=1)
    assert sync_due(ctx, owner="worker-1") == 1
    [synced] = vendor_case_page(ctx=ctx, case_id="CASE-1").items
    assert (synced.state, synced.sync_error) == (RESOLVED, None)
    with pytest.raises(VendorFailed, match="no case"):
        gcp.fetch_case("gcp-case-9")


def test_an_unknown_vendor_is_refused_by_the_fake_registry_as_by_the_real_one(
    vendors: FakeVendors,
) -> None:
    with pytest.raises(InvalidInput, match="must be one of aws, azure, gcp"):
        vendors("oracle")


# Credits


def test_a_credit_is_proposed_and_approved_within_authority(
    ctx: Context, clock: FakeClock,
) -> None:
    open_case(ctx)
    proposed = credits.propose_credit(ctx=ctx, actor=ANA, case_id="CASE-1",
                                      amount_usd="250.00", reason="checkout down 4 hours")
    clock.advance(minutes=5)

    approved = credits.approve_credit(ctx=ctx, actor=LEAD, credit_id=proposed.id,
                                      reason="within SLA terms")

    assert (approved.state, approved.amount_usd, approved.decided_by) == (
        "approved", Decimal("250.00"), "lena")
    assert approved.decided_at == clock.now


# War rooms


def test_a_war_room_is_opened_and_its_checklist_ticked(ctx: Context) -> None:
    staff(ctx, ANA, LEAD, DIRECTOR)
    open_case(ctx, tier="strategic")

    opened = war_room_actions.open_war_room(ctx=ctx, actor=LEAD, case_id="CASE-1",
                                     reason="press enquiry")
    item = opened.checklist[0].key
    ticked = war_room_actions.tick(ctx=ctx, actor=ANA, case_id="CASE-1", item=item)

    assert next(i for i in ticked.checklist if i.key == item).done_by == "ana"
    assert "war_room_opened" in kinds(ctx)


# Recovery


def test_resolving_an_l2_case_opens_its_recovery_plan(ctx: Context) -> None:
    staff(ctx, ANA, LEAD, MARIA)
    open_case(ctx, flags=["customer_requested_escalation"])
    escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="L2")

    cases.resolve(ctx=ctx, actor=ANA, case_id="CASE-1", reason="driver patched")
    plan = recovery_plan(ctx=ctx, case_id="CASE-1")

    assert (plan.case, plan.level) == ("CASE-1", "L2")
    assert plan.open_tasks > 0


# People and tokens


def test_a_token_authenticates_its_owner_until_revoked(ctx: Context) -> None:
    olga = Actor("olga", "engineer")
    staff(ctx, olga)

    created = people.create_token(ctx=ctx, actor=olga, label="laptop")

    assert people.authenticate(ctx=ctx, token=created.token) == olga
    assert created.expires_at == START + timedelta(days=ctx.tokens.default_days)
    people.revoke_token(ctx=ctx, actor=olga, token_id=created.id)
    with pytest.raises(Unauthenticated, match="revoked"):
        people.authenticate(ctx=ctx, token=created.token)


# Timers


def test_a_reminder_fires_when_the_fake_clock_reaches_it(ctx: Context, clock: FakeClock) -> None:
    open_case(ctx)
    set_reminder(ctx=ctx, actor=ANA, case_id="CASE-1", at=START + timedelta(minutes=30),
                 note="call the customer back")
    worker = Worker(ctx, "worker-1")

    worker.drain()
    assert "reminder" not in kinds(ctx)

    clock.advance(minutes=31)
    worker.drain()
    assert "reminder" in kinds(ctx)


# Audit


def test_the_timelines_written_through_the_fakes_verify_intact(
    ctx: Context, clock: FakeClock,
) -> None:
    open_case(ctx)
    clock.advance(minutes=5)
    cases.resolve(ctx=ctx, actor=ANA, case_id="CASE-1", reason="patched")

    report = audit.verify(ctx=ctx)

    assert (report.intact, report.cases_checked) == (True, 1)
    assert report.entries_checked >= 2
