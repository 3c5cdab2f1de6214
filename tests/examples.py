"""What the suites share: the DESIGN.md 1.2 snapshot, complete handoff packages, and the people
they act as."""

from __future__ import annotations

from typing import Any

from escalada.services.context import Actor

DESIGN_SNAPSHOT: dict[str, Any] = {  # DESIGN.md 1.2, to the letter
    "id": "CASE-1042",
    "account": {"id": "acme", "name": "Acme Corp", "tier": "enterprise",
                "support_plan": "enterprise", "timezone": "Europe/Moscow",
                "country": "RU", "language": "ru", "health_score": 72},
    "severity": "P1",
    "status": "investigating",
    "tier": "T1",
    "exec_level": None,
    "opened_at": "2026-11-26T10:00:00+00:00",
    "first_response_at": None,
    "last_customer_update_at": None,
    "paused": [{"from": "2026-11-26T11:00:00+00:00", "to": "2026-11-26T11:30:00+00:00"}],
    "services": ["compute", "block-storage"],
    "flags": ["customer_requested_escalation"],
    "csat": 4,
    "revenue_impact_usd": 0,
    "business_impact_usd": 0,
    "escalating_contact_level": "staff",
    "account_cases_30d": 1,
}

T2_HANDOFF = {
    "troubleshooting_summary": "volumes detach when IOPS exceed 10k",
    "steps_attempted": "reattached, resized, moved zone",
    "customer_impact": "checkout down for EU customers",
    "diagnostic_data": "kernel logs attached",
    "customer_expectation_set": "update every 30 minutes",
}
T3_HANDOFF = {
    "technical_analysis": "race in the attach path",
    "root_cause_hypothesis": "driver timeout too short",
    "diagnostic_logs": "trace-7781",
    "attempted_workarounds": "raised timeout; partial relief",
    "engineering_assessment_request": "confirm driver bug",
}
VENDOR_HANDOFF = {
    "case_documentation": "CASE-1 summary attached",
    "vendor_case_number": "AWS-123456",
    "severity_justification": "production down",
    "business_impact_statement": "$40k/hour",
    "customer_communication_plan": "hourly updates by the TAM",
}

# Who sets accounts and calendars up in tests: services check roles, as for people.
ADMIN = Actor("admin", "admin")
# The people the integration suites act as: Ana opens and works the cases, Lena leads the
# team, Maria manages support.
ANA = Actor("ana", "engineer")
LENA = Actor("lena", "team_lead")
MARIA = Actor("maria", "support_manager")
