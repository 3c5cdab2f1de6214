"""The case page's names for the policy's and the product's ids (criteria, handoff items,
statuses, message kinds, delivery states), in the reader's language. An id the policy
adds that is not named here is shown as it is."""

from __future__ import annotations

from functools import cache

from escalada.entrypoints.web.translate import gettext


@cache
def words(language: str) -> dict[str, str]:
    """Every id the page names, with its name in `language`."""
    return {**_criteria(language), **_handoff(language), **_states(language),
            **_messages(language)}


def _criteria(language: str) -> dict[str, str]:
    return {
        "beyond_tier_knowledge": gettext(language, "beyond the tier's knowledge"),
        "advanced_diagnostics_required": gettext(language, "advanced diagnostics required"),
        "customer_requested_escalation": gettext(language, "the customer asked to escalate"),
        "sla_at_risk": gettext(language, "SLA at risk (over 50% consumed)"),
        "product_engineering_required": gettext(language, "product engineering required"),
        "potential_product_bug": gettext(language, "potential product bug"),
        "architecture_consultation": gettext(language, "architecture consultation"),
        "multi_service_issue": gettext(language, "several services affected"),
        "vendor_platform_issue": gettext(language, "vendor platform issue"),
        "vendor_engineering_required": gettext(language, "vendor engineering required"),
        "platform_bug_confirmation": gettext(language, "platform bug to confirm"),
        "vendor_feature_limitation": gettext(language, "vendor feature limitation"),
        "customer_requested_manager": gettext(language, "the customer asked for a manager"),
        "sla_breach_imminent": gettext(language, "SLA breach imminent (90% consumed)"),
        "repeated_issues": gettext(language, "repeated issues (3+ cases in 30 days)"),
        "low_csat": gettext(language, "low CSAT (below 3)"),
        "enterprise_customer_escalation": gettext(
            language, "an enterprise customer asked to escalate"),
        "multi_service_outage": gettext(language, "multi-service outage"),
        "revenue_impact_over_10k": gettext(language, "revenue impact over $10,000"),
        "team_lead_unable_to_resolve": gettext(language, "the team lead cannot resolve it"),
        "c_level_escalation": gettext(language, "escalated by a C-level contact"),
        "business_impact_over_100k": gettext(language, "business impact over $100,000"),
        "legal_or_pr_implications": gettext(language, "legal or PR implications"),
        "strategic_account_at_risk": gettext(language, "strategic account at risk"),
        "churn_threat": gettext(language, "churn threat"),
        "public_relations_crisis": gettext(language, "public relations crisis"),
        "systemic_platform_failure": gettext(language, "systemic platform failure"),
        "legal_action_threatened": gettext(language, "legal action threatened"),
    }


def _handoff(language: str) -> dict[str, str]:
    return {
        "troubleshooting_summary": gettext(language, "Troubleshooting summary"),
        "steps_attempted": gettext(language, "Steps attempted"),
        "customer_impact": gettext(language, "Customer impact"),
        "diagnostic_data": gettext(language, "Diagnostic data"),
        "customer_expectation_set": gettext(language, "Expectation set with the customer"),
        "technical_analysis": gettext(language, "Technical analysis"),
        "root_cause_hypothesis": gettext(language, "Root cause hypothesis"),
        "diagnostic_logs": gettext(language, "Diagnostic logs"),
        "attempted_workarounds": gettext(language, "Workarounds attempted"),
        "engineering_assessment_request": gettext(language, "What engineering should assess"),
        "case_documentation": gettext(language, "Case documentation"),
        "vendor_case_number": gettext(language, "Vendor case number"),
        "severity_justification": gettext(language, "Severity justification"),
        "business_impact_statement": gettext(language, "Business impact statement"),
        "customer_communication_plan": gettext(language, "Customer communication plan"),
    }


def _states(language: str) -> dict[str, str]:
    return {
        "new": gettext(language, "new"),
        "investigating": gettext(language, "investigating"),
        "waiting_on_customer": gettext(language, "waiting on the customer"),
        "mitigating": gettext(language, "mitigating"),
        "monitoring": gettext(language, "monitoring"),
        "resolved": gettext(language, "resolved"),
        "closed": gettext(language, "closed"),
        "pending": gettext(language, "pending"),
        "delivered": gettext(language, "delivered"),
        "dead": gettext(language, "failed for good"),
        "proposed": gettext(language, "proposed"),
        "approved": gettext(language, "approved"),
        "rejected": gettext(language, "rejected"),
        "open": gettext(language, "open"),
        "first_response": gettext(language, "First response"),
        "next_update": gettext(language, "Next update"),
        "resolution": gettext(language, "Resolution"),
        "technical": gettext(language, "technical"),
        "executive": gettext(language, "executive"),
    }


def _messages(language: str) -> dict[str, str]:
    return {
        "acknowledgment": gettext(language, "Acknowledgment"),
        "progress_update": gettext(language, "Progress update"),
        "executive_acknowledgment": gettext(language, "Executive acknowledgment"),
        "handoff": gettext(language, "Handoff"),
        "vendor_escalation": gettext(language, "Vendor escalation"),
        "customer": gettext(language, "customer"),
        "vendor": gettext(language, "vendor"),
        "internal": gettext(language, "internal"),
        "understanding": gettext(language, "What we understand"),
        "doing_now": gettext(language, "What we are doing now"),
        "next_steps": gettext(language, "Next steps"),
        "progress": gettext(language, "Progress"),
        "blockers": gettext(language, "Blockers"),
        "note": gettext(language, "Note"),
        "root_cause": gettext(language, "Root cause"),
        "fix": gettext(language, "Fix"),
        "verification": gettext(language, "Verification"),
        "preventive_measures": gettext(language, "Preventive measures"),
        "lessons_learned": gettext(language, "Lessons learned"),
        "component": gettext(language, "Component"),
        "region": gettext(language, "Region"),
        "request": gettext(language, "Request"),
        "INVESTIGATING": gettext(language, "Investigating"),
        "MITIGATING": gettext(language, "Mitigating"),
        "RESOLVED": gettext(language, "Resolved"),
        "MONITORING": gettext(language, "Monitoring"),
        "en": gettext(language, "English"),
        "ru": gettext(language, "Russian"),
    }
