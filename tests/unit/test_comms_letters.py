"""What letters say, read as their readers read them: a war room only while one is open,
Russian written as a native writes it (agreement, quotes, «Вы», Moscow time, Russian
status words), no internal tier or level codes and no logins for the customer."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from comms_facts import comms_facts

from escalada.adapters.catalogs import translations
from escalada.adapters.templates import Formats, render
from escalada.domain.communications import FollowUp, MessageKind, UpdateStatus, WarRoom
from escalada.domain.story import Moment, moment_of_entry, moment_of_step, tell

EXEC_ACK = MessageKind.EXECUTIVE_ACKNOWLEDGMENT
# The letters a customer (or their executive) reads.
CUSTOMER_KINDS = [MessageKind.ACKNOWLEDGMENT, MessageKind.PROGRESS_UPDATE,
                  MessageKind.RESOLUTION, EXEC_ACK]
CODES = re.compile(r"\b(T[1-3]|L[1-4]|VENDOR)\b")
STATUS_CODES = re.compile(r"\b(NEW|INVESTIGATING|MITIGATING|MONITORING|RESOLVED|CLOSED)\b")
LOWERCASE_YOU = re.compile(r"(?<![А-Яа-яЁё])(вы|вас|вам|вами|ваш[а-яё]*)(?![А-Яа-яЁё])")
MOMENT = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
SAID = {"ru": translations("ru"), "en": translations("en")}


def body(kind: str, language: str = "ru", **changes: object) -> str:
    rendered = render(comms_facts(kind, language, **changes))
    return f"{rendered.subject}\n\n{rendered.body}"


# A war room only while one is open


@pytest.mark.parametrize(("language", "room_words"), [
    ("ru", ["штаб", "круглосуточно"]), ("en", ["war room", "around the clock"]),
])
def test_an_executive_acknowledgment_without_an_open_war_room_claims_none(
    language: str, room_words: list[str],
) -> None:
    text = body(EXEC_ACK, language, war_room=None, exec_level="L2").lower()
    assert [word for word in room_words if word in text] == []


@pytest.mark.parametrize(("language", "said"), [
    ("ru", "над обращением работает оперативный штаб"),
    ("en", "a dedicated war room is working on your case"),
])
def test_an_open_war_room_is_named_with_its_cadence(language: str, said: str) -> None:
    text = body(EXEC_ACK, language, war_room=WarRoom("#exec-escalation-x", 120))
    assert said in text.lower()
    assert ("не реже чем раз в 2 часа" if language == "ru" else "at least every 2 hours") in text
    hourly = body(EXEC_ACK, language, war_room=WarRoom("#exec-escalation-x", 60))
    assert ("не реже чем раз в час;" if language == "ru" else "at least every hour.") in hourly


def test_without_a_room_the_executive_promises_only_their_own_attention() -> None:
    text = body(EXEC_ACK, war_room=None, exec_level="L2")
    promise = "- я слежу за ходом работ и при необходимости сразу подключу дополнительные силы."
    assert promise in text
    assert "ни одно решение не будет ждать согласований" not in text


# Russian: agreement, quotes, «Вы»


@pytest.mark.parametrize(("tier", "clause"), [
    ("T1", "технические работы ведёт первая линия поддержки"),
    ("T2", "технические работы ведут старшие инженеры поддержки"),
    ("T3", "технические работы ведёт команда разработки продукта"),
    ("VENDOR", "технические работы ведут наши инженеры вместе с инженерами поставщика платформы"),
])
def test_the_verb_agrees_with_who_does_the_technical_work(tier: str, clause: str) -> None:
    text = body(EXEC_ACK, tier=tier)
    assert f"- {clause}, а общую координацию обеспечивает директор службы поддержки;" in text
    assert "ведёт наши" not in text


@pytest.mark.parametrize(("text", "shown"), [
    ("Сибирские Сети", "«Сибирские Сети»"),
    ("ООО «Аудит Тест»", "ООО «Аудит Тест»"),
    ('ООО "Аудит Тест"', "ООО «Аудит Тест»"),
    ("«Аудит Тест»", "«Аудит Тест»"),
    ("Сбой модуля «Платежи» в регионе", "«Сбой модуля „Платежи“ в регионе»"),
    ("Ошибка в «Платежи»", "«Ошибка в „Платежи“»"),
])
def test_russian_quotes_never_nest_the_same_marks(text: str, shown: str) -> None:
    assert Formats("ru", "UTC").quoted(text) == shown


def test_english_quotes_turn_inner_double_quotes_single() -> None:
    assert Formats("en", "UTC").quoted('API says "no"') == "\"API says 'no'\""


@pytest.mark.parametrize("kind", [EXEC_ACK, MessageKind.RESOLUTION,
                                  MessageKind.VENDOR_ESCALATION])
def test_a_company_already_in_quotes_is_not_quoted_again(kind: str) -> None:
    fields = comms_facts(kind, "ru").fields
    text = body(kind, account_name="ООО «Аудит Тест»", fields=fields)
    assert "ООО «Аудит Тест»" in text
    assert "«ООО" not in text and "»»" not in text


def test_a_title_with_quotes_inside_gets_lower_quotes_inside() -> None:
    text = body(MessageKind.ACKNOWLEDGMENT, title="Сбой модуля «Платежи»")
    assert "по обращению CASE-42 «Сбой модуля „Платежи“»." in text


@pytest.mark.parametrize("kind", [*CUSTOMER_KINDS, MessageKind.VENDOR_ESCALATION])
def test_a_russian_letter_addresses_its_reader_as_capitalised_vy(kind: str) -> None:
    assert LOWERCASE_YOU.findall(body(kind)) == []


# Russian status words, no internal codes


@pytest.mark.parametrize(("status", "words"), [
    ("INVESTIGATING", "выясняем причину"), ("MITIGATING", "устраняем последствия"),
    ("MONITORING", "наблюдаем за работой после исправления"), ("RESOLVED", "проблема устранена"),
])
def test_a_russian_update_reports_its_status_in_russian_only(status: str, words: str) -> None:
    rendered = render(comms_facts(MessageKind.PROGRESS_UPDATE, "ru", update_status=status))
    assert f"**Статус:** {words}\n" in rendered.body
    assert rendered.subject.endswith(f"({words})")
    assert STATUS_CODES.findall(f"{rendered.subject}\n{rendered.body}") == []


def test_every_update_status_has_its_russian_words() -> None:
    for status in UpdateStatus:
        facts = comms_facts(MessageKind.PROGRESS_UPDATE, "ru", update_status=status.value)
        assert "работаем над решением" not in render(facts).body


@pytest.mark.parametrize("language", ["ru", "en"])
@pytest.mark.parametrize("kind", CUSTOMER_KINDS)
@pytest.mark.parametrize(("tier", "level"), [("VENDOR", "L2"), ("T2", "L4"), ("T1", None)])
def test_a_customer_letter_shows_no_internal_tier_or_level_code(
    kind: str, language: str, tier: str, level: str | None,
) -> None:
    text = body(kind, language, tier=tier, exec_level=level)
    assert CODES.findall(text) == []
    if language == "ru":
        assert STATUS_CODES.findall(text) == []


def test_the_vendor_tier_is_told_as_the_vendors_engineers_joining() -> None:
    text = body(MessageKind.ACKNOWLEDGMENT, tier="VENDOR")
    assert ("**Кто занимается обращением:** наши инженеры; к делу подключены инженеры "
            "поставщика платформы.") in text


@pytest.mark.parametrize(("what", "to", "customer", "colleague"), [
    ("up", "T2", "Обращение передано старшим инженерам поддержки",
     "Обращение передано старшим инженерам поддержки (T2)"),
    ("up", "L3", "Обращение эскалировано директору службы поддержки",
     "Обращение эскалировано директору службы поддержки (L3)"),
    ("up", "VENDOR", "Обращение передано в поддержку поставщика облачной платформы",
     "Обращение передано в поддержку поставщика облачной платформы"),
    ("down", "T1", "Обращение возвращено первой линии поддержки",
     "Обращение возвращено первой линии поддержки (T1)"),
])
def test_the_story_names_teams_for_the_customer_and_adds_codes_for_colleagues(
    what: str, to: str, customer: str, colleague: str,
) -> None:
    track = "executive" if to.startswith("L") else "technical"
    step = moment_of_step(track=track, direction=what, to=to, at=MOMENT, actor="ana")
    assert tell(step, "ru", said=SAID["ru"]) == customer
    assert tell(step, "ru", "internal", said=SAID["ru"]) == colleague


def test_the_opening_is_told_with_who_opened_it_at_which_severity() -> None:
    [opened] = moment_of_entry("case_opened", MOMENT, "ana", {"severity": "P2", "title": "x"})
    assert opened.actor == "ana"
    told = tell(opened, "ru", said=SAID["ru"])
    assert told == "Обращение зарегистрировано с уровнем критичности P2"


@pytest.mark.parametrize(("language", "status", "told"), [
    ("ru", "waiting_on_customer", "Статус изменён: ждёт клиента"),
    ("ru", "mitigating", "Статус изменён: устраняется"),
    ("en", "waiting_on_customer", "Status changed: waiting on the customer"),
    ("ru", "unheard_of", "Статус изменён: unheard_of"),
])
def test_a_status_change_is_told_in_the_catalogs_words_for_a_status(
    language: str, status: str, told: str,
) -> None:
    [changed] = moment_of_entry("updated", MOMENT, "ana", {"before": {"status": "new"},
                                                           "after": {"status": status}})
    assert tell(changed, language, said=SAID[language]) == told
    assert tell(changed, language, "internal", said=SAID[language]) == told


def test_the_customer_reads_of_a_pause_as_waiting_for_them() -> None:
    paused = Moment(MOMENT, "ana", "paused", {})
    assert tell(paused, "ru", said=SAID["ru"]) == "Ожидаем от Вас дополнительную информацию"
    assert tell(paused, "ru", "vendor", said=SAID["ru"]) == "Ожидаем информацию от клиента"
    assert tell(paused, "en", said=SAID["en"]) == "Waiting for information from you"


# Moscow time


@pytest.mark.parametrize(("zone", "shown"), [
    ("Europe/Moscow", "26 ноября 2026 г., 13:00 МСК"),
    ("Asia/Vladivostok", "26 ноября 2026 г., 20:00 МСК+7"),
    ("Asia/Novosibirsk", "26 ноября 2026 г., 17:00 МСК+4"),
    ("Europe/Kaliningrad", "26 ноября 2026 г., 12:00 МСК-1"),
    ("America/New_York", "26 ноября 2026 г., 05:00 UTC-5"),
    ("UTC", "26 ноября 2026 г., 10:00 UTC"),
])
def test_a_russian_letter_tells_russian_time_from_moscow(zone: str, shown: str) -> None:
    assert Formats("ru", zone).when(MOMENT) == shown


def test_an_english_letter_keeps_the_utc_offset_for_moscow() -> None:
    assert Formats("en", "Europe/Moscow").when(MOMENT) == "26 November 2026, 13:00 UTC+3"


def test_a_russian_draft_shows_moscow_time_not_utc_plus_three() -> None:
    text = body(MessageKind.ACKNOWLEDGMENT)
    assert "не позднее 26 ноября 2026 г., 15:00 МСК," in text and "UTC+3" not in text


# Follow-ups as the customer may read them


def test_a_follow_up_without_an_owner_name_shows_no_owner() -> None:
    follow_ups = (FollowUp("Мы проведём разбор инцидента", None, None),)
    text = body(MessageKind.RESOLUTION, follow_ups=follow_ups)
    assert "- Мы проведём разбор инцидента\n" in text
    assert "ответственный" not in text
