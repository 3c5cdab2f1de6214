"""A case's statuses and SLA targets in words: what the CLI's tables, Slack's replies, the
escalation report and the story in a drafted message print where the case holds a code
(`waiting_on_customer`, `first_response`); the catalogs give their Russian, once."""

from __future__ import annotations

from escalada.domain.words import Words

CASE_WORDS = {
    "new": Words("new"), "investigating": Words("investigating"),
    "waiting_on_customer": Words("waiting on the customer"),
    "mitigating": Words("mitigating"), "monitoring": Words("monitoring"),
    "resolved": Words("resolved"), "closed": Words("closed"),
    "first_response": Words("first response"), "next_update": Words("next update"),
    "resolution": Words("resolution"),
}
