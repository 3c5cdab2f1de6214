"""A timeline summary in the reader's language: kept as Words (template and parameters,
as JSON) beside the hashed English summary, and read only while it still says, in
English, what the hashed summary says."""

from __future__ import annotations

from escalada.adapters.catalogs import translations
from escalada.domain.words import Moment, Usd, Words
from escalada.services.views import summary_in

RUSSIAN = translations("ru")


def test_words_go_to_json_and_back_with_nested_words_lists_and_plurals() -> None:
    told = Words("step {step}: {start} -> {to} ({criteria})", step=1, start=Words("none"),
                 to="L2", criteria=", ".join(["a", "b"]))
    plan = Words.counted("recovery plan opened ({count} task)",
                         "recovery plan opened ({count} tasks)", 14)

    assert str(Words.from_json(told.as_json())) == str(told) == "step 1: none -> L2 (a, b)"
    assert Words.from_json(told.as_json()).render(RUSSIAN) == "шаг 1: нет -> L2 (a, b)"
    assert Words.from_json(plan.as_json()).render(RUSSIAN) == (
        "открыт план восстановления отношений (14 задач)")


def test_the_summary_is_read_from_its_words_only_while_they_say_the_same() -> None:
    kept = summary_in("case resolved", Words("case resolved").as_json(), RUSSIAN)
    altered = summary_in("case resolved", Words("case closed").as_json(), RUSSIAN)
    broken = summary_in("case resolved", {"t": 7, "a": "x"}, RUSSIAN)

    assert kept == "обращение решено"
    assert altered == "case resolved" and broken == "case resolved"
    assert summary_in("case resolved", None, RUSSIAN) == "case resolved"  # written before


def test_a_policy_phrase_inside_a_summary_is_translated_as_it_stands() -> None:
    done = Words("war room: {item}: done by {who}",
                 item=Words.literal("Notify the Support Director"), who="lena")

    assert done.render(RUSSIAN) == (
        "оперативный штаб: Уведомить директора службы поддержки: выполнил lena")
    assert summary_in(str(done), done.as_json(), RUSSIAN) == done.render(RUSSIAN)


def test_money_in_a_summary_is_written_as_its_reader_writes_money() -> None:
    told = Words("service credit #{id} of {amount}", id=3, amount=Usd("2000"))
    kept = Words.from_json(told.as_json())

    assert str(kept) == str(told) == "service credit #3 of $2,000.00"
    assert kept.render(RUSSIAN) == "компенсация №3 на 2\xa0000,00\xa0$"
    assert summary_in(str(told), told.as_json(), RUSSIAN) == kept.render(RUSSIAN)


def test_a_time_in_a_summary_is_written_as_its_reader_writes_times() -> None:
    told = Words("{target} SLA {percent} consumed (due {due})", target=Words("resolution"),
                 percent="50%", due=Moment("2026-12-04T20:03:46.079443+00:00"))
    kept = Words.from_json(told.as_json())

    assert str(kept) == str(told) == "resolution SLA 50% consumed (due 4 Dec 2026, 20:03 UTC)"
    assert kept.render(RUSSIAN) == "SLA «решение» израсходован на 50% (срок 4 дек. 2026, 20:03 UTC)"
