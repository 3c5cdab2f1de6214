"""`--help` and Click's usage errors have Russian for every text a person reads: each
command's, option's and argument's help (the command tree walked), the root's one line
for each lazily loaded command, and Click's own words."""

from __future__ import annotations

import re

import pytest
from message_support import help_messages
from typer._click.utils import make_default_short_help

from escalada.adapters.catalogs import catalog, untranslated
from escalada.entrypoints.cli import help_words, words
from escalada.entrypoints.cli.app import GROUPS

_PARAMETER = re.compile(r"\{[^{}]*\}")


@pytest.fixture
def russian(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESCALADA_LANG", "ru")


def test_every_text_help_shows_has_a_russian_translation() -> None:
    messages = help_messages()
    assert len(messages) > 400  # the walk reaches the lazy groups' commands
    assert "Open a case (prints it, with its id)." in messages  # `case open`'s docstring
    assert "criterion flag (repeatable)" in messages  # an option's help
    missing = [text for text in messages if text not in help_words.help_catalog("ru")]
    assert not missing, "no Russian (add it to cli_help.po) for:\n" + "\n".join(
        f"{messages[text]}: {text!r}" for text in missing)


def test_help_reads_cli_help_po_as_babel_does() -> None:
    from importlib.resources import files

    from babel.messages.pofile import read_po

    with files("escalada").joinpath("locale/ru/LC_MESSAGES/cli_help.po").open("rb") as po:
        read = {message.id: message.string for message in read_po(po, locale="ru")
                if message.id and message.string and not message.fuzzy}
    assert len(read) > 400
    assert help_words.help_catalog("ru") == read
    assert help_words.help_catalog("en") == {}  # English is the source: no file
    assert not untranslated("ru", read)  # the merged catalog says the same


def test_each_of_clicks_words_keeps_its_parameters_in_russian() -> None:
    templates = [*help_words.HELP_WORDS, *help_words.ERROR_WORDS,
                 *(template for _, template in help_words.USAGE_WORDS)]
    wrong = [english for english in templates
             if sorted(_PARAMETER.findall(catalog("ru")[english].string))
             != sorted(_PARAMETER.findall(english))]
    assert not wrong


@pytest.mark.usefixtures("russian")
@pytest.mark.parametrize("name", list(GROUPS))
def test_the_roots_russian_line_is_the_first_sentence_of_the_commands_own(name: str) -> None:
    from importlib import import_module

    import typer

    entry = GROUPS[name]
    target = getattr(import_module(f"escalada.entrypoints.cli.{entry.module}"), entry.attr)
    own = target.info.help if isinstance(target, typer.Typer) else target.__doc__
    assert make_default_short_help(help_words.said(entry.help), 10_000) == \
        make_default_short_help(help_words.said(own), 10_000)


def test_a_help_text_is_looked_up_as_click_prints_it() -> None:
    assert help_words.help_id("Load a demo data set (once: loading it\n    again "
                              "changes nothing).\n\n    Second paragraph.") == \
        "Load a demo data set (once: loading it again changes nothing).\n\nSecond paragraph."
    assert help_words.help_id("\b\nkept\nas written") == "\b\nkept\nas written"


@pytest.mark.usefixtures("russian")
@pytest.mark.parametrize(("english", "in_russian"), [
    ("P1, P2, P3 or P4  [required]", "P1, P2, P3 или P4  [обязательно]"),
    ("[default: table; required]", "[по умолчанию: table; обязательно]"),
    ("who acts (default: your login name)  [env var: ESCALADA_USER]",
     "кто действует (по умолчанию: ваше имя входа)  [переменная окружения: ESCALADA_USER]"),
    ("a line [of its own]", "a line [of its own]"),  # no notes of Click's: as it is
])
def test_clicks_notes_after_an_option_are_said_in_russian(english: str, in_russian: str) -> None:
    help_text, _, notes = english.rpartition("  [")
    text = f"{help_words.said(help_text)}  [{notes}" if help_text else english
    assert help_words._with_notes_said(text) == in_russian


@pytest.mark.usefixtures("russian")
@pytest.mark.parametrize(("message", "in_russian"), [
    ("No such command 'cse'. Did you mean 'case'?",
     "Нет такой команды 'cse'. Возможно, вы имели в виду 'case'?"),
    ("Got unexpected extra argument(s) (x y)", "Лишние аргументы (x y)"),
    ("Option '--limit' requires an argument.", "Параметру '--limit' нужно значение."),
    ("Value error, 'xml' is not one of 'table', 'json'.",
     "'xml' — не одно из 'table', 'json'."),
    ("Input should be greater than or equal to 1", "Значение должно быть не меньше 1"),
    ("Input should be less than 5", "Значение должно быть меньше 5"),
    ("something Click may say one day", "something Click may say one day"),
])
def test_clicks_usage_errors_are_read_back_and_said_in_russian(message: str,
                                                               in_russian: str) -> None:
    assert help_words._reason(message) == in_russian


def test_in_english_nothing_is_translated_and_no_catalog_is_asked(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESCALADA_LANG", "en")
    monkeypatch.setattr(help_words, "help_catalog",
                        lambda _lang: pytest.fail("a catalog was asked"))
    assert help_words.said("Open a case (prints it, with its id).") == \
        "Open a case (prints it, with its id)."
    assert help_words._reason("No such option: --lim") == "No such option: --lim"


@pytest.mark.parametrize(("variables", "expected"), [
    (("", "", "", "ru_RU.UTF-8"), "ru"), (("en", "", "", "ru_RU.UTF-8"), "en"),
    (("  ", "", "", "ru_RU.UTF-8"), "ru"), (("", "C.UTF-8", "", "ru_RU.UTF-8"), "ru"),
    (("", "", "", ""), "en"), (("", "", "", "POSIX"), "en"), (("ru-RU", "", "", ""), "ru"),
    (("", "de_DE.UTF-8", "", "ru_RU.UTF-8"), "ru"), (("", "", "", "fr_FR.UTF-8"), "en"),
    (("x-klingon!!", "", "", ""), "en"),
])
def test_the_clis_language_is_the_first_variable_naming_one_it_speaks(
        variables: tuple[str, ...], expected: str) -> None:
    assert words._chosen(variables) == expected
