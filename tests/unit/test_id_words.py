"""The product's ids are shown as words in the reader's language (domain/id_words.py):
each vocabulary has its Russian, the console's `named` filter shows the words and never
the id, and an id no vocabulary knows (an operator's own) is shown as it is."""

from __future__ import annotations

import pytest

from escalada.adapters.catalogs import translations, untranslated
from escalada.domain.id_words import VOCABULARIES, named
from escalada.domain.words import Words
from escalada.entrypoints.web.rendering import environment

# Names that read the same in both languages (brands).
_SAME_IN_RUSSIAN = {"AWS", "Azure", "Google Cloud", "CSAT", "Slack"}


def test_every_vocabularys_words_have_a_russian_translation() -> None:
    templates = {words.template for vocabulary in VOCABULARIES.values()
                 for words in vocabulary.values()}
    assert not untranslated("ru", templates)


@pytest.mark.parametrize("vocabulary", sorted(VOCABULARIES))
def test_a_russian_reader_never_reads_the_id_itself(vocabulary: str) -> None:
    shown_as_id = [code for code, words in VOCABULARIES[vocabulary].items()
                   if words.render(translations("ru")) in (code, words.template)
                   and words.template not in _SAME_IN_RUSSIAN]
    assert not shown_as_id


@pytest.mark.parametrize(("vocabulary", "code", "english", "russian"), [
    ("plan", "enterprise", "Enterprise", "Корпоративный"),
    ("contact_level", "c_level", "C-level", "высшее руководство"),
    ("role", "support_director", "support director", "директор поддержки"),
    ("role", "account_executive", "account executive", "менеджер клиента"),
    ("track", "VENDOR", "vendor", "вендор"),
    ("vendor", "gcp", "Google Cloud", "Google Cloud"),
    ("handoff", "root_cause_hypothesis", "Root cause hypothesis", "Гипотеза о первопричине"),
    ("case", "waiting_on_customer", "waiting on the customer", "ждёт клиента"),
])
def test_the_consoles_named_filter_shows_the_words_in_the_pages_language(
        vocabulary: str, code: str, english: str, russian: str) -> None:
    def shown(language: str) -> str:
        template = environment(language).from_string("{{ code|named(vocabulary) }}")
        return template.render(code=code, vocabulary=vocabulary)

    assert (shown("en"), shown("ru")) == (english, russian)


def test_an_id_no_vocabulary_knows_is_shown_as_it_is() -> None:
    assert named(VOCABULARIES["role"], "chief_of_staff").render(translations("ru")) == (
        "chief_of_staff")
    assert environment("ru").from_string('{{ "T2"|named("track") }}').render() == "T2"


def test_a_vocabulary_the_console_does_not_have_is_an_error_not_a_raw_id() -> None:
    with pytest.raises(KeyError, match="tiers"):
        environment("ru").from_string('{{ "T2"|named("tiers") }}').render()


def test_a_timeline_step_names_the_vendor_tier_and_the_criteria_in_words() -> None:
    from escalada.adapters.policy_file import current_policy
    from escalada.domain.id_words import criterion_words, place_words

    policy = current_policy()
    step = Words("step {step}: {start} -> {to} ({criteria})", step=3, start=place_words("T3"),
                 to=place_words("VENDOR"),
                 criteria=[criterion_words(policy, "customer_requested_escalation"),
                           criterion_words(policy, "an_operators_own_flag")])
    kept = Words.from_json(step.as_json())  # as the timeline stores it

    assert kept.render(translations("ru")) == (
        "шаг 3: T3 -> вендор (клиент просит эскалации, an_operators_own_flag)")
    assert str(kept) == ("step 3: T3 -> vendor (the customer asked to escalate, "
                         "an_operators_own_flag)")
    assert str(Words("{start}", start=place_words(None))) == "none"


def test_a_fraction_inside_words_is_written_with_the_readers_decimal_sign() -> None:
    score = Words("account health {before} -> {after}: score {score}", before="good",
                  after="at risk", score=34.5)

    assert str(score).endswith("score 34.5")
    assert Words.from_json(score.as_json()).render(translations("ru")).endswith("оценка 34,5")


def test_every_shipped_vendor_severity_has_russian_words() -> None:
    from escalada.adapters.vendor_plans_file import current_vendor_plans

    labels = {label for info in current_vendor_plans().vendors.values()
              for label in info.labels.values()}
    assert len(labels) >= 14 and not untranslated("ru", labels)


def test_a_vendor_case_names_its_severity_by_the_plans_files_words() -> None:
    from escalada.entrypoints.web.rendering import vendor_said

    assert vendor_said("aws", "severity", "urgent", "en") == "Production system down"
    assert vendor_said("aws", "severity", "urgent", "ru") == "Рабочая система недоступна"
    assert vendor_said("azure", "plan", "premier", "ru") == "Premier"  # a name, as it is
    assert vendor_said("gcp", "severity", "P9", "ru") == "P9"  # not in the file: the code


@pytest.mark.parametrize(("code", "english", "russian"), [
    ("waiting_on_customer", "waiting on the customer", "ждёт клиента"),
    ("investigating", "investigating", "расследуется"),
    ("first_response", "First response", "Первый ответ"),  # heads its SLA clock
    ("resolution", "Resolution", "Решение"),  # a clock, and the message kind
])
def test_the_case_page_names_statuses_and_sla_targets_from_the_case_vocabulary(
        code: str, english: str, russian: str) -> None:
    from escalada.domain.case_words import CASE_WORDS
    from escalada.entrypoints.web.case_words import words

    assert (words("en")[code], words("ru")[code]) == (english, russian)
    said = CASE_WORDS[code].render(translations("ru"))
    assert words("ru")[code] in (said, said[:1].upper() + said[1:])
