"""The recovery-plan template and its planning (pure): phases, due offsets, business days
for the post-mortem, owners and the account's language."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from escalada.adapters.policy_file import complete, packaged_section
from escalada.domain.model import ExecLevel
from escalada.domain.policy import DefaultBusinessHours, Policy, RecoveryPolicy
from escalada.domain.recovery import (
    PHASES,
    PlannedTask,
    end_of_day,
    needs_plan,
    peak_level,
    plan_recovery,
    task_text,
)
from escalada.domain.sla import resolve_calendar
from escalada.domain.snapshot import AccountSnapshot
from escalada.domain.working_time import TWENTY_FOUR_SEVEN

RESOLVED = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)  # a Thursday
UTC_ACCOUNT = AccountSnapshot(id="acme", name="Acme", tier="enterprise",
                              support_plan="enterprise", timezone="UTC")
BUSINESS = resolve_calendar("business", UTC_ACCOUNT, DefaultBusinessHours())



def recovery(document: dict[str, Any]) -> RecoveryPolicy:
    """A recovery template: `document` over the shipped one."""
    template = packaged_section("recovery", document)
    assert isinstance(template, RecoveryPolicy)
    return template


SHIPPED = recovery({})

def plan(template: RecoveryPolicy | None = None, **options: Any) -> dict[str, PlannedTask]:
    options = {"start": RESOLVED, "language": "en", "business": BUSINESS, **options}
    return {task.key: task for task in plan_recovery(template or SHIPPED, **options)}


def test_the_shipped_policy_file_carries_the_founding_documents_template(policy: Policy
                                                                        ) -> None:
    assert policy.recovery == SHIPPED
    assert policy.recovery.min_level is ExecLevel.L2
    assert policy.recovery.post_mortem.due_days == 5
    assert policy.recovery.customer_follow_up.due_days == 7


def test_a_policy_without_a_recovery_section_gets_the_shipped_one(policy: Policy) -> None:
    document = policy.model_dump(mode="json", by_alias=True)
    del document["recovery"]

    assert Policy.model_validate(complete(document)).recovery == policy.recovery


def test_the_plan_has_the_founding_documents_tasks_in_phase_order() -> None:
    tasks = plan_recovery(SHIPPED, start=RESOLVED, language="en", business=BUSINESS)

    assert [task.phase for task in tasks] == sorted(
        (task.phase for task in tasks), key=PHASES.index)
    by_phase = {phase: [t.key for t in tasks if t.phase == phase] for phase in PHASES}
    assert by_phase == {
        "immediate": ["resolution_communication"],
        "short_term": ["executive_apology", "service_credits", "committed_improvements",
                       "post_mortem", "customer_follow_up"],
        "medium_term": ["enhanced_support", "internal_learning", "roadmap_input",
                        "quarterly_business_review", "advisory_board_invitation"],
        "long_term": ["strategic_partnership", "co_marketing", "reference_programme"],
    }


@pytest.mark.parametrize(("key", "days"), [
    ("resolution_communication", 1), ("executive_apology", 7), ("customer_follow_up", 7),
    ("service_credits", 14), ("committed_improvements", 14), ("enhanced_support", 30),
    ("roadmap_input", 60), ("quarterly_business_review", 90),
    ("advisory_board_invitation", 90), ("strategic_partnership", 180),
    ("reference_programme", 180),
])
def test_each_task_falls_due_its_offset_after_the_resolution(key: str, days: int) -> None:
    assert plan()[key].due_at == RESOLVED + timedelta(days=days)


def test_the_customer_follow_up_is_due_within_one_week() -> None:
    assert plan()["customer_follow_up"].due_at <= RESOLVED + timedelta(days=7)


def test_the_post_mortem_is_due_five_business_days_after_the_resolution() -> None:
    friday_afternoon = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)

    due = plan(start=friday_afternoon)["post_mortem"].due_at

    # Fri 3 h, Mon-Thu 9 h each, Fri 6 h more: the weekend does not count.
    assert due == datetime(2026, 12, 4, 15, 0, tzinfo=UTC)


def test_the_post_mortem_skips_the_accounts_public_holidays() -> None:
    russian = UTC_ACCOUNT.model_copy(update={"timezone": "Europe/Moscow", "country": "RU"})
    business = resolve_calendar("business", russian, DefaultBusinessHours())
    before_new_year = datetime(2026, 12, 30, 7, 0, tzinfo=UTC)  # 10:00 in Moscow

    due = plan(start=before_new_year, business=business)["post_mortem"].due_at

    assert due is not None and due.date() > date(2027, 1, 8)  # the New Year holidays


def test_the_post_mortem_carries_the_founding_documents_agenda() -> None:
    text = plan()["post_mortem"].text
    for item in ("timeline review", "root cause (technical and process)", "what went well",
                 "what went wrong", "preventive measures", "process improvements"):
        assert item in text


def test_a_russian_speaking_account_gets_the_plan_in_russian() -> None:
    tasks = plan(language="ru")

    assert tasks["executive_apology"].text == "Звонок или визит руководителя с извинениями"
    assert "Повестка" in tasks["post_mortem"].text
    assert all(any("а" <= ch <= "я" for ch in t.text.lower()) for t in tasks.values())


def test_a_task_written_only_in_english_is_given_in_english_to_a_russian_account() -> None:
    template = recovery({"phases": {"immediate": [
        {"key": "call_back", "text": {"en": "Call the customer back"}, "due_days": 1}]}})

    assert plan(template, language="ru")["call_back"].text == "Call the customer back"


APOLOGY_EN, APOLOGY_RU = "Executive apology call or visit", (
    "Звонок или визит руководителя с извинениями")


@pytest.mark.parametrize(("stored", "language", "shown"), [
    (APOLOGY_RU, "en", APOLOGY_EN), (APOLOGY_EN, "ru", APOLOGY_RU),
    (APOLOGY_RU, "ru", APOLOGY_RU), (APOLOGY_EN, "en", APOLOGY_EN),
    (APOLOGY_RU, None, APOLOGY_RU),  # no reader's language: as stored
    (APOLOGY_RU, "de", APOLOGY_RU),  # a language the template is not written in
])
def test_a_templates_task_reads_in_the_readers_language(
    stored: str, language: str | None, shown: str,
) -> None:
    assert task_text(stored, SHIPPED.terms("executive_apology"), language) == shown


def test_a_task_reworded_added_or_gone_from_the_policy_reads_as_stored() -> None:
    english_only = recovery({"phases": {"immediate": [
        {"key": "call_back", "text": {"en": "Call the customer back"}, "due_days": 1}]}})

    assert task_text("Звонок CEO в пятницу", SHIPPED.terms("executive_apology"), "en") == (
        "Звонок CEO в пятницу")
    assert task_text("Отправить RCA", SHIPPED.terms(None), "en") == "Отправить RCA"
    assert task_text("Перезвонить", SHIPPED.terms("call_back"), "en") == "Перезвонить"
    assert task_text("Call the customer back", english_only.terms("call_back"), "ru") == (
        "Call the customer back")


def test_a_task_without_due_days_has_no_due_date() -> None:
    template = recovery({"phases": {"long_term": [
        {"key": "case_study", "text": {"en": "Write a case study"}}]}})

    assert plan(template)["case_study"].due_at is None


def test_business_days_on_a_24x7_calendar_are_whole_days() -> None:
    due = plan(business=TWENTY_FOUR_SEVEN)["post_mortem"].due_at
    assert due == RESOLVED + timedelta(days=5)


def test_the_escalation_executive_is_the_role_of_the_level_reached() -> None:
    tasks = plan(executive_role="support_director")

    assert tasks["executive_apology"].owner_role == "support_director"
    assert tasks["customer_follow_up"].owner_role == "support_director"
    assert tasks["advisory_board_invitation"].owner_role == "vp"
    assert tasks["service_credits"].owner_role == "account_executive"


def test_a_role_whose_person_is_known_gives_them_its_tasks() -> None:
    tasks = plan(executive_role="support_manager", people={"support_manager": "maria"})

    assert tasks["executive_apology"].owner == "maria"
    assert tasks["post_mortem"].owner == "maria"
    assert tasks["strategic_partnership"].owner is None


@pytest.mark.parametrize(("levels", "peak"), [
    ([], None), ([None], None), (["L1"], ExecLevel.L1), (["L3", None, "L1"], ExecLevel.L3),
    (["L2", "L4", "L3"], ExecLevel.L4),
])
def test_the_peak_level_is_the_highest_level_reached(
    levels: list[str | None], peak: ExecLevel | None,
) -> None:
    assert peak_level(levels) is peak


@pytest.mark.parametrize(("peak", "needed"), [
    (None, False), (ExecLevel.L1, False), (ExecLevel.L2, True), (ExecLevel.L3, True),
    (ExecLevel.L4, True),
])
def test_a_plan_is_needed_from_l2(peak: ExecLevel | None, needed: bool) -> None:
    assert needs_plan(peak, SHIPPED) is needed


def test_the_operator_may_keep_plans_for_l3_and_above() -> None:
    template = recovery({"min_level": "L3"})
    assert not needs_plan(ExecLevel.L2, template)
    assert needs_plan(ExecLevel.L3, template)


def test_a_due_date_given_as_a_day_is_the_end_of_that_day_in_the_accounts_zone() -> None:
    assert end_of_day(date(2026, 12, 3), "Europe/Moscow") == datetime(
        2026, 12, 3, 20, 59, tzinfo=UTC)


@pytest.mark.parametrize(("document", "reason"), [
    ({"phases": {"immediate": [{"key": "a", "text": {"en": "x"}},
                               {"key": "a", "text": {"en": "y"}}]}}, "a repeated"),
    ({"phases": {"short_term": [{"key": "post_mortem", "text": {"en": "x"}}]}},
     "set by its own section"),
    ({"phases": {"soon": []}}, "phases.soon"),
    ({"phases": {"immediate": [{"key": "a", "text": {"en": "x"}, "due_days": -1}]}},
     "due_days"),
    ({"phases": {"immediate": [{"key": "A b", "text": {"en": "x"}}]}}, "key"),
    ({"phases": {"immediate": [{"key": "a", "text": {"ru": "x"}}]}}, "text.en"),
    ({"post_mortem": {"text": {"en": "x"}, "calendar": "lunar"}}, "calendar"),
    ({"min_level": "L7"}, "min_level"),
    ({"follow_up": {}}, "follow_up"),
])
def test_a_bad_template_is_refused_naming_what_is_wrong(
    document: dict[str, Any], reason: str,
) -> None:
    with pytest.raises(
        ValidationError,
        match=rf"(?s)validation errors? for RecoveryPolicy\n.*{re.escape(reason)}",
    ) as refused:
        recovery(document)
    assert reason in str(refused.value)


def test_only_the_follow_up_call_the_post_mortem_and_the_improvements_face_the_customer(
    policy: Policy,
) -> None:
    facing = {key for _, key, terms in policy.recovery.templates()
              if terms.customer_text is not None}
    assert facing == {"post_mortem", "customer_follow_up", "committed_improvements"}
    worded = policy.recovery.terms("post_mortem")
    assert worded is not None and worded.customer_text is not None
    assert worded.customer_text.in_language("ru") == (
        "Мы проведём разбор инцидента и поделимся с Вами его выводами")


def test_a_task_is_internal_unless_the_policy_words_it_for_the_customer() -> None:
    template = recovery({"phases": {"immediate": [
        {"key": "call", "text": {"en": "Call them"}},
        {"key": "share", "text": {"en": "Share the RCA"},
         "customer_text": {"en": "We will send you the RCA"}}]}})
    call, share = template.terms("call"), template.terms("share")
    assert call is not None and call.customer_text is None
    assert share is not None and share.customer_text is not None
