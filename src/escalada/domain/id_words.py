"""The product's ids in words, one vocabulary each: what the console, the CLI's tables, the
report and the API's human messages show where a record holds an id (`c_level`,
`enterprise`, `support_director`, `root_cause_hypothesis`, `VENDOR`). Inputs (CLI flags,
API fields) and JSON fields keep the ids; `named(vocabulary, id)` is the words for one
(an id no vocabulary knows, such as an operator's own, is shown as it is).

A case's statuses and SLA targets are in `case_words.CASE_WORDS`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from escalada.domain.case_words import CASE_WORDS
from escalada.domain.words import Words

if TYPE_CHECKING:
    from escalada.domain.policy import Policy

# An account's tier (what it is to us) and its support plan (what it bought).
ACCOUNT_TIER_WORDS = {
    "standard": Words("standard"), "enterprise": Words("enterprise"),
    "strategic": Words("strategic"),
}
PLAN_WORDS = {
    "developer": Words("Developer"), "business": Words("Business"),
    "enterprise": Words("Enterprise"),
}

# The technical track's last tier and the two tracks (T1-T3 and L1-L4 are read as they are).
TRACK_WORDS = {
    "VENDOR": Words("vendor"), "technical": Words("technical"), "executive": Words("executive"),
}

# People's roles, and the war room's seats and recovery tasks' owners named by role.
ROLE_WORDS = {
    "viewer": Words("viewer"), "engineer": Words("engineer"), "team_lead": Words("team lead"),
    "support_manager": Words("support manager"),
    "support_director": Words("support director"), "vp": Words("VP"), "admin": Words("admin"),
    "escalation_coordinator": Words("escalation coordinator"),
    "senior_technical_engineer": Words("senior technical engineer"),
    "account_executive": Words("account executive"),
    "customer_success_manager": Words("customer success manager"),
    "escalation_executive": Words("the escalation's executive"),
}

# How senior the customer's contact is.
CONTACT_LEVEL_WORDS = {
    "staff": Words("staff"), "manager": Words("manager"), "vp": Words("VP"),
    "c_level": Words("C-level"),
}

# The handoff checklists' items (the policy's `handoff` lists name them by these keys).
HANDOFF_WORDS = {
    "troubleshooting_summary": Words("Troubleshooting summary"),
    "steps_attempted": Words("Steps attempted"),
    "customer_impact": Words("Customer impact"),
    "diagnostic_data": Words("Diagnostic data"),
    "customer_expectation_set": Words("Expectation set with the customer"),
    "technical_analysis": Words("Technical analysis"),
    "root_cause_hypothesis": Words("Root cause hypothesis"),
    "diagnostic_logs": Words("Diagnostic logs"),
    "attempted_workarounds": Words("Workarounds attempted"),
    "engineering_assessment_request": Words("What engineering should assess"),
    "case_documentation": Words("Case documentation"),
    "vendor_case_number": Words("Vendor case number"),
    "severity_justification": Words("Severity justification"),
    "business_impact_statement": Words("Business impact statement"),
    "customer_communication_plan": Words("Customer communication plan"),
}

# The cloud vendors escalada files support cases with.
VENDOR_WORDS = {"aws": Words("AWS"), "azure": Words("Azure"), "gcp": Words("Google Cloud")}

# A recovery plan's phases (its tasks' kinds by when they are due).
RECOVERY_PHASE_WORDS = {
    "immediate": Words("immediate"), "short_term": Words("short term"),
    "medium_term": Words("medium term"), "long_term": Words("long term"),
}

# A recovery plan's tasks by their key in the policy's template (the timeline names a task
# by it; an operator's own key is shown as it is).
RECOVERY_TASK_WORDS = {
    "resolution_communication": Words("resolution communication"),
    "executive_apology": Words("executive apology"),
    "service_credits": Words("service credits"),
    "committed_improvements": Words("committed improvements"),
    "enhanced_support": Words("enhanced support"),
    "internal_learning": Words("internal learning"),
    "roadmap_input": Words("roadmap input"),
    "quarterly_business_review": Words("quarterly business review"),
    "advisory_board_invitation": Words("advisory board invitation"),
    "strategic_partnership": Words("strategic partnership"),
    "co_marketing": Words("co-marketing"),
    "reference_programme": Words("reference programme"),
    "post_mortem": Words("post-mortem"), "customer_follow_up": Words("customer follow-up"),
}

# The kinds of message, as a draft, a delivery and the timeline name them (an operator
# template's own kind is shown as it is).
MESSAGE_KIND_WORDS = {
    "acknowledgment": Words("acknowledgment"), "progress_update": Words("progress update"),
    "resolution": Words("resolution"),
    "executive_acknowledgment": Words("executive acknowledgment"),
    "handoff": Words("handoff"), "vendor_escalation": Words("vendor escalation"),
    "helpdesk_write_back": Words("helpdesk write back"),
    "war_room_update": Words("war room update"),
    "post_mortem_action_reminder": Words("post-mortem action reminder"),
}

# Whom a message is to (said of a message's addressees: in Russian the customer's
# executive is «руководство клиента», colleagues «коллеги»).
AUDIENCE_WORDS = {
    "customer": Words.said_of("audience", "customer"),
    "executive": Words.said_of("audience", "executive"),
    "internal": Words.said_of("audience", "internal"),
    "vendor": Words.said_of("audience", "vendor"),
}

# How a message goes out.
CHANNEL_WORDS = {"email": Words("email"), "slack": Words("Slack"), "webhook": Words("webhook")}

# The parts of a draft a person writes in (`--set NAME=TEXT`), as a message's headings
# name them.
DRAFT_PART_WORDS = {
    "understanding": Words.said_of("draft part", "What we understand"),
    "doing_now": Words.said_of("draft part", "What we are doing now"),
    "next_steps": Words.said_of("draft part", "Next steps"),
    "root_cause": Words.said_of("draft part", "Root cause"),
    "fix": Words.said_of("draft part", "Fix"),
    "verification": Words.said_of("draft part", "Verification"),
    "component": Words.said_of("draft part", "Component"),
    "region": Words.said_of("draft part", "Region"),
    "request": Words.said_of("draft part", "Request"),
    "progress": Words.said_of("draft part", "Progress"),
    "blockers": Words.said_of("draft part", "Blockers"),
    "note": Words.said_of("draft part", "Note"),
    "preventive_measures": Words.said_of("draft part", "Preventive measures"),
    "lessons_learned": Words.said_of("draft part", "Lessons learned"),
}

# The languages escalada speaks (a customer's, an account's).
LANGUAGE_WORDS = {"en": Words("English"), "ru": Words("Russian")}

# A case's fields as a change to the case names them ("changed status new -> investigating").
FIELD_WORDS = {
    "title": Words("title"), "severity": Words("severity"), "status": Words("status"),
    "services": Words("services"), "regions": Words("regions"),
    "revenue_impact_usd": Words("revenue impact"),
    "business_impact_usd": Words("business impact"), "contact": Words("contact"),
    "contact_level": Words("contact's level"), "contact_title": Words("contact's title"),
    "csat": Words("CSAT"), "users_affected": Words("users affected"),
}
# What a changed field's values are named by (others are shown as they are).
FIELD_VALUES = {"status": CASE_WORDS, "contact_level": CONTACT_LEVEL_WORDS}

VOCABULARIES: Mapping[str, Mapping[str, Words]] = {
    "case": CASE_WORDS,
    "account_tier": ACCOUNT_TIER_WORDS, "plan": PLAN_WORDS, "track": TRACK_WORDS,
    "role": ROLE_WORDS, "contact_level": CONTACT_LEVEL_WORDS, "handoff": HANDOFF_WORDS,
    "vendor": VENDOR_WORDS, "recovery_phase": RECOVERY_PHASE_WORDS,
    "recovery_task": RECOVERY_TASK_WORDS, "field": FIELD_WORDS, "language": LANGUAGE_WORDS,
    "message_kind": MESSAGE_KIND_WORDS, "audience": AUDIENCE_WORDS, "channel": CHANNEL_WORDS,
    "draft_part": DRAFT_PART_WORDS,
}


def named(vocabulary: Mapping[str, Words], value: object) -> Words:
    """`value`'s words in `vocabulary`, else the id itself (as a finished sentence)."""
    text = "" if value is None else str(value)
    return vocabulary.get(text) or Words.literal(text)


def place_words(place: str | None) -> Words:
    """A tier or level in a sentence's words (VENDOR as "vendor", none as "none")."""
    return named(TRACK_WORDS, place) if place else Words("none")


def criterion_words(policy: Policy, criterion: str) -> Words:
    """A criterion or flag by the policy's words for it, translated when the catalogs know
    them (an operator's own words as written; one without words by its id)."""
    return Words.literal(policy.described(criterion) or criterion)
