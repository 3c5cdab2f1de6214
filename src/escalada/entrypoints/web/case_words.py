"""The case page's names for the product's ids (statuses, message kinds, delivery
states; handoff items and tracks from domain/id_words.py), in the reader's language. An id
not named here is shown as it is. Criteria are named by the policy's own words
(`criterion_names`), translated through the catalogs."""

from __future__ import annotations

from functools import cache

from escalada.adapters.catalogs import translations
from escalada.domain.id_words import HANDOFF_WORDS, TRACK_WORDS
from escalada.entrypoints.web.translate import gettext


@cache
def words(language: str) -> dict[str, str]:
    """Every id the page names, with its name in `language` (handoff items and the tracks
    from the domain's vocabularies, domain/id_words.py)."""
    translator = translations(language)
    return {**{code: named.render(translator) for vocabulary in (HANDOFF_WORDS, TRACK_WORDS)
               for code, named in vocabulary.items()},
            **_states(language), **_messages(language)}


def criterion_names(language: str, described: dict[str, str]) -> dict[str, str]:
    """Each criterion's name in `language`, from the policy's words for it (`described`:
    id -> English; the shipped policy's words are in the catalogs, an operator's own are
    shown as written); a criterion without words is left out (shown by its id)."""
    return {criterion: gettext(language, words) for criterion, words in described.items()
            if words}


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
