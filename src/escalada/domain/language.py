"""Which language a reply to the customer is written in, and why (pure).

The customer's last message decides (the language of its main content when it
mixes two); else the account's language; else English. Detection itself is an
adapter (adapters/language_detector.py) handed in as `detect`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from escalada.domain.model import Language
from escalada.domain.words import Words

# The main language of a text among those escalada writes in, or None when the text
# has nothing to tell by (digits, a ticket number, an emoji).
Detector = Callable[[str], Language | None]
NAMES = {Language.EN: "English", Language.RU: "Russian"}


@dataclass(frozen=True)
class LanguageChoice:
    language: Language
    why: Words  # kept as its English and its words (drafts.language_reason[_words])


def named(language: Language) -> Words:
    """A language's name as words ("Russian", «русский»)."""
    return Words(NAMES[language])


def reply_language(
    last_customer_message: str | None, account_language: Language | None, detect: Detector
) -> LanguageChoice:
    """The language to answer in, with the reason people see on the draft."""
    if last_customer_message and last_customer_message.strip():
        detected = detect(last_customer_message)
        if detected is not None:
            return LanguageChoice(detected, Words(
                "the customer's last message is in {language}", language=named(detected)))
    if account_language is not None:
        return LanguageChoice(account_language, Words(
            "the account's language is {language}", language=named(account_language)))
    return LanguageChoice(Language.EN, Words("no message or account language to go by: "
                                             "English"))
