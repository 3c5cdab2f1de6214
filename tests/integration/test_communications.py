"""Communications end to end through the services, on SQLite and PostgreSQL, with real
channels on loopback: the customer's language, drafts, the outbox's retries, backoff,
dead letters and idempotency, and the update cadence's timers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from channel_support import HttpSink, SmtpSink, http_sink, smtp_sink  # noqa: F401
from examples import ADMIN, ANA, T2_HANDOFF
from examples import LENA as LEAD
from sqlalchemy import func, select
from timer_support import at, drain, open_case, timeline

from escalada.adapters.db.tables import CommunicationRow, OutboxRow
from escalada.domain.errors import Conflict, InvalidInput, InvalidTransition, NotPermitted
from escalada.services import cases
from escalada.services.accounts import add_account
from escalada.services.context import Actor, Context
from escalada.services.delivery_list import delivery_page
from escalada.services.drafting import draft_message, show_draft
from escalada.services.endpoints import add_endpoint
from escalada.services.escalations import escalate
from escalada.services.inbound_messages import message_page, record_message
from escalada.services.outbox import (
    deliver_due,
    outbox_status,
    retry_delivery,
    send_draft,
    show_delivery,
)
from escalada.testing import FakeClock

VIEWER = Actor("vera", "viewer")
SECRET = "test-webhook-secret"
RESOLUTION = {"root_cause": "a TLS cache too small", "fix": "rolled back",
              "verification": "error rate normal for an hour"}


@pytest.fixture
def mail(smtp_sink: SmtpSink, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpSink]:  # noqa: F811
    for name, value in smtp_sink.environ().items():
        monkeypatch.setenv(name, value)
    yield smtp_sink


@pytest.fixture
def hooks(
    ctx: Context, http_sink: HttpSink, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
) -> Iterator[HttpSink]:
    """The HTTP sink, with webhook endpoints named after its paths: `hook` is /hook."""
    monkeypatch.setenv("ESCALADA_WEBHOOK_SECRET", SECRET)
    for name in ("hook", "escalations", "u", "a", "b"):
        add_endpoint(ctx=ctx, actor=ADMIN, name=name, channel="webhook",
                     url=http_sink.url(f"/{name}"))
    yield http_sink


def _count(ctx: Context, table: Any) -> int:
    with ctx.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(table)) or 0


def _ack(ctx: Context, **options: Any) -> int:
    return draft_message(ctx=ctx, actor=ANA, case_id="CASE-1", kind="acknowledgment",
                         **options).id


def _deliver_until_settled(ctx: Context, clock: FakeClock, delivery: int) -> str:
    """Let time pass and workers try, until the delivery is delivered or dead."""
    for _ in range(20):
        state = show_delivery(ctx=ctx, delivery_id=delivery).state
        if state != "pending":
            return state
        clock.advance(minutes=61)  # past the longest wait between attempts
        deliver_due(ctx, owner="worker-1")
    raise AssertionError("still pending after 20 rounds")


# The customer's language


def test_a_reply_goes_in_the_language_of_the_customers_last_message(ctx: Context) -> None:
    open_case(ctx)  # an English-speaking account
    message = record_message(ctx=ctx, actor=ANA, case_id="CASE-1", sender="customer",
                             text="Спасибо, ждём")
    assert message.language == "ru"

    draft = show_draft(ctx=ctx, draft_id=_ack(ctx))

    assert (draft.language, draft.language_reason) == (
        "ru", "the customer's last message is in Russian")
    assert "Здравствуйте" in draft.body
    record_message(ctx=ctx, actor=ANA, case_id="CASE-1", sender="customer", text="pls escalate")
    assert show_draft(ctx=ctx, draft_id=_ack(ctx)).language == "en"
    asked = show_draft(ctx=ctx, draft_id=_ack(ctx, language="ru"))
    assert (asked.language, asked.language_reason) == ("ru", "Russian, as ana asked")
    assert [m.language for m in message_page(ctx=ctx, case_id="CASE-1").items] == ["ru", "en"]


def test_without_a_message_the_accounts_language_decides_and_vendors_get_english(
    ctx: Context,
) -> None:
    add_account(ctx=ctx, actor=ADMIN, id="sibnet", name="Сибирские Сети", tier="strategic",
                support_plan="enterprise", language="ru", timezone="Asia/Novosibirsk")
    cases.open_case(ctx=ctx, actor=ANA, account="sibnet", severity="P1", title="API 500")
    record_message(ctx=ctx, actor=ANA, case_id="CASE-1", sender="customer", text="#4412 !!!")

    draft = show_draft(ctx=ctx, draft_id=_ack(ctx))
    vendor = draft_message(ctx=ctx, actor=ANA, case_id="CASE-1", kind="vendor_escalation")

    assert (draft.language, draft.language_reason) == ("ru", "the account's language is Russian")
    assert draft.timezone == "Asia/Novosibirsk"
    assert "МСК+4" in draft.body  # the next update, in the customer's time, told from Moscow
    assert (vendor.language, vendor.timezone) == ("en", "UTC")
    assert vendor.subject.startswith("P1 ESCALATION - ")
    assert vendor.missing == ["component", "region", "request"]


@pytest.mark.parametrize(("options", "field"), [
    ({"kind": "apology"}, "kind"),
    ({"kind": "acknowledgment", "language": "de"}, "lang"),
    ({"kind": "acknowledgment", "status": "MITIGATING"}, "status"),
    ({"kind": "progress_update", "status": "FIXED"}, "status"),
    ({"kind": "resolution", "fields": {"rootcause": "x"}}, "fields.rootcause"),
    ({"kind": "resolution", "fields": {"root_cause": "  "}}, "fields.root_cause"),
    ({"kind": "acknowledgment", "timezone": "Mars/Olympus"}, "timezone"),
])
def test_a_bad_draft_request_names_the_field_and_keeps_nothing(
    ctx: Context, options: dict[str, Any], field: str,
) -> None:
    open_case(ctx)
    with pytest.raises(InvalidInput, match=rf"^{re.escape(field)}: ") as refused:
        draft_message(ctx=ctx, actor=ANA, case_id="CASE-1", **options)
    assert refused.value.problems[0][0] == field
    assert _count(ctx, CommunicationRow) == 0


def test_viewers_neither_draft_nor_record_messages(ctx: Context) -> None:
    open_case(ctx)
    with pytest.raises(
        NotPermitted,
        match=r"^drafting a message needs the role engineer or above; vera is viewer",
    ):
        draft_message(ctx=ctx, actor=VIEWER, case_id="CASE-1", kind="acknowledgment")
    with pytest.raises(
        NotPermitted,
        match=r"^recording a message needs the role engineer or above; vera is viewer",
    ):
        record_message(ctx=ctx, actor=VIEWER, case_id="CASE-1", sender="customer", text="hi")
    with pytest.raises(
        InvalidInput,
        match=r"^sender: must be one of 'customer', 'vendor' or 'internal'$",
    ) as refused:
        record_message(ctx=ctx, actor=ANA, case_id="CASE-1", sender="robot", text="hi")
    assert refused.value.problems[0][0] == "sender"
    assert message_page(ctx=ctx, case_id="CASE-1").items == []


# Sending: email


def test_an_acknowledgment_by_email_arrives_once_and_is_the_first_response(
    ctx: Context, mail: SmtpSink,
) -> None:
    open_case(ctx)
    record_message(ctx=ctx, actor=ANA, case_id="CASE-1", sender="customer",
                   text="Добрый день, у нас всё лежит")
    draft = _ack(ctx)

    sent = send_draft(ctx=ctx, actor=ANA, draft_id=draft, channel="email",
                      to="cto@acme.example, ops@acme.example")
    again = send_draft(ctx=ctx, actor=ANA, draft_id=draft, channel="email",
                       to="cto@acme.example, ops@acme.example")

    assert sent.state == "delivered" and again.id == sent.id
    [received] = mail.wait_for(1)
    assert "Здравствуйте" in received.text
    assert received.message["Message-ID"] == sent.reference
    case = cases.show_case(ctx=ctx, case_id="CASE-1")
    assert case.snapshot.first_response_at == at(10)
    assert case.snapshot.status == "investigating"
    entry = timeline(ctx)[-1]
    assert (entry.kind, entry.data["delivery"], entry.data["language"]) == (
        "first_response", sent.id, "ru")
    [logged] = delivery_page(ctx=ctx, case="CASE-1").items
    assert (logged.channel, logged.audience, logged.language, logged.state) == (
        "email", "customer", "ru", "delivered")


def test_when_the_smtp_server_is_down_the_message_waits_and_arrives_when_it_is_back(
    ctx: Context, clock: FakeClock, mail: SmtpSink,
) -> None:
    open_case(ctx)
    mail.stop()
    sent = send_draft(ctx=ctx, actor=ANA, draft_id=_ack(ctx), channel="email",
                      to="cto@acme.example")
    assert (sent.state, sent.attempts) == ("pending", 1)
    assert sent.last_error is not None and "attempt 1" in sent.last_error
    clock.advance(minutes=61)
    deliver_due(ctx, owner="worker-1")
    assert show_delivery(ctx=ctx, delivery_id=sent.id).state == "pending"

    mail.start()

    assert _deliver_until_settled(ctx, clock, sent.id) == "delivered"
    assert len(mail.wait_for(1)) == 1
    assert show_delivery(ctx=ctx, delivery_id=sent.id).attempts == 3


def test_a_refused_recipient_is_dead_lettered_at_once(ctx: Context, mail: SmtpSink) -> None:
    open_case(ctx)
    mail.refuse_recipient("gone@acme.example")
    sent = send_draft(ctx=ctx, actor=ANA, draft_id=_ack(ctx), channel="email",
                      to="gone@acme.example")
    assert (sent.state, sent.attempts) == ("dead", 1)
    assert timeline(ctx)[-1].kind == "message_dead_lettered"
    assert cases.show_case(ctx=ctx, case_id="CASE-1").snapshot.first_response_at is None


# Sending: webhooks through the outbox


def test_a_webhook_failing_three_times_is_delivered_once_with_one_key(
    ctx: Context, clock: FakeClock, hooks: HttpSink,
) -> None:
    open_case(ctx)
    hooks.fail_next(3, status=503)

    sent = send_draft(ctx=ctx, actor=ANA, draft_id=_ack(ctx), channel="webhook",
                      to="escalations")
    waits = []
    while (view := show_delivery(ctx=ctx, delivery_id=sent.id)).state == "pending":
        assert view.next_attempt_at is not None
        waits.append((view.next_attempt_at - clock()).total_seconds())
        clock.advance(seconds=waits[-1])
        deliver_due(ctx, owner="worker-1")

    assert (view.state, view.attempts) == ("delivered", 4)
    requests = hooks.requests_to("/escalations")
    assert len(requests) == 4
    assert {r.headers["Idempotency-Key"] for r in requests} == {sent.idempotency_key}
    # Exponential backoff with jitter: each wait within [half, all] of 30 s, 60 s, 120 s.
    assert [15 <= waits[0] <= 30, 30 <= waits[1] <= 60, 60 <= waits[2] <= 120] == [True] * 3
    assert [e.kind for e in timeline(ctx)].count("first_response") == 1


def test_after_the_last_attempt_a_delivery_is_dead_and_can_be_sent_again(
    ctx: Context, clock: FakeClock, hooks: HttpSink,
) -> None:
    open_case(ctx)
    hooks.fail_next(6, status=500)
    sent = send_draft(ctx=ctx, actor=ANA, draft_id=_ack(ctx), channel="webhook",
                      to="hook")

    assert _deliver_until_settled(ctx, clock, sent.id) == "dead"
    dead = show_delivery(ctx=ctx, delivery_id=sent.id)
    assert (dead.attempts, dead.max_attempts) == (6, 6)
    assert [d.id for d in delivery_page(ctx=ctx, state="dead").items] == [sent.id]
    assert "failed 6 attempts" in timeline(ctx)[-1].summary
    assert outbox_status(ctx=ctx).dead == 1

    again = retry_delivery(ctx=ctx, actor=ANA, delivery_id=sent.id)

    assert (again.state, again.attempts) == ("delivered", 1)
    assert len(hooks.requests_to("/hook")) == 7
    with pytest.raises(InvalidTransition, match=r"^delivery \d+ was delivered already$"):
        retry_delivery(ctx=ctx, actor=ANA, delivery_id=sent.id)


def test_a_webhook_answering_400_is_dead_at_once(ctx: Context, hooks: HttpSink) -> None:
    open_case(ctx)
    hooks.answer("/hook", status=400, body=b"bad payload")
    sent = send_draft(ctx=ctx, actor=ANA, draft_id=_ack(ctx), channel="webhook",
                      to="hook")
    assert (sent.state, sent.attempts) == ("dead", 1)
    assert sent.last_error is not None and "400" in sent.last_error


def test_queued_deliveries_wait_for_a_worker_and_the_auditor_sees_them_wait(
    ctx: Context, clock: FakeClock, hooks: HttpSink,
) -> None:
    open_case(ctx)
    sent = send_draft(ctx=ctx, actor=ANA, draft_id=_ack(ctx), channel="webhook",
                      to="hook", deliver_now=False)
    assert (sent.state, hooks.requests) == ("pending", [])
    clock.advance(seconds=60)
    assert outbox_status(ctx=ctx).overdue == 0
    clock.advance(seconds=1)
    late = outbox_status(ctx=ctx)
    assert (late.overdue, late.oldest_overdue_at, late.counts["pending"]) == (1, at(10), 1)

    drain(ctx)  # the timer worker delivers too

    assert show_delivery(ctx=ctx, delivery_id=sent.id).state == "delivered"
    assert (outbox_status(ctx=ctx).overdue, outbox_status(ctx=ctx).counts["delivered"]) == (0, 1)


# What may not be sent


def test_a_draft_with_parts_to_write_is_not_sent(ctx: Context, hooks: HttpSink) -> None:
    open_case(ctx)
    draft = draft_message(ctx=ctx, actor=ANA, case_id="CASE-1", kind="resolution",
                          fields={"root_cause": "a TLS cache too small"})
    assert draft.missing == ["fix", "verification"]
    assert "[to be filled: fix]" in draft.body
    assert "[to be filled: verification]" in draft.body

    with pytest.raises(
        InvalidInput,
        match=r"^draft: draft \d+ has parts still to write: fix, verification",
    ) as refused:
        send_draft(ctx=ctx, actor=ANA, draft_id=draft.id, channel="webhook",
                   to="hook")
    assert refused.value.problems[0][0] == "draft"
    assert _count(ctx, OutboxRow) == 0 and hooks.requests == []


@pytest.mark.parametrize(("channel", "to", "field"), [
    ("fax", "+7 495 000", "channel"),
    ("email", "not-an-address", "to"),
    ("webhook", "ftp://example.org/x", "to"),
    ("slack", "general channel", "to"),
])
def test_a_bad_recipient_names_the_field_and_queues_nothing(
    ctx: Context, channel: str, to: str, field: str,
) -> None:
    open_case(ctx)
    with pytest.raises(InvalidInput, match=rf"^{field}: ") as refused:
        send_draft(ctx=ctx, actor=ANA, draft_id=_ack(ctx), channel=channel, to=to)
    assert refused.value.problems[0][0] == field
    assert _count(ctx, OutboxRow) == 0


def test_one_idempotency_key_cannot_name_two_messages(ctx: Context, hooks: HttpSink) -> None:
    open_case(ctx)
    send_draft(ctx=ctx, actor=ANA, draft_id=_ack(ctx), channel="webhook",
               to="a", idempotency_key="k-1")
    with pytest.raises(Conflict, match=r"^idempotency key 'k-1' was used for another message"):
        send_draft(ctx=ctx, actor=ANA, draft_id=_ack(ctx), channel="webhook",
                   to="b", idempotency_key="k-1")
    assert len(hooks.requests) == 1


def test_progress_updates_are_numbered_by_those_sent(ctx: Context, hooks: HttpSink) -> None:
    open_case(ctx)
    fields = {"understanding": "a bad cache setting", "doing_now": "rolling back",
              "next_steps": "watch the error rate"}

    def update() -> Any:
        return draft_message(ctx=ctx, actor=ANA, case_id="CASE-1", kind="progress_update",
                             status="mitigating", fields=fields)

    first = update()
    assert (first.update_number, first.update_status, update().update_number) == (
        1, "MITIGATING", 1)
    send_draft(ctx=ctx, actor=ANA, draft_id=first.id, channel="webhook", to="u")
    second = update()
    assert second.update_number == 2 and "#2" in second.subject


# The cadence


def test_an_overdue_update_reminds_then_recommends_the_level_above(
    ctx: Context, clock: FakeClock, hooks: HttpSink,
) -> None:
    open_case(ctx)  # P1 enterprise: updates every 2 hours
    send_draft(ctx=ctx, actor=ANA, draft_id=_ack(ctx), channel="webhook", to="u")
    clock.advance(hours=2)
    drain(ctx)
    [overdue] = [e for e in timeline(ctx) if e.kind == "update_overdue"]
    assert "comms draft CASE-1 --kind progress_update" in overdue.summary
    clock.advance(minutes=15)
    drain(ctx)

    recommended = [e for e in timeline(ctx) if e.kind == "recommended"
                   and e.data["recommendation"]["criteria"] == ["customer_update_overdue"]]
    assert [e.data["recommendation"]["to"] for e in recommended] == ["L1"]


def test_an_update_sent_in_time_stops_the_overdue_chase(
    ctx: Context, clock: FakeClock, hooks: HttpSink,
) -> None:
    open_case(ctx)
    send_draft(ctx=ctx, actor=ANA, draft_id=_ack(ctx), channel="webhook", to="u")
    clock.advance(minutes=110)
    update = draft_message(ctx=ctx, actor=ANA, case_id="CASE-1", kind="progress_update",
                           fields={"understanding": "u", "doing_now": "d", "next_steps": "n"})
    send_draft(ctx=ctx, actor=ANA, draft_id=update.id, channel="webhook", to="u")
    clock.advance(minutes=30)
    drain(ctx)
    kinds = {e.kind for e in timeline(ctx)}
    criteria = [e.data["recommendation"]["criteria"] for e in timeline(ctx)
                if e.kind == "recommended"]
    assert "update_overdue" not in kinds and ["customer_update_overdue"] not in criteria


def test_a_step_up_owes_the_customer_an_acknowledgment_within_the_hour(
    ctx: Context, clock: FakeClock, hooks: HttpSink,
) -> None:
    open_case(ctx)
    escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="T2", handoff=T2_HANDOFF,
             reason="needs a specialist")
    clock.advance(minutes=59)
    drain(ctx)
    assert "acknowledgment_overdue" not in [e.kind for e in timeline(ctx)]
    clock.advance(minutes=1)
    drain(ctx)
    [overdue] = [e for e in timeline(ctx) if e.kind == "acknowledgment_overdue"]
    assert "comms draft CASE-1 --kind acknowledgment" in overdue.summary

    escalate(ctx=ctx, actor=LEAD, case_id="CASE-1", to="T3",
             reason="needs the platform team", override_reason="vendor engaged directly")
    send_draft(ctx=ctx, actor=ANA, draft_id=_ack(ctx), channel="webhook", to="u")
    clock.advance(hours=2)
    drain(ctx)
    assert [e.kind for e in timeline(ctx)].count("acknowledgment_overdue") == 1


def test_a_slack_incoming_webhook_gets_the_message_through_the_outbox(
    ctx: Context, http_sink: HttpSink,  # noqa: F811
) -> None:
    open_case(ctx)
    draft = draft_message(ctx=ctx, actor=ANA, case_id="CASE-1", kind="handoff")
    assert (draft.audience, draft.language, draft.timezone) == ("internal", "en", "UTC")

    add_endpoint(ctx=ctx, actor=ADMIN, name="support-room", channel="slack",
                 url=http_sink.url("/services/T1/B1/x"))

    sent = send_draft(ctx=ctx, actor=ANA, draft_id=draft.id, channel="slack",
                      to="support-room")

    assert (sent.state, sent.reference) == ("delivered", "200")
    [request] = http_sink.requests_to("/services/T1/B1/x")
    assert draft.subject in request.json()["text"]
    # A colleague's message is not a customer update: the customer's clock is untouched.
    assert cases.show_case(ctx=ctx, case_id="CASE-1").snapshot.first_response_at is None
    assert timeline(ctx)[-1].kind == "message_delivered"


def test_a_channel_that_crashes_loses_nothing(
    ctx: Context, clock: FakeClock, hooks: HttpSink, monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Broken:
        name = "webhook"
        longest_attempt = 1.0

        def deliver(self, message: Any) -> Any:
            raise RuntimeError("a bug in the channel")

    open_case(ctx)
    real_channels, ctx.channels = ctx.channels, lambda name: Broken()
    sent = send_draft(ctx=ctx, actor=ANA, draft_id=_ack(ctx), channel="webhook",
                      to="hook")
    assert (sent.state, sent.attempts) == ("pending", 1)
    assert sent.last_error == "attempt 1: RuntimeError: a bug in the channel"

    ctx.channels = real_channels
    monkeypatch.setenv("ESCALADA_WEBHOOK_SECRET", SECRET)
    assert _deliver_until_settled(ctx, clock, sent.id) == "delivered"
    assert len(hooks.requests_to("/hook")) == 1


def test_two_people_sending_the_same_draft_at_once_make_one_delivery(
    ctx: Context, hooks: HttpSink,
) -> None:
    from concurrency_support import run_at_once

    open_case(ctx)
    draft = _ack(ctx)

    outcomes = run_at_once([
        lambda: send_draft(ctx=ctx, actor=ANA, draft_id=draft, channel="webhook",
                           to="hook"),
        lambda: send_draft(ctx=ctx, actor=LEAD, draft_id=draft,
                           channel="webhook", to="hook"),
    ])

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert outcomes[0].id == outcomes[1].id
    assert _count(ctx, OutboxRow) == 1
    assert len(hooks.requests_to("/hook")) == 1


def test_an_executive_acknowledgment_comes_from_our_matched_executive(ctx: Context) -> None:
    from escalada.services.people import add_user

    open_case(ctx, contact_title="CTO")
    with pytest.raises(
        InvalidInput,
        match=r"^kind: no executive of ours answers for this case",
    ) as refused:
        draft_message(ctx=ctx, actor=ANA, case_id="CASE-1", kind="executive_acknowledgment")
    assert refused.value.problems[0][0] == "kind"
    assert _count(ctx, CommunicationRow) == 0

    add_user(ctx=ctx, actor=ADMIN, name="admin", role="admin")
    add_user(ctx=ctx, actor=ADMIN, name="k.morozova", role="vp", title="CTO",
             display_name="Kira Morozova")
    draft = draft_message(ctx=ctx, actor=ANA, case_id="CASE-1", kind="executive_acknowledgment")

    assert draft.audience == "executive"
    assert draft.subject.startswith("[CASE-1] Kira Morozova, CTO")
    assert draft.body.rstrip().endswith("Kira Morozova\nCTO")
