"""The case page's names for the product's ids (message kinds, delivery states; the case's
statuses and SLA targets from domain/case_words.py, handoff items and tracks from
domain/id_words.py), in the reader's language. An id not named here is shown as it is.
Criteria are named by the policy's own words (`criterion_names`), translated through the
catalogs."""

from __future__ import annotations

from functools import cache

from escalada.adapters.catalogs import translations
from escalada.domain.case_words import CASE_WORDS
from escalada.domain.id_words import HANDOFF_WORDS, TRACK_WORDS
from escalada.entrypoints.web.translate import gettext


@cache
def words(language: str) -> dict[str, str]:
    """Every id the page names, with its name in `language` (the case's statuses and SLA
    targets, handoff items and the tracks from the domain's vocabularies; an SLA target
    heads its clock, and `resolution` also names the message kind, so they begin with a
    capital: "First response", "Первый ответ")."""
    translator = translations(language)
    named = {code: said.render(translator)
             for vocabulary in (CASE_WORDS, HANDOFF_WORDS, TRACK_WORDS)
             for code, said in vocabulary.items()}
    for target in _SLA_TARGETS:
        named[target] = named[target][:1].upper() + named[target][1:]
    return {**named, **_states(language), **_messages(language)}


_SLA_TARGETS = ("first_response", "next_update", "resolution")


def criterion_names(language: str, described: dict[str, str]) -> dict[str, str]:
    """Each criterion's name in `language`, from the policy's words for it (`described`:
    id -> English; the shipped policy's words are in the catalogs, an operator's own are
    shown as written); a criterion without words is left out (shown by its id)."""
    return {criterion: gettext(language, words) for criterion, words in described.items()
            if words}


def _states(language: str) -> dict[str, str]:
    return {
        "pending": gettext(language, "pending"),
        "delivered": gettext(language, "delivered"),
        "dead": gettext(language, "failed for good"),
        "proposed": gettext(language, "proposed"),
        "approved": gettext(language, "approved"),
        "rejected": gettext(language, "rejected"),
        "open": gettext(language, "open"),
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
