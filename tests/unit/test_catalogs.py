"""The catalogs: Russian plural forms, English as the source, languages chosen from what a
person's browser or shell asks for."""

from __future__ import annotations

import pytest

from escalada.adapters.catalogs import (
    accept_language,
    choose_language,
    in_context,
    translations,
    untranslated,
)


@pytest.mark.parametrize(("count", "expected"), [
    (1, "1 открытая эскалация"), (3, "3 открытые эскалации"), (5, "5 открытых эскалаций"),
    (11, "11 открытых эскалаций"), (21, "21 открытая эскалация"), (22, "22 открытые эскалации"),
])
def test_russian_plurals_follow_the_languages_three_forms(count: int, expected: str) -> None:
    text = translations("ru").ngettext("%(num)d open escalation", "%(num)d open escalations",
                                       count)
    assert text % {"num": count} == expected


def test_english_is_the_source_and_needs_no_catalog() -> None:
    assert translations("en").gettext("Sign in") == "Sign in"
    assert translations("ru").gettext("Sign in") == "Войти"


def test_a_string_without_a_russian_translation_is_listed() -> None:
    assert untranslated("ru", ["Sign in", "A string nobody translated"]) == [
        "A string nobody translated"]


@pytest.mark.parametrize(("header", "expected"), [
    ("ru-RU,ru;q=0.9,en;q=0.8", "ru"), ("en-GB,en;q=0.9", "en"), ("de-DE,ru;q=0.5", "ru"),
    ("fr, de", "en"), ("en;q=0.2, ru;q=0.8", "ru"), ("", "en"), ("*", "en"),
    ("ru;q=0", "en"), ("x-klingon!!", "en"),
])
def test_the_browsers_language_is_honoured_when_escalada_speaks_it(header: str,
                                                                   expected: str) -> None:
    assert choose_language(accept_language(header)) == expected


@pytest.mark.parametrize(("lang_variable", "expected"), [
    ("ru_RU.UTF-8", "ru"), ("en_US.UTF-8", "en"), ("C.UTF-8", "en"), ("POSIX", "en"),
])
def test_the_shells_lang_variable_chooses_the_clis_language(lang_variable: str,
                                                             expected: str) -> None:
    assert choose_language([lang_variable]) == expected


def test_a_word_said_in_a_context_agrees_with_its_noun_beside_the_plain_one() -> None:
    russian = translations("ru")
    assert russian.gettext("open") == "открыто"  # a case (обращение)
    assert russian.pgettext("post-mortem", "open") == "открыт"  # a post-mortem (разбор)
    assert translations("en").pgettext("post-mortem", "open") == "open"


def test_a_word_in_a_context_nobody_translated_is_listed_though_the_plain_one_is() -> None:
    said = in_context("post-mortem", "open")
    unknown = in_context("a noun nobody translated for", "open")
    assert untranslated("ru", ["open", said, unknown]) == [unknown]


def test_words_said_of_a_noun_keep_their_context_when_stored() -> None:
    from escalada.domain.words import Words

    said = Words("{name} {before} -> {after}", name=Words.literal("status"),
                 before=Words.said_of("recovery task", "open"),
                 after=Words.said_of("recovery task", "done"))
    stored = Words.from_json(said.as_json())

    assert stored.render(translations("ru")) == "статус открыта -> выполнена"
    assert stored.render() == "status open -> done"
