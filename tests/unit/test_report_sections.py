"""The report's section builders over records as loaded (rows built in memory, no
database): each keeps what the record says, and an empty record gives empty sections."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from escalada.adapters.db.tables import (
    AccountRow,
    CaseRow,
    CommitmentRow,
    CommunicationRow,
    CreditRow,
    EscalationRow,
    OutboxRow,
    RecoveryTaskRow,
    RootCauseRow,
    TimelineRow,
)
from escalada.adapters.policy_file import default_policy_path, load_policy
from escalada.domain.escalation_report import measured_breaches
from escalada.domain.snapshot import AccountSnapshot, CaseSnapshot
from escalada.services.report import sections

OPENED = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
NOW = OPENED + timedelta(days=3)


def hours(n: float) -> datetime:
    return OPENED + timedelta(hours=n)


def account() -> AccountRow:
    return AccountRow(id="acme", name="Acme Corp", tier="enterprise", support_plan="enterprise",
                      timezone="Europe/Moscow", country="RU", language="ru")


def case(**fields: object) -> CaseRow:
    values: dict[str, object] = {
        "number": 7, "account_id": "acme", "title": "Volumes detach", "severity": "P1",
        "status": "investigating", "tier": "T1", "exec_level": None, "opened_at": OPENED,
        "services": ["compute"], "flags": [], "revenue_impact_usd": Decimal(0),
        "business_impact_usd": Decimal(0), "escalations": [], "pauses": []}
    return CaseRow(**{**values, **fields})


def step(seq: int, track: str, to: str, at: datetime, by: str | None) -> EscalationRow:
    return EscalationRow(seq=seq, track=track, direction="up", from_level=None, to_level=to,
                         requested_at=at, acknowledged_by=by)


def entry(kind: str, at: datetime, actor: str = "ana", **data: object) -> TimelineRow:
    return TimelineRow(case_number=7, at=at, actor=actor, kind=kind, summary=kind,
                       reason=None, data=data)


def test_an_empty_record_gives_empty_sections() -> None:
    fresh = case()

    summary = sections.summary_of(account(), fresh, [], NOW)
    impact = sections.impact_of(fresh, [], [], (), NOW)

    assert (summary.tiers, summary.levels, summary.minutes) == (("T1",), (), 3 * 24 * 60)
    assert (summary.opened_by, summary.technical_owner, summary.executive_owner) == (
        None, None, None)
    assert (impact.breaches, impact.credits, impact.granted_usd) == ((), (), Decimal(0))
    assert sections.root_cause_of(None) is None
    assert sections.resolution_of(fresh, [], [], NOW).commitments == ()
    assert sections.messages_of([], []) == ()
    assert sections.recovery_of([], NOW).tasks == ()
    assert sections.timeline_of([]) == ()


def test_the_summary_names_the_tiers_and_levels_reached_and_who_owned_them() -> None:
    worked = case(status="resolved", resolved_at=hours(6), escalations=[
        step(1, "technical", "T2", hours(1), "t.becker"),
        step(2, "executive", "L2", hours(2), "s.mitchell"),
        step(3, "technical", "T3", hours(3), None),
        step(4, "executive", "L3", hours(4), "e.sokolova")])

    summary = sections.summary_of(account(), worked, [entry("case_opened", OPENED, "p.raman")],
                                  NOW)

    assert summary.tiers == ("T1", "T2", "T3") and summary.levels == ("L2", "L3")
    assert (summary.opened_by, summary.technical_owner, summary.executive_owner) == (
        "p.raman", "t.becker", "e.sokolova")
    assert summary.minutes == 360
    assert [s.to for s in sections.steps_of(worked)] == ["T2", "L2", "T3", "L3"]


def test_a_late_update_overran_until_the_next_update_went_out() -> None:
    worked = case(first_response_at=hours(0.1), resolved_at=hours(9))
    entries = [entry("update_overdue", hours(2.2), "escalada", target="next_update",
                     due_at=hours(2.1).isoformat()),
               entry("customer_update", hours(3)),
               entry("update_overdue", hours(6), "escalada", target="next_update",
                     due_at=hours(5).isoformat())]

    late = sections.update_breaches(worked, entries, NOW)

    assert [(b.met_at, b.overrun_minutes) for b in late] == [(hours(3), 54), (hours(9), 240)]


def test_first_response_and_resolution_are_measured_when_met_on_their_calendar() -> None:
    snapshot = CaseSnapshot(
        id="CASE-7", account=AccountSnapshot(id="acme", name="Acme", tier="enterprise",
                                             support_plan="enterprise", timezone="UTC"),
        severity="P1", status="resolved", tier="T2", opened_at=OPENED,
        first_response_at=hours(0.5), resolved_at=hours(6))

    breaches = measured_breaches(snapshot, load_policy(default_policy_path()), NOW)

    # enterprise P1: first response in 15 min, resolution in 4 h (24x7)
    assert [(b.target, b.due_at, b.overrun_minutes) for b in breaches] == [
        ("first_response", hours(0.25), 15), ("resolution", hours(4), 120)]


def test_credits_commitments_messages_and_the_plan_keep_what_the_record_says() -> None:
    worked = case(status="resolved", resolved_at=hours(6))
    credits = [CreditRow(id=1, amount_usd=Decimal("7200"), state="approved", proposed_by="s",
                         proposed_at=hours(7), decided_by="e", decided_at=hours(8)),
               CreditRow(id=2, amount_usd=Decimal("10"), state="rejected", proposed_by="s",
                         proposed_at=hours(7), decided_by="e", decided_at=hours(8))]
    commitments = [
        CommitmentRow(id=1, what="RCA", owner="o", due_at=hours(30), closed_at=hours(20)),
        CommitmentRow(id=2, what="Fix", owner="o", due_at=hours(40), closed_at=None),
        CommitmentRow(id=3, what="QBR", owner="o", due_at=NOW + timedelta(days=9),
                      closed_at=None)]
    drafts = [CommunicationRow(id=1, kind="acknowledgment", audience="customer", language="ru",
                               subject="CASE-7", created_at=hours(1)),
              CommunicationRow(id=2, kind="handoff", audience="internal", language="en",
                               subject="handoff", created_at=hours(2))]
    deliveries = [OutboxRow(communication_id=1, channel="email", recipient="a@b.example",
                            state="delivered", created_at=hours(1), delivered_at=hours(1.1)),
                  OutboxRow(communication_id=1, channel="slack", recipient="room",
                            state="dead", created_at=hours(1.2), delivered_at=None)]
    tasks = [RecoveryTaskRow(id=2, phase="long_term", text="QBR", status="open", due_at=None),
             RecoveryTaskRow(id=1, phase="immediate", text="Call", status="done",
                             due_at=hours(20)),
             RecoveryTaskRow(id=3, phase="short_term", text="Apology", status="open",
                             due_at=hours(30))]

    impact = sections.impact_of(worked, [], credits, (), NOW)
    resolution = sections.resolution_of(
        worked, [entry("resolved", hours(6), "s.mitchell")], commitments, NOW)
    messages = sections.messages_of(drafts, deliveries)
    plan = sections.recovery_of(tasks, NOW)
    cause = sections.root_cause_of(RootCauseRow(technical="leak", process=None, updated_by="i",
                                                updated_at=hours(7)))

    assert impact.granted_usd == Decimal("7200")
    assert [c.state for c in resolution.commitments] == ["met", "missed", "open"]
    assert (resolution.met, resolution.missed, resolution.resolved_by) == (1, 1, "s.mitchell")
    assert [(m.kind, m.channel, m.state, m.customer_facing) for m in messages] == [
        ("acknowledgment", "email", "delivered", True), ("acknowledgment", "slack", "dead", True),
        ("handoff", None, "draft", False)]
    assert [t.text for t in plan.tasks] == ["Call", "Apology", "QBR"]
    assert (plan.done, plan.overdue, plan.percent_done) == (1, 1, 33)
    assert cause is not None and (cause.technical, cause.process, cause.by) == ("leak", None, "i")
