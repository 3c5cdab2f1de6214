"""Where webhook and Slack messages may go: only to endpoints an admin named, whose URLs
(a Slack webhook's is a secret) nobody sees again, and whose answers are not kept."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from channel_support import HttpSink, http_sink  # noqa: F401
from examples import ADMIN, ANA
from sqlalchemy import func, select
from structlog.testing import capture_logs
from timer_support import open_case, timeline

from escalada.adapters.db.tables import OutboxRow
from escalada.domain.errors import AlreadyExists, InvalidInput, NotFound, NotPermitted
from escalada.services.context import Context
from escalada.services.delivery_list import delivery_page
from escalada.services.drafting import draft_message
from escalada.services.endpoints import add_endpoint, endpoint_page, remove_endpoint
from escalada.services.outbox import deliver_due, send_draft, show_delivery

SLACK_SECRET = "T0SECRET/B0SECRET/xoxsecretpath"


@pytest.fixture
def sink(
    http_sink: HttpSink, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
) -> Iterator[HttpSink]:
    monkeypatch.setenv("ESCALADA_WEBHOOK_SECRET", "s3cret")
    yield http_sink


def _ack(ctx: Context) -> int:
    return draft_message(ctx=ctx, actor=ANA, case_id="CASE-1", kind="acknowledgment").id


def _queued(ctx: Context) -> int:
    with ctx.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(OutboxRow)) or 0


def _everything_viewers_read(ctx: Context) -> str:
    """The outbox, the endpoints and the timeline, as the API would serialise them."""
    views: list[Any] = [*delivery_page(ctx=ctx).items, *endpoint_page(ctx=ctx).items,
                        *timeline(ctx)]
    return json.dumps([view.model_dump(mode="json") for view in views])


@pytest.mark.parametrize("channel", ["webhook", "slack"])
def test_a_url_as_recipient_is_refused_naming_the_field_and_how_to_configure_one(
    ctx: Context, sink: HttpSink, channel: str,
) -> None:
    open_case(ctx)
    with pytest.raises(InvalidInput, match=r"to: a URL is not accepted for .*endpoint add"):
        send_draft(ctx=ctx, actor=ANA, draft_id=_ack(ctx), channel=channel,
                   to=sink.url("/internal/admin"))
    assert (_queued(ctx), sink.requests) == (0, [])


def test_an_unknown_or_other_channels_endpoint_is_refused(ctx: Context, sink: HttpSink) -> None:
    open_case(ctx)
    add_endpoint(ctx=ctx, actor=ADMIN, name="crm", channel="webhook", url=sink.url("/crm"))
    with pytest.raises(InvalidInput, match="to: no endpoint named 'nowhere'"):
        send_draft(ctx=ctx, actor=ANA, draft_id=_ack(ctx), channel="webhook", to="nowhere")
    with pytest.raises(InvalidInput, match="to: endpoint 'crm' is for webhook, not slack"):
        send_draft(ctx=ctx, actor=ANA, draft_id=_ack(ctx), channel="slack", to="crm")
    assert _queued(ctx) == 0


def test_only_an_admin_configures_endpoints_and_everyone_sees_them_masked(
    ctx: Context,
) -> None:
    open_case(ctx)
    url = f"https://hooks.slack.com/services/{SLACK_SECRET}"
    with pytest.raises(NotPermitted, match="configuring endpoints needs the role admin"):
        add_endpoint(ctx=ctx, actor=ANA, name="support-room", channel="slack", url=url)

    added = add_endpoint(ctx=ctx, actor=ADMIN, name="support-room", channel="slack", url=url)

    assert added.url == "https://hooks.slack.com/…/****"
    assert [(e.name, e.channel, e.url, e.created_by) for e in endpoint_page(ctx=ctx).items] == [
        ("support-room", "slack", "https://hooks.slack.com/…/****", "admin")]
    with pytest.raises(AlreadyExists, match="endpoint 'support-room' exists already"):
        add_endpoint(ctx=ctx, actor=ADMIN, name="support-room", channel="slack", url=url)
    with pytest.raises(NotPermitted, match="needs the role admin"):
        remove_endpoint(ctx=ctx, actor=ANA, name="support-room")
    assert SLACK_SECRET not in _everything_viewers_read(ctx)


def test_a_bad_endpoint_names_each_field_and_keeps_nothing(ctx: Context) -> None:
    with pytest.raises(InvalidInput, match=r"name: .*; channel: must be one of webhook, slack"
                                           r".*; url: not an http") as refused:
        add_endpoint(ctx=ctx, actor=ADMIN, name="Ops Room", channel="email", url="ftp://x/y")
    assert [field for field, _ in refused.value.problems] == ["name", "channel", "url"]
    assert endpoint_page(ctx=ctx).items == []


def test_a_slack_message_reaches_its_endpoint_and_no_viewer_sees_the_url(
    ctx: Context, sink: HttpSink,
) -> None:
    open_case(ctx)
    add_endpoint(ctx=ctx, actor=ADMIN, name="support-room", channel="slack",
                 url=sink.url(f"/services/{SLACK_SECRET}"))
    draft = draft_message(ctx=ctx, actor=ANA, case_id="CASE-1", kind="handoff").id

    sent = send_draft(ctx=ctx, actor=ANA, draft_id=draft, channel="slack", to="support-room")

    assert (sent.state, sent.to) == ("delivered", "support-room")
    assert len(sink.requests_to(f"/services/{SLACK_SECRET}")) == 1
    assert "delivered to support-room by Slack" in timeline(ctx)[-1].summary
    assert SLACK_SECRET not in _everything_viewers_read(ctx)


def test_the_far_sides_answer_is_never_kept_only_its_status(
    ctx: Context, sink: HttpSink,
) -> None:
    open_case(ctx)
    add_endpoint(ctx=ctx, actor=ADMIN, name="crm", channel="webhook", url=sink.url("/crm"))
    sink.answer("/crm", status=403, body="<h1>Forbidden</h1> db=10.0.0.5 password=hunter2")

    dead = send_draft(ctx=ctx, actor=ANA, draft_id=_ack(ctx), channel="webhook", to="crm")

    assert (dead.state, dead.last_error) == ("dead", "attempt 1: answered 403 Forbidden")
    assert "refused for good: answered 403 Forbidden" in timeline(ctx)[-1].summary
    assert "hunter2" not in _everything_viewers_read(ctx)


def test_replacing_an_endpoint_sends_to_its_new_url_and_removing_it_dead_letters_what_waits(
    ctx: Context, sink: HttpSink,
) -> None:
    open_case(ctx)
    add_endpoint(ctx=ctx, actor=ADMIN, name="crm", channel="webhook", url=sink.url("/old"))
    add_endpoint(ctx=ctx, actor=ADMIN, name="crm", channel="webhook", url=sink.url("/new"),
                 replace=True)
    first = send_draft(ctx=ctx, actor=ANA, draft_id=_ack(ctx), channel="webhook", to="crm")
    waiting = send_draft(ctx=ctx, actor=ANA, draft_id=_ack(ctx), channel="webhook", to="crm",
                         idempotency_key="second", deliver_now=False)

    remove_endpoint(ctx=ctx, actor=ADMIN, name="crm")
    deliver_due(ctx, owner="worker-1")

    assert first.state == "delivered" and len(sink.requests_to("/new")) == 1
    gone = show_delivery(ctx=ctx, delivery_id=waiting.id)
    assert gone.state == "dead"
    assert gone.last_error is not None and "no webhook endpoint 'crm' any more" in gone.last_error
    assert sink.requests_to("/old") == [] and len(sink.requests) == 1
    with pytest.raises(NotFound, match="no endpoint 'crm'"):
        remove_endpoint(ctx=ctx, actor=ADMIN, name="crm")


def test_adding_replacing_and_removing_an_endpoint_is_audited_without_its_secret(
    ctx: Context,
) -> None:
    url = f"https://hooks.slack.com/services/{SLACK_SECRET}"
    with capture_logs() as logs:
        add_endpoint(ctx=ctx, actor=ADMIN, name="room", channel="slack", url=url)
        add_endpoint(ctx=ctx, actor=ADMIN, name="room", channel="slack", url=url + "2",
                     replace=True)
        remove_endpoint(ctx=ctx, actor=ADMIN, name="room")

    audited = [(e["event"], e["actor"], e["endpoint"], e["url"]) for e in logs
               if e.get("endpoint")]
    assert audited == [(event, "admin", "room", "https://hooks.slack.com/…/****")
                       for event in ("endpoint_added", "endpoint_replaced", "endpoint_removed")]
    assert SLACK_SECRET not in repr(logs)
