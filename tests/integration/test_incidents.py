"""Outage storms on real SQLite and PostgreSQL: cases of five accounts about one service
and region within ten minutes open a platform incident, link the cases and set the
policy's flags; an update fans out to each customer in their language; resolving the
incident proposes resolving the cases, which people confirm."""

from __future__ import annotations

from datetime import timedelta

import pytest
from concurrency_support import run_at_once
from examples import ANA
from storm_support import add_customer, report, storm

from escalada.adapters.catalogs import translations
from escalada.domain.errors import AlreadyExists, InvalidInput, InvalidTransition, NotFound
from escalada.services import cases
from escalada.services.context import Context
from escalada.services.delivering import deliver_due
from escalada.services.incident_resolutions import confirm_resolutions
from escalada.services.incident_updates import post_update
from escalada.services.incidents import (
    incident_page,
    link_cases,
    open_incident,
    resolve_incident,
    show_incident,
)
from escalada.testing import CapturingChannels, FakeClock


def test_five_accounts_within_ten_minutes_open_one_incident_and_link_every_case(
    ctx: Context, clock: FakeClock,
) -> None:
    opened = storm(ctx, clock, 5, minutes_apart=2.5)

    assert [link.id for link in opened[-1].incidents] == ["INC-1"]  # the opening's own view
    assert opened[0].incidents == []  # opened before the storm
    [summary] = incident_page(ctx=ctx).items
    incident = show_incident(ctx=ctx, incident_id=summary.id)
    assert (incident.service, incident.region, incident.status) == ("rds", "eu-central-1",
                                                                    "open")
    assert [c.case for c in incident.linked] == [v.snapshot.id for v in opened]
    assert incident.accounts == 5
    assert incident.flags == ["multi_service_outage"]
    for view in opened:
        case = cases.show_case(ctx=ctx, case_id=view.snapshot.id)
        assert "multi_service_outage" in case.snapshot.flags
        assert [link.id for link in case.incidents] == [incident.id]
        [executive] = [r for r in case.evaluation.recommendations if r.track == "executive"]
        assert executive.to == "L2"
        assert "multi_service_outage" in executive.criteria


def test_four_accounts_and_a_second_case_of_one_of_them_are_no_storm(
    ctx: Context, clock: FakeClock,
) -> None:
    storm(ctx, clock, 4)
    report(ctx, "acct-1")

    assert incident_page(ctx=ctx).items == []
    assert "multi_service_outage" not in cases.show_case(ctx=ctx, case_id="CASE-5").snapshot.flags


def test_cases_spread_wider_than_the_window_or_in_another_region_are_no_storm(
    ctx: Context, clock: FakeClock,
) -> None:
    storm(ctx, clock, 5, minutes_apart=2.6)  # the first is 10.4 minutes before the fifth
    report(ctx, add_customer(ctx, 9), regions=("us-east-1",))

    assert incident_page(ctx=ctx).items == []


def test_a_case_about_the_place_later_joins_the_open_incident_and_a_region_set_later_too(
    ctx: Context, clock: FakeClock,
) -> None:
    storm(ctx, clock, 5)
    clock.advance(hours=1)
    later = report(ctx, add_customer(ctx, 6))
    elsewhere = report(ctx, add_customer(ctx, 7), regions=())
    cases.update_case(ctx=ctx, actor=ANA, case_id=elsewhere.snapshot.id,
                      regions=["EU-Central-1"])

    [summary] = incident_page(ctx=ctx).items
    assert summary.cases == 7 and summary.accounts == 7
    assert "multi_service_outage" in cases.show_case(ctx=ctx, case_id=later.snapshot.id
                                                     ).snapshot.flags
    kinds = [e.kind for e in cases.case_timeline(ctx=ctx, case_id=elsewhere.snapshot.id)]
    assert kinds[-1] == "incident_linked"


def test_twenty_accounts_set_systemic_platform_failure_on_every_linked_case(
    ctx: Context, clock: FakeClock,
) -> None:
    opened = storm(ctx, clock, 20, minutes_apart=0.25)

    first = cases.show_case(ctx=ctx, case_id=opened[0].snapshot.id)
    assert {"multi_service_outage", "systemic_platform_failure"} <= set(first.snapshot.flags)
    [executive] = [r for r in first.evaluation.recommendations if r.track == "executive"]
    assert executive.to == "L4"


def test_an_update_fans_out_to_each_customer_in_their_language_on_their_cadence(
    ctx: Context, clock: FakeClock,
) -> None:
    channels = CapturingChannels()
    ctx.channels = channels
    storm(ctx, clock, 4)
    report(ctx, add_customer(ctx, 5, email=False))  # the fifth account has no email
    clock.advance(minutes=5)

    update = post_update(ctx=ctx, actor=ANA, incident_id="INC-1", status="mitigating",
                         understanding="A storage node in eu-central-1 failed",
                         doing_now="Failing over to the standby node",
                         next_steps="Confirm every database reconnects")
    deliver_due(ctx, owner="test-worker")

    by_case = {item.case: item for item in update.fan_out}
    assert [by_case[f"CASE-{n}"].language for n in range(1, 6)] == ["en", "ru", "en", "ru", "en"]
    assert by_case["CASE-5"].skipped == "no contact with an email address"
    assert by_case["CASE-5"].delivery is None and by_case["CASE-5"].draft is not None
    sent = {message.to: message for message in channels["email"].delivered}
    assert sorted(sent) == [f"ops{n}@customer{n}.example" for n in range(1, 5)]
    assert "storage node" in sent["ops2@customer2.example"].body
    # Each delivery is its case's customer update: its next update falls due on its own
    # cadence from now (P1 on the enterprise plan: every 2 hours), as the letter says.
    first = cases.show_case(ctx=ctx, case_id="CASE-1")
    assert first.snapshot.last_customer_update_at == clock()
    [next_update] = [c for c in first.evaluation.sla if c.target == "next_update"]
    assert next_update.due_at == by_case["CASE-1"].next_update_due_at == clock() + timedelta(
        hours=2)
    assert cases.show_case(ctx=ctx, case_id="CASE-5").snapshot.last_customer_update_at is None
    assert show_incident(ctx=ctx, incident_id="INC-1").updates[0].id == update.id


def test_resolving_the_incident_proposes_resolving_its_cases_and_people_confirm(
    ctx: Context, clock: FakeClock,
) -> None:
    storm(ctx, clock, 5)
    cases.resolve(ctx=ctx, actor=ANA, case_id="CASE-2")

    resolved = resolve_incident(ctx=ctx, actor=ANA, incident_id="INC-1",
                                resolution="storage node replaced")

    assert resolved.status == "resolved"
    assert resolved.proposed_resolutions == ["CASE-1", "CASE-3", "CASE-4", "CASE-5"]
    assert cases.show_case(ctx=ctx, case_id="CASE-1").snapshot.status != "resolved"
    assert cases.show_case(ctx=ctx, case_id="CASE-1").incidents[0].resolution_proposed
    confirmed = confirm_resolutions(ctx=ctx, actor=ANA, incident_id="INC-1",
                                    cases=["CASE-1", "CASE-2"])
    assert confirmed.resolved == ["CASE-1"]
    assert list(confirmed.refused) == ["CASE-2"]
    rest = confirm_resolutions(ctx=ctx, actor=ANA, incident_id="inc-1")
    assert rest.resolved == ["CASE-3", "CASE-4", "CASE-5"]
    assert show_incident(ctx=ctx, incident_id="INC-1").proposed_resolutions == []


def test_what_the_incident_writes_on_a_case_reads_in_russian_and_says_the_same_in_english(
    ctx: Context, clock: FakeClock,
) -> None:
    storm(ctx, clock, 5)
    post_update(ctx=ctx, actor=ANA, incident_id="INC-1", status="mitigating",
                understanding="A storage node failed", doing_now="Failing over",
                next_steps="Confirm reconnects")
    resolve_incident(ctx=ctx, actor=ANA, incident_id="INC-1", resolution="node replaced")

    timeline = cases.show_case(ctx=ctx, case_id="CASE-1").timeline
    entries = {entry.kind: entry for entry in timeline
               if entry.kind in ("incident_linked", "incident_resolved", "message_queued")}
    told = {kind: entry.summary_in(translations("ru")) for kind, entry in entries.items()}

    assert entries["incident_linked"].summary.startswith("linked to platform incident INC-1 (")
    assert entries["incident_linked"].summary.endswith(
        ", 5 accounts); flags set: multi_service_outage")
    assert told["incident_linked"] == (
        "связано с инцидентом платформы INC-1 (rds в eu-central-1, 5 клиентов); установлены "
        "флаги: multi_service_outage")
    assert told["incident_resolved"] == (
        "инцидент платформы INC-1 устранён: предлагается решить это обращение")
    assert entries["message_queued"].summary == (
        "progress update #1 (en) of platform incident INC-1 queued for the customer by "
        "email to ops1@customer1.example")
    assert told["message_queued"] == (
        "обновление о ходе работ №1 (en) по инциденту платформы INC-1 поставлено в очередь "
        "для клиента, email на ops1@customer1.example")


def test_a_new_storm_after_the_resolution_opens_a_new_incident(
    ctx: Context, clock: FakeClock,
) -> None:
    storm(ctx, clock, 5)
    resolve_incident(ctx=ctx, actor=ANA, incident_id="INC-1")
    clock.advance(hours=2)
    storm(ctx, clock, 5, first=11)

    assert [(i.id, i.status) for i in incident_page(ctx=ctx).items] == [("INC-2", "open"),
                                                                   ("INC-1", "resolved")]


def test_failure_paths_name_the_incident_and_the_reason(ctx: Context, clock: FakeClock) -> None:
    storm(ctx, clock, 5)
    resolve_incident(ctx=ctx, actor=ANA, incident_id="INC-1")

    with pytest.raises(InvalidTransition, match="INC-1 is resolved already"):
        resolve_incident(ctx=ctx, actor=ANA, incident_id="INC-1")
    with pytest.raises(InvalidTransition, match="INC-1 is resolved already"):
        post_update(ctx=ctx, actor=ANA, incident_id="INC-1", understanding="a",
                    doing_now="b", next_steps="c")
    with pytest.raises(NotFound, match="no incident INC-99"):
        show_incident(ctx=ctx, incident_id="INC-99")
    with pytest.raises(InvalidInput, match="incident: 'x1' is not an incident id like INC-7"):
        show_incident(ctx=ctx, incident_id="x1")
    open_incident(ctx=ctx, actor=ANA, service="compute", region="eu-west-1")
    with pytest.raises(InvalidInput, match="status: must be one of"):
        post_update(ctx=ctx, actor=ANA, incident_id="INC-2", status="sleeping",
                    understanding="a", doing_now="b", next_steps="c")


def test_people_open_an_incident_by_hand_and_link_cases_once(ctx: Context, clock: FakeClock
                                                            ) -> None:
    view = report(ctx, add_customer(ctx, 1), services=("compute",), regions=("eu-west-1",))

    opened = open_incident(ctx=ctx, actor=ANA, service="Compute", region="eu-west-1",
                           title="Compute API errors", cases=[view.snapshot.id])

    assert (opened.id, opened.service, opened.title) == ("INC-1", "compute", "Compute API errors")
    assert [c.case for c in opened.linked] == ["CASE-1"]
    assert opened.flags == []  # one account: below the policy's thresholds
    with pytest.raises(AlreadyExists, match="INC-1 is open for compute in eu-west-1 already"):
        open_incident(ctx=ctx, actor=ANA, service="compute", region="eu-west-1")
    with pytest.raises(InvalidTransition, match="CASE-1 linked to INC-1 already"):
        link_cases(ctx=ctx, actor=ANA, incident_id="INC-1", cases=["CASE-1"])
    other = report(ctx, add_customer(ctx, 2), services=("rds",), regions=("us-east-1",))
    linked = link_cases(ctx=ctx, actor=ANA, incident_id="INC-1", cases=[other.snapshot.id])
    assert [c.case for c in linked.linked] == ["CASE-1", "CASE-2"]
    with pytest.raises(NotFound, match="no case CASE-77"):
        link_cases(ctx=ctx, actor=ANA, incident_id="INC-1", cases=["CASE-77"])


def test_cases_arriving_at_once_open_one_incident_and_are_all_linked(
    ctx: Context, clock: FakeClock,
) -> None:
    storm(ctx, clock, 4, minutes_apart=0.1)
    accounts = [add_customer(ctx, n) for n in range(5, 21)]

    outcomes = run_at_once([lambda account=account: report(ctx, account)
                            for account in accounts])

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    [summary] = incident_page(ctx=ctx).items
    assert (summary.cases, summary.accounts) == (20, 20)
    incident = show_incident(ctx=ctx, incident_id=summary.id)
    assert incident.flags == ["multi_service_outage", "systemic_platform_failure"]
    for linked in incident.linked:
        flags = cases.show_case(ctx=ctx, case_id=linked.case).snapshot.flags
        assert {"multi_service_outage", "systemic_platform_failure"} <= set(flags), linked.case


def test_counted_accounts_arriving_beside_a_new_one_all_get_the_flag_it_raises(
    ctx: Context, clock: FakeClock,
) -> None:
    """Second cases of accounts the incident counts link side by side (a shared hold),
    while one more account's case takes it past 20 accounts (an exclusive one): whichever
    commits first, every case ends up flagged and the count is exact."""
    storm(ctx, clock, 19, minutes_apart=0.1)
    newcomer = add_customer(ctx, 20)
    again = [f"acct-{n}" for n in range(1, 11)]

    outcomes = run_at_once([lambda account=account: report(ctx, account)
                            for account in [*again[:5], newcomer, *again[5:]]])

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    [summary] = incident_page(ctx=ctx).items
    assert (summary.cases, summary.accounts) == (30, 20)
    incident = show_incident(ctx=ctx, incident_id=summary.id)
    assert incident.flags == ["multi_service_outage", "systemic_platform_failure"]
    for linked in incident.linked:
        flags = cases.show_case(ctx=ctx, case_id=linked.case).snapshot.flags
        assert "systemic_platform_failure" in flags, linked.case
