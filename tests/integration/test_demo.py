"""The demo data set, loaded through the services into a real SQLite file."""

from __future__ import annotations

import re

import pytest

from escalada.adapters.policy_file import current_policy
from escalada.bootstrap import bootstrap
from escalada.domain.errors import AlreadyExists
from escalada.domain.executive_match import Person, match_executive
from escalada.domain.model import ExecLevel
from escalada.services.account_list import account_page
from escalada.services.case_board import CaseSummaryView, list_page
from escalada.services.cases import evaluate_case, show_case
from escalada.services.contacts import contact_page
from escalada.services.context import Actor, Context, system_clock
from escalada.services.credit_list import credit_page
from escalada.services.demo import DemoLoaded, load_demo
from escalada.services.paging import every_item
from escalada.services.people_lists import user_page
from escalada.services.post_mortem import post_mortem_page, show_post_mortem
from escalada.services.recovery import recovery_plan
from escalada.services.report import escalation_report

_ADMIN = Actor("admin", "admin")
CYRILLIC = re.compile("[\u0400-\u04ff]")


# Loading replays some 70 service calls; the tests only read, so they share one load.
@pytest.fixture(scope="module")
def ctx(tmp_path_factory: pytest.TempPathFactory) -> Context:
    return bootstrap("sqlite:///" + str(tmp_path_factory.mktemp("demo") / "demo.db"))


@pytest.fixture(scope="module")
def loaded(ctx: Context) -> DemoLoaded:
    return load_demo(ctx=ctx)


@pytest.fixture
def demo_cases(ctx: Context, loaded: DemoLoaded) -> list[CaseSummaryView]:
    return list(every_item(list_page, ctx=ctx))


def test_the_demo_loads_five_accounts_and_twelve_cases(
    ctx: Context, loaded: DemoLoaded, demo_cases: list[CaseSummaryView]
) -> None:
    assert loaded == DemoLoaded(accounts=5, cases=12)
    assert len(list(every_item(account_page, ctx=ctx))) == 5
    assert len(demo_cases) == 12


def test_the_demo_mixes_tiers_plans_and_languages(ctx: Context, loaded: DemoLoaded) -> None:
    accounts = list(every_item(account_page, ctx=ctx))
    assert {a.tier for a in accounts} == {"standard", "enterprise", "strategic"}
    assert {a.support_plan for a in accounts} == {"developer", "business", "enterprise"}
    assert {a.language for a in accounts} == {"ru", "en"}
    assert {"Europe/Moscow", "Asia/Novosibirsk", "America/New_York", "Europe/London"} <= {
        a.timezone for a in accounts}


def test_there_are_cases_at_every_technical_tier_and_at_l2_and_l3(
    demo_cases: list[CaseSummaryView],
) -> None:
    open_cases = [c for c in demo_cases if c.status not in ("resolved", "closed")]
    assert {c.tier for c in open_cases} == {"T1", "T2", "T3", "VENDOR"}
    assert {"L2", "L3"} <= {c.exec_level for c in open_cases}
    assert [c.status for c in demo_cases].count("resolved") == 3


def test_a_russian_account_has_its_case_titles_in_russian(
    ctx: Context, demo_cases: list[CaseSummaryView]
) -> None:
    russian = {a.id for a in every_item(account_page, ctx=ctx)
               if a.language == "ru" and a.country == "RU"}
    assert russian
    titles = [c.title for c in demo_cases if c.account in russian]
    assert titles
    assert all(CYRILLIC.search(title) for title in titles)


def test_the_l3_case_was_raised_by_a_c_level_contact_with_over_100k_at_stake(
    ctx: Context, demo_cases: list[CaseSummaryView]
) -> None:
    (l3,) = [c for c in demo_cases if c.exec_level == "L3" and c.status != "resolved"]
    snapshot = show_case(ctx=ctx, case_id=l3.id).snapshot
    assert snapshot.escalating_contact_level == "c_level"
    assert snapshot.business_impact_usd > 100_000


def test_handoff_packages_are_complete_except_for_one_recorded_override(
    ctx: Context, demo_cases: list[CaseSummaryView]
) -> None:
    steps = [step for c in demo_cases for step in show_case(ctx=ctx, case_id=c.id).escalations]
    overridden = [step for step in steps if step.overridden_items]
    assert len(overridden) == 1
    assert overridden[0].override_reason
    vendor = [step for step in steps if step.to == "VENDOR"]
    assert vendor
    assert vendor[0].handoff["vendor_case_number"]
    assert all(step.criteria for step in steps), "every demo step is explained by the policy"


def test_sla_clocks_range_from_fresh_to_breached(
    ctx: Context, demo_cases: list[CaseSummaryView]
) -> None:
    clocks = [clock for c in demo_cases if c.status not in ("resolved", "closed")
              for clock in evaluate_case(ctx=ctx, case_id=c.id).sla]
    assert any(clock.consumed < 0.25 for clock in clocks)
    assert any(0.5 < clock.consumed < 1 for clock in clocks)
    assert any(clock.breached for clock in clocks)


def test_every_open_demo_case_evaluates(
    ctx: Context, demo_cases: list[CaseSummaryView]
) -> None:
    open_cases = [c for c in demo_cases if c.status not in ("resolved", "closed")]
    assert open_cases
    for case in open_cases:
        evaluation = evaluate_case(ctx=ctx, case_id=case.id)
        assert evaluation.case == case.id


def test_the_demo_happened_in_the_past_and_the_real_clock_is_back(
    ctx: Context, demo_cases: list[CaseSummaryView]
) -> None:
    assert ctx.clock is system_clock
    now = ctx.clock()
    assert all(c.opened_at < now for c in demo_cases)


def test_the_demos_paused_case_has_no_sla_due_and_no_entry_before_its_opening(
    ctx: Context, demo_cases: list[CaseSummaryView]
) -> None:
    # The month-old health scores were kept after the cases' stories, backdating entries
    # on open cases and planning their timers as at a month ago (CASE-3 showed an SLA due
    # time in the past while paused).
    paused = [c for c in demo_cases if c.status == "waiting_on_customer"]
    assert paused and all(c.sla_due_at is None for c in paused)
    for case in demo_cases:
        entries = show_case(ctx=ctx, case_id=case.id).timeline
        assert all(entry.at >= case.opened_at for entry in entries), case.id


def test_loading_the_demo_twice_is_refused_as_already_loaded(
    ctx: Context, loaded: DemoLoaded
) -> None:
    with pytest.raises(AlreadyExists, match="already loaded"):
        load_demo(ctx=ctx)
    assert len(list(every_item(list_page, ctx=ctx))) == loaded.cases


# Credits and recovery (issue 11, item 20), contacts and people who sign by name


def test_every_demo_account_has_a_monthly_fee_and_contacts(ctx: Context, loaded: DemoLoaded
                                                           ) -> None:
    accounts = list(every_item(account_page, ctx=ctx))
    assert all(a.monthly_fee_usd is not None and a.monthly_fee_usd > 0 for a in accounts)
    assert all(contact_page(ctx=ctx, account_id=a.id).items for a in accounts)


def test_a_resolved_l3_case_has_its_recovery_plan_and_credits_decided_by_four_eyes(
    ctx: Context, demo_cases: list[CaseSummaryView]
) -> None:
    (case,) = [c for c in demo_cases if c.exec_level == "L3" and c.status == "resolved"]
    plan = recovery_plan(ctx=ctx, case_id=case.id)
    credits = list(every_item(credit_page, ctx=ctx, case=case.id))

    assert plan.level == "L3" and plan.open_tasks > 0 and plan.post_mortem is not None
    assert {phase.phase for phase in plan.phases} >= {"immediate", "short_term"}
    assert [c.state for c in credits] == ["approved", "proposed"]
    approved = credits[0]
    assert approved.decided_by != approved.proposed_by
    assert approved.decided_by == "e.sokolova"  # a director: above $5,000


def test_the_resolved_l3_case_has_a_completed_post_mortem_in_its_report(
    ctx: Context, demo_cases: list[CaseSummaryView]
) -> None:
    (case,) = [c for c in demo_cases if c.exec_level == "L3" and c.status == "resolved"]
    held = show_post_mortem(ctx=ctx, case_id=case.id)
    report = escalation_report(ctx=ctx, actor=Actor("s.mitchell", "support_manager"),
                               case_id=case.id, language="en").content.decode()
    lessons = report.split("## 7.")[1].split("## 8.")[0]

    assert (held.status, held.overdue, len(held.actions)) == ("completed", False, 2)
    assert {"s.mitchell", "e.sokolova"} <= {a.name for a in held.attendees}
    assert "What went wrong: No alert watched consumer lag" in lessons
    assert "Nothing recorded" not in lessons


def test_one_post_mortem_is_overdue_in_the_lists_and_on_its_accounts_page(
    ctx: Context, demo_cases: list[CaseSummaryView]
) -> None:
    """Thames Media's L2, resolved over two weeks ago: its post-mortem was started and never
    completed. `postmortem list --overdue` (GET /postmortems?overdue=true) lists it, and the
    console's account page shows the recovery plan's post-mortem task overdue."""
    from escalada.services.account_overview import account_overview

    (case,) = [c for c in demo_cases if c.account == "thames-media" and c.exec_level == "L2"]
    overdue = post_mortem_page(ctx=ctx, overdue=True).items
    every = post_mortem_page(ctx=ctx).items
    held = show_post_mortem(ctx=ctx, case_id=case.id)
    overview = account_overview(ctx=ctx, actor=_ADMIN, account_id="thames-media")
    (plan,) = [p for p in overview.recovery_plans if p.case == case.id]
    (task,) = [t for phase in plan.phases for t in phase.tasks if t.key == "post_mortem"]

    assert [(p.case, p.status, p.overdue) for p in overdue] == [(case.id, "open", True)]
    assert {(p.status, p.overdue) for p in every} == {("open", True), ("completed", False)}
    assert (held.status, held.overdue, held.completed_at) == ("open", True, None)
    assert held.due_at is not None and held.due_at < ctx.clock()
    assert task.overdue and plan.overdue_tasks >= 1


def test_demo_people_sign_letters_with_their_display_names(ctx: Context, loaded: DemoLoaded
                                                           ) -> None:
    assert all(user.display_name for user in every_item(user_page, ctx=ctx))


def test_the_customers_vp_without_a_title_is_answered_by_our_vp(
    ctx: Context, demo_cases: list[CaseSummaryView]
) -> None:
    (tills,) = [c for c in demo_cases if c.title.startswith("Кассовый API")]
    view = show_case(ctx=ctx, case_id=tills.id)
    people = [Person(u.name, u.role, u.title) for u in every_item(user_page, ctx=ctx)]

    choice = match_executive(view.contact_title, view.snapshot.escalating_contact_level,
                             ExecLevel.L2, people, current_policy())

    assert view.contact is not None and view.contact.title is None
    assert (choice.name, choice.how) == ("r.hughes", "level")


def test_the_demos_resolved_escalation_reports_every_section_from_its_record(
    ctx: Context, loaded: DemoLoaded, demo_cases: list[CaseSummaryView]
) -> None:
    from escalada.services.report import escalation_report

    resolved = next(c.id for c in demo_cases if c.account == "ledgerly"
                    and c.status == "resolved")
    english = escalation_report(ctx=ctx, actor=_ADMIN, case_id=resolved
                                ).content.decode()
    russian = escalation_report(ctx=ctx, actor=_ADMIN, case_id=resolved, language="ru"
                                ).content.decode()

    assert "### Technical\n\nThe message queue failover moved the primary" in english
    assert english.count("**met**") == 2 and english.count("**missed**") == 1
    assert "| resolution |" in english and "**Credits granted:** $7,200.00" in english
    assert "draft, not sent" in english and "Progress: 3 of 14 (21%)" in english
    # Every section has content, lessons learned from the completed post-mortem.
    assert english.count("Nothing recorded.") == 0
    assert "## 3. Анализ первопричины" in russian and russian.count("**выполнено**") == 2
    # The similar past escalations too: the transcoding queue's root cause (Thames Media).
    thames = next(c.id for c in demo_cases if c.title.startswith("Video transcoding jobs"))
    for report, heading in ((english, "### Similar past escalations"),
                            (russian, "### Похожие эскалации в прошлом")):
        assert f"| {thames} | " in report.split(heading)[1].split("## 8.")[0]


def test_the_portfolio_holds_an_account_in_every_band_with_a_trend(
    ctx: Context, loaded: DemoLoaded
) -> None:
    from escalada.services.portfolio import portfolio

    entries = portfolio(ctx=ctx, actor=_ADMIN)

    assert {e.band for e in entries} == {"excellent", "good", "at_risk", "critical"}
    assert all(e.trend in ("up", "down", "flat") for e in entries)
    assert entries[0].account == "meridian-bank"  # worst first
