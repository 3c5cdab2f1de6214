"""Letters greet the case's contact by name in the letter's language (a neutral hello
without one, never "Dear colleague") and are signed with our person's display name and
title or role in that language, never a login. One shared macro file does both."""

from __future__ import annotations

import pytest
from comms_facts import comms_facts

from escalada.adapters.policy_file import default_policy_path, load_policy
from escalada.adapters.templates import render
from escalada.domain.communications import Contact, MessageKind, Person
from escalada.domain.executive_match import title_in_language

CUSTOMER_KINDS = [MessageKind.ACKNOWLEDGMENT, MessageKind.PROGRESS_UPDATE,
                  MessageKind.RESOLUTION, MessageKind.EXECUTIVE_ACKNOWLEDGMENT]
ENGINEER = Person(None, None, None, "engineer")  # no display name, no title


def body(kind: str, language: str, **changes: object) -> str:
    return "\n" + render(comms_facts(kind, language, **changes)).body  # lines start after \n


@pytest.mark.parametrize("kind", CUSTOMER_KINDS)
def test_a_customer_letter_greets_the_cases_contact_by_name(kind: str) -> None:
    english = body(kind, "en", contact=Contact("Ivan Petrov", None, "CTO"))
    russian = body(kind, "ru", contact=Contact("Иван Петрович Сидоров", "Иван Петрович"))

    assert "\nDear Ivan Petrov,\n" in english
    assert "\nЗдравствуйте, Иван Петрович!\n" in russian


@pytest.mark.parametrize("kind", CUSTOMER_KINDS)
def test_without_a_contact_the_greeting_is_neutral_never_dear_colleague(kind: str) -> None:
    english = body(kind, "en", contact=None)
    russian = body(kind, "ru", contact=None)

    assert "\nHello,\n" in english and "colleague" not in english
    assert "\nЗдравствуйте!\n" in russian and "коллег" not in russian


@pytest.mark.parametrize(("language", "signature"), [
    ("en", "Kind regards,\nSupport Engineer"),
    ("ru", "С уважением,\nИнженер службы поддержки"),
])
def test_a_sender_without_a_display_name_signs_with_their_role_in_the_language(
    language: str, signature: str
) -> None:
    text = body(MessageKind.ACKNOWLEDGMENT, language, sender=ENGINEER)

    assert text.endswith(signature)


def test_a_sender_with_a_display_name_signs_with_it_and_their_role() -> None:
    sender = Person("Anna Smirnova", None, "a.smirnova@escalada.example", "engineer")

    text = body(MessageKind.PROGRESS_UPDATE, "en", sender=sender)

    assert text.endswith("Anna Smirnova\nSupport Engineer\na.smirnova@escalada.example")


@pytest.mark.parametrize("kind", [MessageKind.HANDOFF, MessageKind.VENDOR_ESCALATION])
def test_internal_and_vendor_letters_name_the_sender_by_name_and_role(kind: str) -> None:
    sender = Person("Anna Smirnova", None, None, "engineer")

    assert "Anna Smirnova, Support Engineer" in body(kind, "en", sender=sender)
    assert "Anna Smirnova, Инженер службы поддержки" in body(kind, "ru", sender=sender)


def test_a_letter_from_escalada_itself_signs_as_the_support_team() -> None:
    text = body(MessageKind.ACKNOWLEDGMENT, "ru", sender=Person(None))

    assert text.endswith("С уважением,\nСлужба поддержки")


def test_the_executive_acknowledgment_subject_names_the_executive_not_a_login() -> None:
    executive = Person("Nikolai Lebedev", "CEO", None, "vp")

    rendered = render(comms_facts(MessageKind.EXECUTIVE_ACKNOWLEDGMENT, "en",
                                  executive=executive))

    assert rendered.subject.startswith("[CASE-42] Nikolai Lebedev, CEO: ")
    assert rendered.body.endswith("Sincerely,\nNikolai Lebedev\nCEO")


@pytest.mark.parametrize(("title", "language", "shown"), [
    ("CEO", "ru", "Генеральный директор"),
    ("VP Customer Success", "ru", "Вице-президент"),
    ("Support Director", "ru", None),  # not an executive title: the letter names the role
    ("Генеральный директор", "en", "CEO"),
    ("CTO", "en", "CTO"),
    ("Технический директор", "ru", "Технический директор"),
    (None, "en", None),
])
def test_a_title_is_written_in_the_letters_language(
    title: str | None, language: str, shown: str | None
) -> None:
    rules = load_policy(default_policy_path()).war_room

    assert title_in_language(title, language, rules) == shown
