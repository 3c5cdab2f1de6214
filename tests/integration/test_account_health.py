"""Account health on SQLite and PostgreSQL: computed from the account's cases and entered
inputs, kept over time as the account's score, a drop into an alarming band on the
account's log and feeding `strategic_account_at_risk`, and the refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from case_support import open_case
from examples import ADMIN, ANA, LENA, MARIA

from escalada.adapters.catalogs import translations
from escalada.domain.errors import InvalidInput, InvalidTransition, NotFound, NotPermitted
from escalada.services import cases
from escalada.services.account_health import (
    account_health,
    enter_inputs,
    health_trend,
    keep_score,
    refresh_scores,
    what_if,
)
from escalada.services.account_log import account_history
from escalada.services.accounts import add_account, get_account, update_account
from escalada.services.context import Actor, Context
from escalada.services.escalations import escalate
from escalada.testing import FakeClock

VIEWER = Actor("vera", "viewer")
POOR = {"nps": -80, "communication_quality": 1, "proactive_outreach": 0, "qbr_attendance": 0,
        "product_feedback": 0, "advocacy": 0, "reopen_rate": "0.3"}


def metric(view, key):  # type: ignore[no-untyped-def]
    return next(m for c in view.components for m in c.metrics if m.metric == key)


def test_the_score_is_computed_from_the_accounts_cases(ctx: Context, clock: FakeClock) -> None:
    case = open_case(ctx, severity="P1", csat=4).snapshot.id
    clock.advance(minutes=10)
    cases.respond(ctx=ctx, actor=ANA, case_id=case)
    clock.advance(hours=5)  # the enterprise P1 resolution target is 4 h
    cases.resolve(ctx=ctx, actor=ANA, case_id=case, reason="fixed")
    clock.advance(days=1)

    health = account_health(ctx=ctx, actor=VIEWER, account_id="acme")

    assert metric(health, "csat").value == 4
    assert metric(health, "p1_p2_share").value == 1
    assert metric(health, "response_within_sla").value == 1
    assert metric(health, "resolution_within_sla").value == 0
    assert metric(health, "resolution_within_sla").source == (
        "computed: 0 of 1 resolved in time (90 days)")
    assert metric(health, "escalations").value == 0
    assert metric(health, "nps").missing == "never entered (`escalada health input`)"
    assert "nps" in health.missing and 0 < health.coverage < 1
    assert health.score is not None and health.band is not None


def test_an_escalation_counts_and_case_records_after_the_moment_asked_do_not(
    ctx: Context, clock: FakeClock
) -> None:
    case = open_case(ctx).snapshot.id
    before = clock()
    clock.advance(minutes=5)
    escalate(ctx=ctx, actor=ANA, case_id=case, to="L1", reason="customer asked")
    assert metric(account_health(ctx=ctx, actor=VIEWER, account_id="acme"),
                  "escalations").value == 1
    past = account_health(ctx=ctx, actor=VIEWER, account_id="acme", at=before)
    assert metric(past, "escalations").value == 0


def test_entered_inputs_count_with_who_entered_them(ctx: Context, clock: FakeClock) -> None:
    add_account(ctx=ctx, actor=ADMIN, id="acme", name="Acme", tier="strategic",
                support_plan="enterprise")
    entered = enter_inputs(ctx=ctx, actor=LENA, account_id="acme",
                           values={"nps": 20, "qbr_attendance": "0.75"}, note="Q4 survey")
    assert [(i.metric, i.value, i.entered_by) for i in entered] == [
        ("nps", 20, "lena"), ("qbr_attendance", 0.75, "lena")]
    nps = metric(account_health(ctx=ctx, actor=VIEWER, account_id="acme"), "nps")
    assert (nps.value, nps.score, nps.source, nps.age_days) == (20, 66, "entered by lena", 0)
    russian = metric(account_health(ctx=ctx, actor=VIEWER, account_id="acme", language="ru"),
                     "nps")
    assert (russian.label, russian.source, russian.source_kind) == (
        "NPS (-100..100)", "введено: lena", "entered")
    [_, logged] = account_history(ctx=ctx, account_id="acme")
    assert (logged.kind, logged.summary, logged.reason) == (
        "health_input", "health input: nps 20, qbr_attendance 0.75", "Q4 survey")
    assert logged.summary_in(translations("ru")) == (
        "введены показатели здоровья: nps 20, qbr_attendance 0.75")
    clock.advance(days=93)
    assert metric(account_health(ctx=ctx, actor=VIEWER, account_id="acme"),
                  "nps").missing.startswith("entered for ")
    assert metric(account_health(ctx=ctx, actor=VIEWER, account_id="acme", language="ru"),
                  "nps").missing.startswith("введено на ")


def test_a_kept_drop_into_critical_is_logged_and_fires_strategic_account_at_risk(
    ctx: Context, clock: FakeClock
) -> None:
    add_account(ctx=ctx, actor=ADMIN, id="acme", name="Acme", tier="strategic",
                support_plan="enterprise")
    enter_inputs(ctx=ctx, actor=LENA, account_id="acme", values={"nps": 60, "advocacy": 9})
    good = keep_score(ctx=ctx, actor=ANA, account_id="acme")
    assert good.band in ("excellent", "good")
    clock.advance(days=1)
    enter_inputs(ctx=ctx, actor=LENA, account_id="acme", values=POOR)
    clock.advance(minutes=1)

    critical = keep_score(ctx=ctx, actor=ANA, account_id="acme")

    assert critical.band == "critical" and critical.score is not None
    assert get_account(ctx=ctx, account_id="acme").health_score == critical.score
    dropped = [e for e in account_history(ctx=ctx, account_id="acme")
               if e.kind == "health_band_dropped"]
    assert [e.data["after"] for e in dropped] == ["critical"]
    assert dropped[0].data["before"] == good.band
    assert dropped[0].summary == f"account health {good.band} -> critical: score " \
        f"{critical.score:.2f}"
    assert dropped[0].summary_in(translations("ru")).startswith(
        f"здоровье аккаунта: {'хорошо' if good.band == 'good' else 'отлично'} -> критично, "
        "оценка ")
    case = open_case(ctx, new_account=False, severity="P3")
    fired = {c for r in case.evaluation.recommendations for c in r.criteria}
    assert "strategic_account_at_risk" in fired
    trend = health_trend(ctx=ctx, actor=VIEWER, account_id="acme")
    assert [p.band for p in trend.scores] == [good.band, "critical"]


def test_refresh_keeps_a_score_for_every_account(ctx: Context) -> None:
    for name in ("acme", "globex", "initech"):
        add_account(ctx=ctx, actor=ADMIN, id=name, name=name.title(), tier="enterprise",
                    support_plan="business")
    enter_inputs(ctx=ctx, actor=LENA, account_id="globex", values=POOR)
    seen: list[tuple[int, int]] = []

    refreshed = refresh_scores(ctx=ctx, actor=ANA, progress=lambda d, t: seen.append((d, t)))

    assert (refreshed.accounts, refreshed.kept, refreshed.failed) == (3, 3, {})
    assert refreshed.dropped == ["globex"]
    assert seen == [(3, 3)]
    assert all(len(health_trend(ctx=ctx, actor=VIEWER, account_id=a).scores) == 1
               for a in ("acme", "globex", "initech"))


def test_what_if_scores_given_components(ctx: Context) -> None:
    view = what_if(ctx=ctx, actor=VIEWER, components={
        "support_satisfaction": 90, "ticket_trends": 90, "engagement_quality": 90,
        "relationship_strength": "89.9"})
    assert (view.score, view.band, view.band_label) == (89.97, "good", "Good (stable)")


@pytest.mark.parametrize(("values", "field", "reason"), [
    ({"nps": 101}, "nps", "must be from -100 to 100"),
    ({"nps": "lots"}, "nps", "'lots' is not a number"),
    ({"csat": 4}, "csat", "escalada computes it from its records; it is not entered"),
    ({"mood": 4}, "mood", "not a health sub-metric; the entered ones are nps, reopen_rate"),
    ({}, "inputs", "give at least one of nps"),
])
def test_bad_inputs_are_refused_naming_the_field(ctx, values, field, reason) -> None:  # type: ignore[no-untyped-def]
    add_account(ctx=ctx, actor=ADMIN, id="acme", name="Acme", tier="strategic",
                support_plan="enterprise")
    with pytest.raises(InvalidInput) as refused:
        enter_inputs(ctx=ctx, actor=LENA, account_id="acme", values=values)
    [(named, why)] = refused.value.problems
    assert named == field and why.startswith(reason)
    assert [e.kind for e in account_history(ctx=ctx, account_id="acme")] == ["account_added"]


def test_who_may_enter_inputs_and_keep_scores(ctx: Context, clock: FakeClock) -> None:
    add_account(ctx=ctx, actor=ADMIN, id="acme", name="Acme", tier="strategic",
                support_plan="enterprise")
    with pytest.raises(NotPermitted, match="entering account health inputs needs the role "
                                           "team lead or above"):
        enter_inputs(ctx=ctx, actor=ANA, account_id="acme", values={"nps": 10})
    with pytest.raises(NotPermitted, match="keeping account health scores"):
        keep_score(ctx=ctx, actor=VIEWER, account_id="acme")
    with pytest.raises(InvalidInput, match="as_of: is in the future"):
        enter_inputs(ctx=ctx, actor=MARIA, account_id="acme", values={"nps": 10},
                     as_of=clock() + timedelta(days=1))
    with pytest.raises(NotFound, match="no account 'nobody'"):
        account_health(ctx=ctx, actor=VIEWER, account_id="nobody")


def test_the_typed_health_score_is_refused_naming_the_new_command(ctx: Context) -> None:
    add_account(ctx=ctx, actor=ADMIN, id="acme", name="Acme", tier="strategic",
                support_plan="enterprise")
    with pytest.raises(InvalidInput, match=r"health_score: is computed .*`escalada health "
                                           r"input`"):
        update_account(ctx=ctx, actor=ADMIN, account_id="acme", changes={"health_score": 40})


def test_a_move_into_an_alarming_band_is_on_the_open_cases_timelines_as_criteria_read_it(
    ctx: Context, clock: FakeClock
) -> None:
    case = open_case(ctx, tier="strategic", severity="P3").snapshot.id
    enter_inputs(ctx=ctx, actor=LENA, account_id="acme", values={"nps": 60, "advocacy": 9})
    keep_score(ctx=ctx, actor=ANA, account_id="acme")
    assert "strategic_account_at_risk" not in {
        c for r in cases.evaluate_case(ctx=ctx, case_id=case).recommendations
        for c in r.criteria}
    clock.advance(days=1)
    enter_inputs(ctx=ctx, actor=LENA, account_id="acme", values=POOR)
    keep_score(ctx=ctx, actor=ANA, account_id="acme")
    keep_score(ctx=ctx, actor=ANA, account_id="acme")  # the same band: nothing more

    moved = [e for e in cases.case_timeline(ctx=ctx, case_id=case)
             if e.kind == "account_health_changed"]
    assert [(e.data["before"], e.data["after"]) for e in moved] == [("good", "critical")]
    assert moved[0].summary.startswith("account health good -> critical: score ")
    assert moved[0].summary_in(translations("ru")).startswith(
        "здоровье аккаунта: хорошо -> критично, оценка ")
    assert "strategic_account_at_risk" in {
        c for r in cases.evaluate_case(ctx=ctx, case_id=case).recommendations
        for c in r.criteria}


def _resolved_case(ctx: Context, clock: FakeClock, *, reopen: bool = False) -> str:
    case = open_case(ctx, new_account=False, severity="P3").snapshot.id
    clock.advance(hours=1)
    cases.resolve(ctx=ctx, actor=ANA, case_id=case, reason="fixed")
    if reopen:
        clock.advance(hours=1)
        cases.reopen(ctx=ctx, actor=ANA, case_id=case, reason="the errors are back")
    clock.advance(hours=1)
    return case


def test_the_reopen_rate_is_computed_from_cases_reopened_after_their_resolution(
    ctx: Context, clock: FakeClock
) -> None:
    add_account(ctx=ctx, actor=ADMIN, id="acme", name="Acme", tier="enterprise",
                support_plan="enterprise")
    enter_inputs(ctx=ctx, actor=LENA, account_id="acme", values={"reopen_rate": "0.02"})
    assert metric(account_health(ctx=ctx, actor=VIEWER, account_id="acme"),
                  "reopen_rate").source == "entered by lena"  # no resolved case yet
    _resolved_case(ctx, clock)  # resolved 100 days before the moment asked: out of window
    clock.advance(days=100)
    _resolved_case(ctx, clock)
    _resolved_case(ctx, clock)
    _resolved_case(ctx, clock, reopen=True)  # reopened, still open
    again = _resolved_case(ctx, clock, reopen=True)
    cases.resolve(ctx=ctx, actor=ANA, case_id=again, reason="fixed for good")  # counts once
    open_case(ctx, new_account=False, severity="P3")  # never resolved: not counted
    clock.advance(hours=1)

    health = account_health(ctx=ctx, actor=VIEWER, account_id="acme")

    # By hand: 4 cases first resolved in the 92 days, 2 of them reopened: 0.5, which the
    # scale [(0, 100), (0.1, 60), (0.3, 0)] puts at 0; with 1 of 4 (0.25) at 15.
    reopen = metric(health, "reopen_rate")
    assert (reopen.value, reopen.score) == (0.5, 0)
    assert reopen.source == "computed: 2 of 4 resolved cases reopened (92 days)"
    ticket_trends = next(c for c in health.components if c.component == "ticket_trends")
    assert "reopen_rate" in [m.metric for m in ticket_trends.metrics]
    earlier = account_health(ctx=ctx, actor=VIEWER, account_id="acme",
                             at=clock() - timedelta(hours=2, minutes=30))
    assert (metric(earlier, "reopen_rate").value, metric(earlier, "reopen_rate").score) == (
        0.25, 15)


def test_only_a_resolved_case_reopens_and_says_why(ctx: Context, clock: FakeClock) -> None:
    case = open_case(ctx).snapshot.id
    with pytest.raises(InvalidTransition, match="is new: only a resolved case reopens"):
        cases.reopen(ctx=ctx, actor=ANA, case_id=case, reason="again")
    cases.resolve(ctx=ctx, actor=ANA, case_id=case)
    with pytest.raises(InvalidInput, match="reason: say why the case reopens"):
        cases.reopen(ctx=ctx, actor=ANA, case_id=case, reason=" ")
    with pytest.raises(NotPermitted, match="needs the role engineer"):
        cases.reopen(ctx=ctx, actor=VIEWER, case_id=case, reason="again")
    cases.close(ctx=ctx, actor=ANA, case_id=case)
    with pytest.raises(InvalidTransition, match="is closed: only a resolved case reopens "
                                                r"\(open a new case instead\)"):
        cases.reopen(ctx=ctx, actor=ANA, case_id=case, reason="again")


def test_workers_keep_every_accounts_score_periodically_and_a_drop_fires_the_criterion(
    ctx: Context, clock: FakeClock
) -> None:
    from escalada.entrypoints.worker import Worker
    from escalada.services.health_refresh import REFRESHES, refresh_due

    add_account(ctx=ctx, actor=ADMIN, id="acme", name="Acme", tier="strategic",
                support_plan="enterprise")
    enter_inputs(ctx=ctx, actor=LENA, account_id="acme", values={"nps": 60, "advocacy": 9})
    case = open_case(ctx, new_account=False, severity="P3").snapshot.id

    Worker(ctx, "worker-1").drain()  # a new account is scored at once

    [first] = health_trend(ctx=ctx, actor=VIEWER, account_id="acme").scores
    assert first.kept_by == "escalada" and first.band in ("excellent", "good")
    clock.advance(hours=5)
    enter_inputs(ctx=ctx, actor=LENA, account_id="acme", values=POOR)
    assert refresh_due(ctx, owner="worker-1") == 0  # kept 5 hours ago: not due (6 hours)
    clock.advance(hours=1)
    # A worker that took the due account and died holds it until its lease ends.
    with ctx.unit_of_work() as uow:
        assert len(REFRESHES.take(uow.session, now=clock(), holder="worker-9",
                                  lease=timedelta(minutes=5), limit=10)) == 1
        uow.commit()
    assert refresh_due(ctx, owner="worker-1") == 0
    clock.advance(minutes=5)
    Worker(ctx, "worker-1").drain()

    trend = health_trend(ctx=ctx, actor=VIEWER, account_id="acme").scores
    assert [(p.kept_by, p.band) for p in trend] == [
        ("escalada", first.band), ("escalada", "critical")]
    dropped = [e for e in account_history(ctx=ctx, account_id="acme")
               if e.kind == "health_band_dropped"]
    assert [(e.actor, e.data["after"]) for e in dropped] == [("escalada", "critical")]
    changed = [e for e in cases.case_timeline(ctx=ctx, case_id=case)
               if e.kind == "account_health_changed"]
    assert [(e.actor, e.data["after"]) for e in changed] == [("escalada", "critical")]
    assert get_account(ctx=ctx, account_id="acme").health_score == trend[-1].score
    fired = cases.evaluate_case(ctx=ctx, case_id=case).recommendations
    assert "strategic_account_at_risk" in {c for r in fired for c in r.criteria}
    # Six hours on, the same score and band are not kept again: the trend shows moves.
    clock.advance(hours=6)
    Worker(ctx, "worker-1").drain()
    assert len(health_trend(ctx=ctx, actor=VIEWER, account_id="acme").scores) == 2
