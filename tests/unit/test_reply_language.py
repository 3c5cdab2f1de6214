"""The reply's language: the customer's last message, else the account's, else English."""

from __future__ import annotations

import pytest

from escalada.adapters.language_detector import main_language
from escalada.domain.language import reply_language
from escalada.domain.model import Language


@pytest.mark.parametrize(("text", "language"), [
    ("да", Language.RU),
    ("Спасибо, ждём", Language.RU),
    ("pls escalate", Language.EN),
    ("ticket #4412 — всё ещё висит", Language.RU),
    ("Добрый день! Getting error 500 on the API since 14:30", Language.EN),
    ("Hello! У нас с 14:30 не работает оплата картой, клиенты не могут купить билеты",
     Language.RU),
])
def test_the_main_language_of_short_and_mixed_messages(text: str, language: Language) -> None:
    assert main_language(text) is language


@pytest.mark.parametrize("text", ["", "   ", "#4412", "500 / 14:30", "👍"])
def test_a_text_without_letters_has_no_language(text: str) -> None:
    assert main_language(text) is None


def test_the_customer_s_last_message_decides() -> None:
    choice = reply_language("Спасибо, ждём", Language.EN, main_language)

    assert (choice.language, str(choice.why)) == (
        Language.RU, "the customer's last message is in Russian")


@pytest.mark.parametrize("message", [None, "", "#4412"])
def test_without_a_telling_message_the_account_s_language(message: str | None) -> None:
    choice = reply_language(message, Language.RU, main_language)

    assert (choice.language, str(choice.why)) == (Language.RU, "the account's language is Russian")


def test_with_nothing_to_go_by_english() -> None:
    assert reply_language(None, None, main_language).language is Language.EN
