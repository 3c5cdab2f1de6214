"""`escalada --help`, each command's help and Click's usage errors speak the CLI's language
(ESCALADA_LANG, else LANG): Russian for a Russian shell, English, as before, otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import Cli, RealCli


def _speaking(cli: Cli, lang: str) -> Cli:
    cli.env.pop("ESCALADA_LANG", None)
    cli.env["LANG"] = lang
    return cli


@pytest.fixture
def russian(cli: Cli) -> Cli:
    return _speaking(cli, "ru_RU.UTF-8")


@pytest.fixture
def english(cli: Cli) -> Cli:
    return _speaking(cli, "en_US.UTF-8")


def test_the_roots_help_is_russian_in_a_russian_shell(russian: Cli) -> None:
    helped = russian.run("--help")
    assert helped.startswith("Использование: escalada [ПАРАМЕТРЫ] КОМАНДА [АРГУМЕНТЫ]...")
    assert "escalada: координирует эскалации поддержки" in helped
    assert "\nПараметры:\n" in helped and "\nКоманды:\n" in helped
    assert "  case        Обращения: открыть, эскалировать, принять, решить." in helped
    assert "  db          База данных: миграции." in helped  # a group not yet loaded
    assert "  --help                Показать эту справку и выйти." in helped
    assert "[переменная окружения: ESCALADA_USER]" in " ".join(helped.split())
    assert "Коды выхода: 0 — успешно" in helped
    assert not [english for english in ("Usage:", "Options:", "Commands:", "Show this message",
                                        "Exit codes", "env var") if english in helped]


def test_a_commands_help_is_russian_with_clicks_notes(russian: Cli) -> None:
    helped = " ".join(russian.run("case", "open", "--help").split())
    assert helped.startswith("Использование: escalada case open [ПАРАМЕТРЫ]")
    assert "Открыть обращение (выводит его вместе с id)." in helped
    assert "--severity <str> P1, P2, P3 или P4 [обязательно]" in helped
    assert "[по умолчанию: table]" in helped
    assert "флаг критерия (можно повторять)" in helped
    arguments = " ".join(russian.run("case", "show", "--help").split())
    assert "Аргументы: case_id <str> id обращения, например CASE-1042 [обязательно]" \
        in arguments


def test_a_group_without_a_command_shows_its_russian_help(russian: Cli) -> None:
    done = russian.call("case")
    assert done.code == 2
    assert "Обращения: открыть, эскалировать, принять, решить." in done.stdout + done.stderr
    assert "\nКоманды:\n" in done.stdout + done.stderr


def test_help_in_english_is_as_click_writes_it(english: Cli) -> None:
    helped = english.run("--help")
    assert helped.startswith("Usage: escalada [OPTIONS] COMMAND [ARGS]...")
    assert "\nOptions:\n" in helped and "\nCommands:\n" in helped
    assert "  case        Cases: open, escalate, acknowledge, resolve." in helped
    assert "Exit codes: 0 ok" in helped
    opened = " ".join(english.run("case", "open", "--help").split())
    assert "--severity <str> P1, P2, P3 or P4 [required]" in opened
    assert "[default: table]" in opened


def test_escalada_lang_chooses_the_language_over_lang(english: Cli) -> None:
    english.env["ESCALADA_LANG"] = "ru"
    assert "Открыть обращение" in english.run("case", "open", "--help")


@pytest.mark.parametrize(("args", "english", "russian"), [
    (("case", "open"), "Error: Missing option '--account'.",
     "Ошибка: Не указан параметр '--account'."),
    (("case", "list", "--lim", "3"),
     "Error: No such option: --lim (Possible options: --all, --limit)",
     "Ошибка: Нет такого параметра: --lim (Возможные параметры: --all, --limit)"),
    (("cse",), "Error: No such command 'cse'. Did you mean 'case'?",
     "Ошибка: Нет такой команды 'cse'. Возможно, вы имели в виду 'case'?"),
    (("case", "list", "-f", "xml"),
     "Error: Invalid value for '--format' / '-f': Value error, 'xml' is not one of "
     "'table', 'json'.",
     "Ошибка: Неверное значение '--format' / '-f': 'xml' — не одно из 'table', 'json'."),
    (("case", "list", "--limit", "many"),
     "Error: Invalid value for '--limit': Input should be a valid integer, unable to "
     "parse string as an integer",
     "Ошибка: Неверное значение '--limit': Нужно целое число, а это значение не читается "
     "как целое число"),
    (("case", "list", "extra"), "Error: Got unexpected extra argument(s) (extra)",
     "Ошибка: Лишние аргументы (extra)"),
    (("--as",), "Error: Option '--as' requires an argument.",
     "Ошибка: Параметру '--as' нужно значение."),
])
def test_a_usage_error_is_in_the_readers_language_and_exits_2(
        cli: Cli, args: tuple[str, ...], english: str, russian: str) -> None:
    said_in_english = _speaking(cli, "en_US.UTF-8").run(*args, code=2)
    assert english in said_in_english
    said_in_russian = _speaking(cli, "ru_RU.UTF-8").run(*args, code=2)
    assert russian in said_in_russian
    if "Usage:" in said_in_english:
        assert "Использование: escalada" in said_in_russian
        assert "Справка: 'escalada" in said_in_russian
    assert "Error:" not in said_in_russian and "Usage:" not in said_in_russian


def test_a_real_process_says_a_usage_error_in_russian_on_stderr(tmp_path: Path) -> None:
    cli = _speaking(RealCli(tmp_path), "ru_RU.UTF-8")
    done = cli.call("case", "open", "--account", "acme")
    assert done.code == 2
    assert done.stdout == ""
    assert done.stderr == ("Использование: escalada case open [ПАРАМЕТРЫ]\n"
                           "Справка: 'escalada case open --help'.\n\n"
                           "Ошибка: Не указан параметр '--severity'.\n")
    helped = cli.call("--help")
    assert helped.code == 0 and helped.stdout.startswith("Использование: escalada")


def test_a_password_typed_twice_is_asked_for_in_the_readers_language(russian: Cli) -> None:
    asked = russian.call("user", "password", "irina", stdin="typed twice ok\ntyped twice ok\n")
    assert asked.code == 0 and "Повторите для подтверждения" in asked.stdout
    mismatch = russian.call("user", "password", "irina", stdin="one password\nanother one\n")
    assert mismatch.code == 1
    assert "Ошибка: введённые значения не совпадают." in mismatch.stdout
    assert mismatch.stderr.endswith("Прервано!\n")  # no more input: as Ctrl-C
    assert "Repeat for confirmation" not in mismatch.stdout + mismatch.stderr
