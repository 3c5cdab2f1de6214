"""The case page's read (services.case_page) on real SQLite and PostgreSQL: everything a
person working a case looks at, in one transaction, and only the actions their role
and the case's state allow."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from case_support import open_case
from examples import ANA, T2_HANDOFF, T3_HANDOFF, VENDOR_HANDOFF
from examples import LENA as LEAD
from examples import MARIA as MANAGER
from fake_aws_support import FakeAwsSupport, fake_aws  # noqa: F401

from escalada.domain.errors import HandoffIncomplete, NotFound, NotPermitted
from escalada.services import case_page as case_page_module
from escalada.services import cases
from escalada.services.case_page import CasePageView, case_page
from escalada.services.context import Actor, Context
from escalada.services.credits import propose_credit
from escalada.services.drafting import draft_message
from escalada.services.escalations import escalate
from escalada.services.inbound_messages import record_message
from escalada.services.outbox import send_draft
from escalada.services.vendor_opening import open_vendor_case
from escalada.testing import FakeClock

VIEWER = Actor("vera", "viewer")
CASE = "CASE-1"
UPDATE = {"understanding": "Диск отключается при пиковой нагрузке.",
          "doing_now": "Переносим тома на другой узел.", "next_steps": "Проверим драйвер."}


def page(ctx: Context, actor: Actor = ANA) -> CasePageView:
    return case_page(ctx=ctx, actor=actor, case_id=CASE)


def test_a_new_case_shows_its_recommendations_with_the_criteria_that_fired(
    ctx: Context,
) -> None:
    open_case(ctx, flags=["customer_requested_escalation"])

    seen = page(ctx)

    assert seen.case.snapshot.id == CASE
    assert seen.case.title == "Volumes detach under load"
    recommended = {r.to: r.criteria for r in seen.case.evaluation.recommendations}
    assert recommended == {"T2": ["customer_requested_escalation"],
                           "L2": ["enterprise_customer_escalation"]}
    assert seen.criteria["enterprise_customer_escalation"].startswith(
        "an enterprise or strategic account asked")
    assert [(t.to, t.recommended) for t in seen.targets] == [
        ("T2", True), ("L2", True), ("L1", False), ("L3", False), ("L4", False)]
    assert [clock.target for clock in seen.case.evaluation.sla] == [
        "first_response", "resolution"]


def test_the_handoff_checklist_names_every_item_of_the_next_step_until_one_is_tried(
    ctx: Context,
) -> None:
    open_case(ctx, flags=["customer_requested_escalation"])

    checklist = page(ctx).handoff

    assert checklist is not None
    assert (checklist.step, checklist.respond_within_minutes) == ("T1 -> T2", 15)
    assert checklist.missing == list(T2_HANDOFF)
    assert all(item.missing for item in checklist.items)
    assert checklist.refused_at is None


def test_a_refused_escalation_leaves_on_the_checklist_only_what_it_was_missing(
    ctx: Context, clock: FakeClock,
) -> None:
    open_case(ctx, flags=["customer_requested_escalation"])
    partial = {k: T2_HANDOFF[k] for k in ("troubleshooting_summary", "steps_attempted")}
    with pytest.raises(HandoffIncomplete, match="missing customer_impact, diagnostic_data"):
        escalate(ctx=ctx, actor=ANA, case_id=CASE, to="T2", handoff=partial)

    checklist = page(ctx).handoff

    assert checklist is not None
    assert checklist.missing == ["customer_impact", "diagnostic_data",
                                 "customer_expectation_set"]
    assert [(i.item, i.missing) for i in checklist.items][:2] == [
        ("troubleshooting_summary", False), ("steps_attempted", False)]
    assert checklist.refused_at == clock()


def test_after_the_step_the_checklist_is_the_next_steps_and_the_old_refusal_is_gone(
    ctx: Context, clock: FakeClock,
) -> None:
    open_case(ctx, flags=["customer_requested_escalation"])
    with pytest.raises(HandoffIncomplete, match="missing troubleshooting_summary"):
        escalate(ctx=ctx, actor=ANA, case_id=CASE, to="T2", handoff={})
    clock.advance(minutes=5)
    escalate(ctx=ctx, actor=ANA, case_id=CASE, to="T2", handoff=T2_HANDOFF)

    seen = page(ctx)

    assert seen.handoff is not None
    assert (seen.handoff.step, seen.handoff.missing) == ("T2 -> T3", list(T3_HANDOFF))
    assert seen.handoff.refused_at is None
    assert [e.kind for e in seen.timeline[:3]] == [
        "escalated", "escalation_refused", "case_opened"]  # newest first
    assert seen.may.acknowledge == [1]


def test_at_vendor_there_is_no_next_tier_and_no_checklist(
    ctx: Context, fake_aws: FakeAwsSupport,  # noqa: F811
) -> None:
    open_case(ctx)
    escalate(ctx=ctx, actor=ANA, case_id=CASE, to="T2", handoff=T2_HANDOFF, reason="r")
    escalate(ctx=ctx, actor=ANA, case_id=CASE, to="T3", handoff=T3_HANDOFF, reason="r")
    assert page(ctx).may.open_vendor_case
    open_vendor_case(ctx=ctx, actor=ANA, case_id=CASE, vendor="aws", plan="enterprise",
                     service="ec2", category="performance", region="eu-central-1",
                     request="look at the hosts",
                     handoff={k: v for k, v in VENDOR_HANDOFF.items()
                              if k != "vendor_case_number"})

    seen = page(ctx)

    assert seen.handoff is None
    assert [t.track for t in seen.targets] == ["executive"] * 4
    [vendor_case] = seen.vendor_cases
    assert (vendor_case.vendor, vendor_case.state) == ("aws", "open")
    assert seen.may.sync_vendor_cases and seen.may.open_vendor_case


def test_messages_drafts_and_the_communication_log_in_the_customers_language(
    ctx: Context,
) -> None:
    open_case(ctx, account_fields={"language": "en"})
    record_message(ctx=ctx, actor=ANA, case_id=CASE, sender="customer",
                   text="Тома отключаются под нагрузкой, магазин не работает уже час.")
    record_message(ctx=ctx, actor=ANA, case_id=CASE, sender="vendor",
                   text="We are looking at the hosts.", author="AWS")
    draft = draft_message(ctx=ctx, actor=ANA, case_id=CASE, kind="progress_update",
                          fields=UPDATE)
    send_draft(ctx=ctx, actor=ANA, draft_id=draft.id, channel="email",
               to="ops@acme.example", deliver_now=False)

    seen = page(ctx)

    assert (seen.reply_language, seen.reply_language_reason) == (
        "ru", "the customer's last message is in Russian")
    assert [(m.sender, m.language) for m in seen.messages] == [
        ("customer", "ru"), ("vendor", "en")]
    assert [(d.id, d.language) for d in seen.drafts] == [(draft.id, "ru")]
    [delivery] = seen.communications
    assert (delivery.channel, delivery.to, delivery.state, delivery.language) == (
        "email", "ops@acme.example", "pending", "ru")


def test_an_engineer_works_the_case_but_decides_no_credit(ctx: Context) -> None:
    open_case(ctx)

    may = page(ctx).may

    assert (may.escalate, may.respond, may.pause, may.draft, may.send, may.remind,
            may.propose_credit) == (True,) * 7
    assert (may.resume, may.override_handoff, may.open_vendor_case, may.sync_vendor_cases,
            may.decide_credits) == (False, False, False, False, [])


def test_a_paused_case_offers_resume_not_pause(ctx: Context) -> None:
    open_case(ctx)
    cases.pause(ctx=ctx, actor=ANA, case_id=CASE)

    may = page(ctx).may

    assert (may.pause, may.resume) == (False, True)


def test_credits_are_decided_only_by_others_within_their_authority(ctx: Context) -> None:
    open_case(ctx)
    small = propose_credit(ctx=ctx, actor=ANA, case_id=CASE, amount_usd="200")
    large = propose_credit(ctx=ctx, actor=ANA, case_id=CASE, amount_usd="4000")

    assert page(ctx, ANA).may.decide_credits == []
    assert page(ctx, LEAD).may.decide_credits == [small.id]
    assert page(ctx, MANAGER).may.decide_credits == [small.id, large.id]
    assert [c.amount_usd for c in page(ctx).credits] == [Decimal("200.00"),
                                                          Decimal("4000.00")]


def test_a_viewer_reads_everything_and_may_do_nothing(ctx: Context) -> None:
    open_case(ctx, flags=["customer_requested_escalation"])
    escalate(ctx=ctx, actor=ANA, case_id=CASE, to="L2", reason="asked for a manager")
    propose_credit(ctx=ctx, actor=ANA, case_id=CASE, amount_usd="100")

    seen = page(ctx, VIEWER)

    assert seen.case.escalations[0].to == "L2"
    assert not seen.may.any
    assert page(ctx, MANAGER).may.acknowledge == [1]


def test_a_resolved_case_may_still_be_written_about_but_not_worked(ctx: Context) -> None:
    open_case(ctx)
    cases.resolve(ctx=ctx, actor=ANA, case_id=CASE)

    may = page(ctx).may

    assert (may.escalate, may.respond, may.pause, may.remind) == (False,) * 4
    assert (may.draft, may.send, may.propose_credit) == (True,) * 3


def test_someone_with_no_known_role_is_refused_and_an_unknown_case_is_not_found(
    ctx: Context,
) -> None:
    open_case(ctx)

    with pytest.raises(NotPermitted, match=r"^reading needs the role viewer or above"):
        page(ctx, Actor("stranger"))
    with pytest.raises(NotFound, match=r"^no case CASE-9$"):
        case_page(ctx=ctx, actor=ANA, case_id="CASE-9")


def test_the_page_reads_without_writing_anything(ctx: Context) -> None:
    open_case(ctx)
    before: dict[str, Any] = cases.show_case(ctx=ctx, case_id=CASE).model_dump()

    page(ctx)

    assert cases.show_case(ctx=ctx, case_id=CASE).model_dump() == before


def test_the_timeline_shows_its_newest_entries_and_pages_back_to_the_older_ones(
    ctx: Context, clock: FakeClock, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(case_page_module, "TIMELINE_SHOWN", 2)
    open_case(ctx, flags=["customer_requested_escalation"])
    with pytest.raises(HandoffIncomplete, match="missing troubleshooting_summary"):
        escalate(ctx=ctx, actor=ANA, case_id=CASE, to="T2", handoff={})
    escalate(ctx=ctx, actor=ANA, case_id=CASE, to="T2", handoff=T2_HANDOFF)

    newest = page(ctx)
    older = case_page(ctx=ctx, actor=ANA, case_id=CASE, timeline_cursor=newest.timeline_next)

    assert [e.kind for e in newest.timeline] == ["escalated", "escalation_refused"]
    assert [e.kind for e in older.timeline] == ["case_opened"]
    assert older.timeline_next is None
