"""The CLI's words in the reader's language: ESCALADA_LANG, else the locale variables
(LC_ALL, LC_MESSAGES, LANG), else English. `tr`/`ntr` are the CLI's gettext calls, `trc`
gettext's pgettext: the same English word in a context, where the reader's language says it
differently for different nouns (a post-mortem is «открыт», a case «открыто»). Babel
extracts them (tests/unit/test_translations.py); errors carry their own words."""

from __future__ import annotations

import os
import re
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from decimal import Decimal

    from escalada.domain.words import Translator

_VARIABLES = ("ESCALADA_LANG", "LC_ALL", "LC_MESSAGES", "LANG")
_PLAIN_TAG = re.compile(r"[a-z]{2}(?:[_-][A-Z]{2})?")


def language() -> str:
    """'ru' or 'en', from the setting or the shell's locale."""
    return _chosen(tuple(os.environ.get(name, "") for name in _VARIABLES))


@cache
def _chosen(variables: tuple[str, ...]) -> str:
    """The language for these variables' values: the first that names one escalada speaks
    (a blank ESCALADA_LANG is unset, as Settings reads it). A plain `ru_RU.UTF-8`, `en`
    or `C.UTF-8` is read here; anything else is left to Babel (catalogs.choose_language),
    whose import `escalada --help` would otherwise wait for."""
    wanted = [value.strip() for value in variables if value.strip()]
    for value in wanted:
        tag = value.split(".")[0]
        if tag in ("C", "POSIX"):
            continue
        if _PLAIN_TAG.fullmatch(tag) and tag[:2] in ("en", "ru"):
            return tag[:2]
        break
    else:
        return "en"
    from escalada.adapters.catalogs import choose_language

    return choose_language(wanted)


def speaking() -> Translator:
    """The catalog of the CLI's language."""
    from escalada.adapters.catalogs import translations

    return translations(language())


def tr(message: str, /, **params: object) -> str:
    """`message` in the reader's language, its `{name}` parameters filled in."""
    text = speaking().gettext(message)
    return text.format(**params) if params else text


def trc(context: str, message: str, /, **params: object) -> str:
    """`message` as said of `context` (a noun: "post-mortem", "recovery task") in the
    reader's language, where its words agree with that noun; `{name}` parameters filled in."""
    from escalada.adapters.catalogs import translations

    text = translations(language()).pgettext(context, message)
    return text.format(**params) if params else text


def ntr(singular: str, plural: str, count: int, /, **params: object) -> str:
    """The plural form for `count` in the reader's language (`{count}` is the number)."""
    return speaking().ngettext(singular, plural, count).format(count=count, **params)


def named(value: str | None, of: str | None = None) -> str:
    """A state, status, phase or kind the tables print, in the reader's words (an id it
    does not know, such as an operator's own seat or checklist key, is printed as it is).
    `of` is the noun it is said of ("post-mortem"), where the words agree with it."""
    if value is None:
        return "—"
    if of is not None and (said := _said_of(language()).get((of, value))) is not None:
        return said
    return _names(language()).get(value, value)


@cache
def _said_of(_language: str) -> dict[tuple[str, str], str]:
    """States whose words agree with the noun they are said of (in Russian a post-mortem,
    разбор, is «открыт», a recovery task, задача, «открыта», a case «открыто»)."""
    return {
        # a post-mortem: due (not started), open, completed
        ("post-mortem", "due"): trc("post-mortem", "due"),
        ("post-mortem", "open"): trc("post-mortem", "open"),
        ("post-mortem", "completed"): trc("post-mortem", "completed"),
        # a post-mortem's action item
        ("action item", "open"): trc("action item", "open"),
        ("action item", "done"): trc("action item", "done"),
        ("action item", "overdue"): trc("action item", "overdue"),
        # a recovery plan's task (in Russian задача): open, in progress, done, cancelled
        ("recovery task", "open"): trc("recovery task", "open"),
        ("recovery task", "in_progress"): trc("recovery task", "in progress"),
        ("recovery task", "done"): trc("recovery task", "done"),
        ("recovery task", "cancelled"): trc("recovery task", "cancelled"),
        # a service credit (компенсация): how its amount came (entered by hand), its states
        ("credit", "entered"): trc("credit", "entered"),
        ("credit", "proposed"): trc("credit", "proposed"),
        ("credit", "approved"): trc("credit", "approved"),
        ("credit", "rejected"): trc("credit", "rejected"),
        # a platform incident (инцидент): open, resolved
        ("incident", "open"): trc("incident", "open"),
        ("incident", "resolved"): trc("incident", "resolved"),
        # a war room's checklist item (пункт): open (its "done"/"not done" are phrases)
        ("checklist item", "open"): trc("checklist item", "open"),
        # a message in the outbox (сообщение): waiting, delivered, dead-lettered
        ("message", "pending"): trc("message", "pending"),
        ("message", "delivered"): trc("message", "delivered"),
        ("message", "dead"): trc("message", "dead"),
        # a help desk's webhook delivery (доставка): what became of it
        ("webhook delivery", "applied"): trc("webhook delivery", "applied"),
        ("webhook delivery", "ignored"): trc("webhook delivery", "ignored"),
        ("webhook delivery", "duplicate"): trc("webhook delivery", "duplicate"),
        ("webhook delivery", "failed"): trc("webhook delivery", "failed"),
    }


@cache
def _names(_language: str) -> dict[str, str]:
    from escalada.domain import id_words
    from escalada.domain.case_words import CASE_WORDS

    vocabularies = (CASE_WORDS, id_words.TRACK_WORDS, id_words.ROLE_WORDS,
                    id_words.CONTACT_LEVEL_WORDS, id_words.HANDOFF_WORDS, id_words.VENDOR_WORDS,
                    id_words.RECOVERY_PHASE_WORDS)
    return {
        # cases' statuses and SLA targets (Slack's replies name them the same way), the
        # tracks (and VENDOR), people's and seats' roles, contacts' levels, handoff items,
        # vendors and recovery phases: one place each, domain/case_words.py and id_words.py
        **{code: words.render(speaking()) for vocabulary in vocabularies
           for code, words in vocabulary.items()},
        # war rooms' triggers (and L3, L4 as they are)
        "manual": tr("manual"), "c_level_escalation": tr("C-level escalation"),
        # timers' kinds (their states below)
        "sla_threshold": tr("SLA threshold"), "step_response_due": tr("step response due"),
        "step_unanswered": tr("step unanswered"), "reminder": tr("reminder"),
        "war_room_item_due": tr("war room item due"),
        "war_room_ack_due": tr("war room acknowledgment due"),
        "update_still_overdue": tr("update still overdue"),
        "acknowledgment_due": tr("acknowledgment due"),
        "vendor_response_due": tr("vendor response due"),
        "commitment_due": tr("commitment due"),
        "post_mortem_action_due": tr("post-mortem action due"),
        "post_mortem_due": tr("post-mortem due"),
        # help desks' webhook deliveries (and `failed` below)
        "applied": tr("applied"), "ignored": tr("ignored"), "duplicate": tr("duplicate"),
        # credits
        "proposed": tr("proposed"), "approved": tr("approved"), "rejected": tr("rejected"),
        "entered": tr("entered"), "breach": tr("from the breach"),
        # recovery tasks, post-mortems and their action items
        "open": tr("open"), "in_progress": tr("in progress"), "done": tr("done"),
        "cancelled": tr("cancelled"), "overdue": tr("overdue"), "due": tr("due"),
        "completed": tr("completed"),
        # commitments made to the customer (and `open` above)
        "met": tr("met"), "missed": tr("missed"),
        # vendor cases (and `open`, `resolved`, `closed` above)
        "waiting_on_us": tr("waiting on us"),
        # timers, outbox deliveries and what one delivery attempt came to
        "pending": tr("pending"), "fired": tr("fired"), "dropped": tr("dropped"),
        "failed": tr("failed"), "delivered": tr("delivered"), "dead": tr("dead"),
        "retry": tr("retry"), "skipped": tr("skipped"),
        # war room checklists (and `immediate` above)
        "assessment": tr("assessment"),
        # knowledge-base entries
        "root_cause": tr("root cause"), "post_mortem": tr("post-mortem"),
        "lesson": tr("lesson learned"),
        # why someone attends a post-mortem (else their war room seat; `executive` above)
        "added": tr("added"),
        # health bands
        "excellent": tr("excellent"), "good": tr("good"), "at_risk": tr("at risk"),
        "critical": tr("critical"),
        # post-mortem headings
        "timeline_review": tr("Timeline review"),
        "root_cause_technical": tr("Root cause (technical)"),
        "root_cause_process": tr("Root cause (process)"),
        "went_well": tr("What went well"), "went_wrong": tr("What went wrong"),
        "preventive_measures": tr("Preventive measures"),
        "process_improvements": tr("Process improvements"),
    }


def said(vocabulary: str, value: str | None) -> str:
    """An id in the reader's words from one of the domain's vocabularies (id_words:
    "message_kind", "audience", "channel", ...); an id it does not know as it is."""
    if value is None:
        return "—"
    from escalada.domain.id_words import VOCABULARIES, named

    return named(VOCABULARIES[vocabulary], value).render(speaking())


def tier_name(tier: str) -> str:
    """An account's tier in the reader's words (a tier of the operator's own as it is)."""
    from escalada.domain.id_words import ACCOUNT_TIER_WORDS, named

    return named(ACCOUNT_TIER_WORDS, tier).render(speaking())


def plan_name(plan: str) -> str:
    """An account's support plan in the reader's words ("Enterprise", "Корпоративный")."""
    from escalada.domain.id_words import PLAN_WORDS, named

    return named(PLAN_WORDS, plan).render(speaking())


def money(amount: Decimal | int | None) -> str:
    """US dollars as the reader writes them ("$1,234.50", "1 234,50 $")."""
    if amount is None:
        return "—"
    from escalada.domain.money import usd

    return usd(amount, "ru_RU" if language() == "ru" else "en_US")


def number(value: int | float | Decimal) -> str:
    """A count or a score as the reader writes it ("12,345", "12 345"; "90.42", "90,42")."""
    if language() != "ru":
        return f"{value:,}" if isinstance(value, int) else f"{value:,g}"
    from babel.numbers import format_decimal

    return str(format_decimal(value, locale="ru"))


def policy_said(text: str | None) -> str:
    """Words the policy file holds (a criterion's description, a war room seat or
    checklist item) in the reader's language: the default policy's are in the catalogs;
    an operator's own are shown as they wrote them."""
    return "" if not text else speaking().gettext(text)
