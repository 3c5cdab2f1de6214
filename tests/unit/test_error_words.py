"""Errors keep their English as `str()` and are told in a reader's language at the edge:
the template and each worded parameter translated, field names and data as they are."""

from __future__ import annotations

from typing import Literal

import pytest
from pydantic import BaseModel, ValidationError

from escalada.adapters.catalogs import translations
from escalada.domain.errors import (
    HandoffIncomplete,
    InvalidInput,
    InvalidTransition,
    NotFound,
    NotPermitted,
)
from escalada.domain.validation import Label, existing_id, invalid_input
from escalada.domain.words import Words
from escalada.entrypoints.errors import error_document
from escalada.services import authz
from escalada.services.context import Actor

RU = translations("ru")


def test_an_error_of_a_template_reads_as_english_and_is_told_in_russian() -> None:
    error = NotFound.of("no case {case_id}", case_id="CASE-7")
    assert str(error) == "no case CASE-7"
    assert error.told(RU) == "обращение CASE-7 не найдено"


def test_an_error_of_a_plain_sentence_is_translated_when_the_catalog_knows_it() -> None:
    assert NotPermitted("a sentence nobody wrote").told(RU) == "a sentence nobody wrote"
    assert InvalidTransition("the token expired").told(RU) == "срок действия токена истёк"


def test_braces_in_a_plain_sentence_are_data_not_parameters() -> None:
    assert NotFound("no case {x}").told(RU) == "no case {x}"


def test_invalid_input_keeps_field_names_and_translates_reasons() -> None:
    error = InvalidInput([("severity", "is required"),
                          ("limit", Words("must be between 1 and {max_limit}", max_limit=50))])
    assert error.problems == [("severity", "is required"), ("limit", "must be between 1 and 50")]
    assert error.told_problems(RU) == [("severity", "обязательно"),
                                       ("limit", "должно быть от 1 до 50")]
    assert str(error) == "severity: is required; limit: must be between 1 and 50"


class _Body(BaseModel):
    title: Label
    count: int


def test_pydantics_reasons_and_a_validators_own_words_are_translated() -> None:
    with pytest.raises(ValidationError, match="2 validation errors") as refused:
        _Body.model_validate({"title": "a\tb"})
    error = invalid_input(refused.value)
    assert error.told_problems(RU) == [
        ("title", "не должно содержать управляющих символов (U+0009 в позиции 2)"),
        ("count", "обязательно")]


def test_an_id_out_of_range_names_the_thing_in_the_readers_words() -> None:
    with pytest.raises(NotFound, match="no draft 0") as missing:
        existing_id(0, "draft")
    assert missing.value.told(RU) == "не найдено: черновик 0"


def test_a_refusal_translates_the_action_the_advice_and_the_role_names() -> None:
    with pytest.raises(NotPermitted, match="overriding a handoff gate needs the role team lead"
                       ) as refused:
        authz.can_override_handoff(Actor("bob", "engineer"))
    assert str(refused.value) == ("overriding a handoff gate needs the role team lead or above; "
                                  "bob is engineer: ask a team lead or above to do it")
    assert refused.value.told(RU) == (
        "«обход проверки пакета передачи»: нужна роль «руководитель группы» или выше; bob — "
        "инженер: попросите сделать это пользователя с ролью «руководитель группы» или выше")


def test_a_refusal_naming_people_who_may_joins_them_with_or() -> None:
    with pytest.raises(NotPermitted, match="or to be the war room's lead ann") as refused:
        authz.can_close_war_room(Actor("bob", "engineer"), "resolving CASE-7", lead="ann",
                                 executive="eve")
    told = refused.value.told(RU)
    assert "либо быть руководителем штаба ann или руководителем-представителем штаба eve" in told


def test_an_incomplete_handoff_lists_what_is_missing_in_russian_words() -> None:
    error = HandoffIncomplete("T2", ["diagnostic_logs", "root_cause_hypothesis"])
    assert error.told(RU).startswith(
        "пакет передачи для T2 неполон: не хватает diagnostic_logs, root_cause_hypothesis")


def test_the_error_document_speaks_the_readers_language_and_keeps_its_codes() -> None:
    document = error_document(InvalidInput.of("limit", "must be between 1 and {max_limit}",
                                              max_limit=50), RU)
    assert document == {"error": "invalid_input", "message": "limit: должно быть от 1 до 50",
                        "problems": [{"field": "limit", "reason": "должно быть от 1 до 50"}]}
    assert error_document(NotFound.of("no case {case_id}", case_id="CASE-7"))["message"] == (
        "no case CASE-7")


def test_a_translation_that_lost_a_parameter_falls_back_to_english() -> None:
    class Broken:
        def gettext(self, message: str, /) -> str:
            return "нет {nothing}"

        def ngettext(self, singular: str, plural: str, count: int, /) -> str:
            return singular

    assert Words("no case {case_id}", case_id="CASE-7").render(Broken()) == "no case CASE-7"


@pytest.mark.parametrize(("count", "expected"), [(1, "1 открытая эскалация"),
                                                  (4, "4 открытые эскалации"),
                                                  (11, "11 открытых эскалаций")])
def test_counted_words_take_the_russian_plural_form(count: int, expected: str) -> None:
    words = Words.counted("%(num)d open escalation", "%(num)d open escalations", count)
    assert words.render(RU) % {"num": count} == expected


@pytest.mark.parametrize(("days", "english", "russian"), [
    (1, "in the last 1 day", "за последний 1 день"),
    (3, "in the last 3 days", "за последние 3 дня"),
    (30, "in the last 30 days", "за последние 30 дней")])
def test_the_credit_windows_days_take_each_languages_plural(days: int, english: str,
                                                             russian: str) -> None:
    from escalada.domain.policy.credits import CreditPolicy

    window = CreditPolicy.model_construct(authority_window_days=days).authority_window()
    assert (str(window), window.render(RU)) == (english, russian)


def test_a_list_of_choices_ends_in_the_readers_or_and_an_unknown_user_hint_is_translated(
) -> None:
    class Step(BaseModel):
        severity: Literal["P1", "P2", "P3"]

    with pytest.raises(ValidationError) as raised:
        Step.model_validate({"severity": "P9"})
    refused = invalid_input(raised.value)

    assert str(refused) == "severity: must be one of 'P1', 'P2' or 'P3'"
    assert refused.told(RU) == "severity: должно быть одним из: 'P1', 'P2' или 'P3'"
    hint = Words("no user {name!r} ({hint})", name="nobody",
                 hint=Words("ask an admin for `escalada user add`"))
    assert hint.render(RU) == ("пользователь 'nobody' не найден (попросите администратора "
                               "выполнить `escalada user add`)")
