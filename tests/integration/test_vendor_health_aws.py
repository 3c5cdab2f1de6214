"""AWS Health watched by the workers, offline: the real boto3 `health` client against a
fake AWS Health API on loopback (moto 5.2.5 has no `health`). An open issue on a
case's service in its region is kept, linked to the case with a line on its timeline
in the account's time zone; an issue elsewhere is kept and linked to nothing; an
issue AWS closes is closed here; a refusal is kept on the poll and reported."""

from __future__ import annotations

from datetime import timedelta

import pytest
from case_support import open_case
from examples import ANA
from fake_aws_health import FakeAwsHealth, fake_aws_health  # noqa: F401
from timer_support import drain, timeline

from escalada.adapters.policy_file import current_policy
from escalada.domain.engine import evaluate
from escalada.domain.errors import InvalidInput
from escalada.domain.model import Tier
from escalada.services import cases
from escalada.services.context import Context
from escalada.services.vendor_health import poll_now
from escalada.services.vendor_health_views import vendor_health
from escalada.testing import FakeClock


def _rds_case(ctx: Context, region: str = "eu-central-1") -> None:
    open_case(ctx, services=["rds", "webhooks"],
              account_fields={"timezone": "Europe/Berlin"})
    cases.update_case(ctx=ctx, actor=ANA, case_id="CASE-1", regions=[region])


def test_an_open_rds_issue_in_the_cases_region_is_linked_to_it_by_the_worker(
    ctx: Context, clock: FakeClock, fake_aws_health: FakeAwsHealth,  # noqa: F811
) -> None:
    _rds_case(ctx)
    began = clock() - timedelta(minutes=25)  # 09:35 UTC: 10:35 in Berlin
    rds = fake_aws_health.open_issue("RDS", "eu-central-1", "AWS_RDS_INCREASED_ERROR_RATES",
                                     began, "Increased error rates for RDS in eu-central-1.")
    fake_aws_health.open_issue("RDS", "us-east-1", "AWS_RDS_OPERATIONAL_ISSUE", began)
    fake_aws_health.open_issue("EC2", "eu-central-1", "AWS_EC2_OPERATIONAL_ISSUE", began)

    drain(ctx)

    seen = vendor_health(ctx=ctx)
    assert {(e.service, e.region, e.title) for e in seen.events} == {
        ("RDS", "eu-central-1", "increased error rates"),
        ("RDS", "us-east-1", "operational issue"),
        ("EC2", "eu-central-1", "operational issue")}
    linked = {e.event_id: e.cases for e in seen.events}
    assert linked[rds] == ["CASE-1"]
    assert sum(bool(c) for c in linked.values()) == 1
    entry = [e for e in timeline(ctx) if e.kind == "vendor_health_event"]
    assert [e.summary for e in entry] == [
        "AWS reports: increased error rates for RDS in eu-central-1 since 10:35"]
    assert entry[0].actor == "escalada"
    [poll] = seen.polls
    assert (poll.vendor, poll.watched, poll.polled_at, poll.error) == ("aws", True, clock(),
                                                                      None)
    assert poll.next_poll_at == clock() + timedelta(minutes=5)
    asked = [body for operation, body in fake_aws_health.calls
             if operation == "DescribeEvents"]
    assert asked[0]["filter"] == {"eventStatusCodes": ["open"], "eventTypeCategories": ["issue"]}
    assert len(asked) == 2  # three events, two a page


def test_the_next_poll_links_nothing_twice_and_closes_what_aws_closed(
    ctx: Context, clock: FakeClock, fake_aws_health: FakeAwsHealth,  # noqa: F811
) -> None:
    _rds_case(ctx)
    rds = fake_aws_health.open_issue("RDS", "eu-central-1", "AWS_RDS_OPERATIONAL_ISSUE",
                                     clock() - timedelta(minutes=5))
    drain(ctx)
    clock.advance(minutes=4)
    drain(ctx)
    assert len([c for c, _ in fake_aws_health.calls if c == "DescribeEvents"]) == 1  # not due

    clock.advance(minutes=1)
    drain(ctx)
    assert len([e for e in timeline(ctx) if e.kind == "vendor_health_event"]) == 1
    fake_aws_health.close_issue(rds, clock())
    clock.advance(minutes=5)
    drain(ctx)

    assert vendor_health(ctx=ctx).events == []
    [closed] = vendor_health(ctx=ctx, include_closed=True).events
    # No longer among the open ones: closed as of the poll that found it gone.
    assert (closed.status, closed.ended_at, closed.cases) == ("closed", clock(), ["CASE-1"])


def test_a_linked_open_event_is_evidence_for_vendor_platform_issue_until_it_closes(
    ctx: Context, clock: FakeClock, fake_aws_health: FakeAwsHealth,  # noqa: F811
) -> None:
    _rds_case(ctx)
    arn = fake_aws_health.open_issue("RDS", "eu-central-1", "AWS_RDS_OPERATIONAL_ISSUE",
                                     clock() - timedelta(minutes=5))
    poll_now(ctx=ctx, actor=ANA, vendor="aws")

    snapshot = cases.show_case(ctx=ctx, case_id="CASE-1").snapshot
    assert snapshot.vendor_events == (f"aws:{arn}",)
    at_t3 = snapshot.model_copy(update={"tier": Tier.T3})
    [vendor_step] = [r for r in evaluate(at_t3, current_policy(), clock()).recommendations
                     if r.to == "VENDOR"]
    assert vendor_step.criteria == ("vendor_platform_issue",)

    fake_aws_health.close_issue(arn, clock())
    clock.advance(minutes=5)
    poll_now(ctx=ctx, actor=ANA, vendor="aws")

    snapshot = cases.show_case(ctx=ctx, case_id="CASE-1").snapshot
    assert snapshot.vendor_events == ()
    at_t3 = snapshot.model_copy(update={"tier": Tier.T3})
    assert not [r for r in evaluate(at_t3, current_policy(), clock()).recommendations
                if r.to == "VENDOR"]
    [ended] = [e for e in timeline(ctx) if e.kind == "vendor_health_event_closed"]
    assert ended.summary == "AWS no longer reports: operational issue for RDS"


def test_the_vendor_escalation_draft_offers_the_vendors_open_event_and_no_closed_one(
    ctx: Context, clock: FakeClock, fake_aws_health: FakeAwsHealth,  # noqa: F811
) -> None:
    from escalada.services.drafting import draft_message

    _rds_case(ctx)
    arn = fake_aws_health.open_issue("RDS", "eu-central-1", "AWS_RDS_INCREASED_ERROR_RATES",
                                     clock() - timedelta(minutes=25))
    poll_now(ctx=ctx, actor=ANA, vendor="aws")
    fields = {"component": "RDS", "region": "eu-central-1", "request": "Confirm the issue."}

    draft = draft_message(ctx=ctx, actor=ANA, case_id="CASE-1", kind="vendor_escalation",
                          language="en", fields=fields, keep=False)

    assert "## Your service health reports" in draft.body
    assert (f"- AWS reports: increased error rates for RDS in eu-central-1 since "
            f"26 November 2026, 09:35 UTC (event {arn})") in draft.body
    russian = draft_message(ctx=ctx, actor=ANA, case_id="CASE-1", kind="vendor_escalation",
                            language="ru", fields=fields, keep=False)
    assert "- AWS сообщает: increased error rates — RDS в eu-central-1 с " in russian.body
    customer = draft_message(ctx=ctx, actor=ANA, case_id="CASE-1", kind="progress_update",
                             language="en", status="INVESTIGATING", keep=False)
    assert "service health" not in customer.body  # a vendor letter's, not the customer's

    fake_aws_health.close_issue(arn, clock())
    clock.advance(minutes=5)
    poll_now(ctx=ctx, actor=ANA, vendor="aws")
    later = draft_message(ctx=ctx, actor=ANA, case_id="CASE-1", kind="vendor_escalation",
                          language="en", fields=fields, keep=False)
    assert "service health" not in later.body


def test_a_case_opened_or_given_the_service_after_the_poll_is_linked_at_once(
    ctx: Context, clock: FakeClock, fake_aws_health: FakeAwsHealth,  # noqa: F811
) -> None:
    arn = fake_aws_health.open_issue("RDS", "eu-central-1", "AWS_RDS_OPERATIONAL_ISSUE",
                                     clock() - timedelta(minutes=5))
    poll_now(ctx=ctx, actor=ANA, vendor="aws")
    calls = len(fake_aws_health.calls)

    opened = open_case(ctx, services=["rds"], regions=["eu-central-1"])
    open_case(ctx, new_account=False, services=["webhooks"], title="Webhooks late")
    elsewhere = open_case(ctx, new_account=False, services=["rds"], regions=["us-east-1"],
                          title="Replica lag")
    cases.update_case(ctx=ctx, actor=ANA, case_id="CASE-2", services=["webhooks", "RDS"])

    assert opened.snapshot.vendor_events == (f"aws:{arn}",)  # in the opening's own view
    assert elsewhere.snapshot.vendor_events == ()
    assert cases.show_case(ctx=ctx, case_id="CASE-2").snapshot.vendor_events == (f"aws:{arn}",)
    assert [e.cases for e in vendor_health(ctx=ctx).events] == [["CASE-1", "CASE-2"]]
    assert len(fake_aws_health.calls) == calls  # no poll was needed
    clock.advance(minutes=5)
    poll_now(ctx=ctx, actor=ANA, vendor="aws")  # and the next poll links nothing twice
    assert len([e for e in timeline(ctx, "CASE-2") if e.kind == "vendor_health_event"]) == 1


def test_an_event_names_the_open_platform_incidents_of_its_service_and_region(
    ctx: Context, clock: FakeClock, fake_aws_health: FakeAwsHealth,  # noqa: F811
) -> None:
    from escalada.services.incidents import open_incident

    for service, region in (("Amazon RDS", "eu-central-1"), ("rds", "us-east-1"),
                            ("ec2", "eu-central-1")):
        open_incident(ctx=ctx, actor=ANA, service=service, region=region)
    fake_aws_health.open_issue("RDS", "eu-central-1", "AWS_RDS_OPERATIONAL_ISSUE", clock())

    poll_now(ctx=ctx, actor=ANA, vendor="aws")

    assert [e.incidents for e in vendor_health(ctx=ctx).events] == [["INC-1"]]


def test_filters_for_services_and_regions_go_to_aws(
    ctx: Context, clock: FakeClock, fake_aws_health: FakeAwsHealth,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ESCALADA_AWS_HEALTH_SERVICES", "RDS, EC2")
    monkeypatch.setenv("ESCALADA_AWS_HEALTH_REGIONS", "eu-central-1")
    fake_aws_health.open_issue("RDS", "us-east-1", "AWS_RDS_OPERATIONAL_ISSUE", clock())
    fake_aws_health.open_issue("S3", "eu-central-1", "AWS_S3_OPERATIONAL_ISSUE", clock())
    kept = fake_aws_health.open_issue("EC2", "eu-central-1", "AWS_EC2_OPERATIONAL_ISSUE",
                                      clock())

    [polled] = poll_now(ctx=ctx, actor=ANA, vendor="aws")

    assert (polled.events, polled.error) == (1, None)
    assert [e.event_id for e in vendor_health(ctx=ctx).events] == [kept]
    [(_, asked)] = [c for c in fake_aws_health.calls if c[0] == "DescribeEvents"]
    assert asked["filter"]["services"] == ["RDS", "EC2"]
    assert asked["filter"]["regions"] == ["eu-central-1"]


@pytest.mark.parametrize(("status", "code", "said"), [
    (400, "UnrecognizedClientException",
     "aws: AWS refused the credentials (UnrecognizedClientException); check the access key, "
     "or sign in again"),
    (400, "SubscriptionRequiredException",
     "aws: this AWS account's support plan has no AWS Health API (AWS Business, Enterprise "
     "On-Ramp or Enterprise Support is needed)"),
    (503, "ServiceUnavailableException", "aws: AWS Health: ServiceUnavailableException: down"),
])
def test_a_refusal_is_reported_and_kept_on_the_poll_and_the_events_stay(
    ctx: Context, clock: FakeClock, fake_aws_health: FakeAwsHealth,  # noqa: F811
    status: int, code: str, said: str,
) -> None:
    fake_aws_health.open_issue("RDS", "eu-central-1", "AWS_RDS_OPERATIONAL_ISSUE", clock())
    poll_now(ctx=ctx, actor=ANA, vendor="aws")
    fake_aws_health.fail_with(status, code, "down")
    clock.advance(minutes=5)

    [polled] = poll_now(ctx=ctx, actor=ANA, vendor="aws")

    assert polled.error == said
    seen = vendor_health(ctx=ctx)
    assert [p.error for p in seen.polls] == [said]
    assert len(seen.events) == 1  # what AWS said last stands until it answers again
    tries = [c for c, _ in fake_aws_health.calls if c == "DescribeEvents"]
    assert len(tries) == 1 + (2 if status >= 500 else 1)  # a 5xx retried, a 4xx not


def test_no_credentials_at_all_is_reported(
    ctx: Context, fake_aws_health: FakeAwsHealth,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch, tmp_path: object,
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", f"{tmp_path}/none")
    monkeypatch.setenv("AWS_CONFIG_FILE", f"{tmp_path}/none")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")

    [polled] = poll_now(ctx=ctx, actor=ANA, vendor="aws")

    assert polled.error == ("aws: no AWS credentials found (environment, shared config, SSO "
                            "or instance role)")
    assert fake_aws_health.calls == []


def test_polling_needs_a_vendor_named_or_watched(
    ctx: Context, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ESCALADA_VENDOR_HEALTH", raising=False)
    with pytest.raises(InvalidInput, match="no vendor is watched"):
        poll_now(ctx=ctx, actor=ANA)
    monkeypatch.setenv("ESCALADA_VENDOR_HEALTH", "aws,ibm")
    with pytest.raises(InvalidInput, match="ESCALADA_VENDOR_HEALTH: names ibm"):
        poll_now(ctx=ctx, actor=ANA)
