"""Free text, ids and dates from outside are bounded by kind (domain/validation.py)."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import BaseModel, ValidationError

from escalada.domain.errors import NotFound
from escalada.domain.validation import (
    BODY_CHARS,
    LABEL_CHARS,
    NOTE_CHARS,
    Day,
    Label,
    MessageBody,
    Note,
    existing_id,
    problems,
    text_problem,
)


class _Fields(BaseModel):
    label: Label | None = None
    note: Note | None = None
    body: MessageBody | None = None
    day: Day | None = None


def _reason(**fields: object) -> str:
    with pytest.raises(ValidationError, match="1 validation error") as error:
        _Fields.model_validate(fields)
    return problems(error.value)[0][1]


def test_each_kind_of_text_has_its_length() -> None:
    assert (LABEL_CHARS, NOTE_CHARS, BODY_CHARS) == (200, 4_000, 100_000)
    assert _reason(label="x" * 201) == "must be at most 200 characters"
    assert _reason(note="x" * 4_001) == "must be at most 4000 characters"
    assert _reason(body="x" * 100_001) == "must be at most 100000 characters"
    assert _Fields(label="x" * 200, note="x" * 4_000, body="x" * 100_000).label == "x" * 200


def test_a_label_is_one_line_and_a_note_keeps_its_newlines_and_tabs() -> None:
    assert _reason(label="a\tb") == "must not contain control characters (U+0009 at character 2)"
    assert _Fields(note="a\n\tb").note == "a\n\tb"
    assert _Fields(body="a\r\nb").body == "a\nb"


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\r", "\x7f", "\x85", "\ud800"])
def test_control_characters_and_lone_surrogates_are_refused(char: str) -> None:
    assert str(text_problem(f"ok{char}", NOTE_CHARS, lines=True)) == (
        "must not contain control characters other than newline and tab "
        f"(U+{ord(char):04X} at character 3)")


def test_text_in_any_script_is_kept() -> None:
    assert text_problem("Проблема «ООО „Аудит“» 🚒 — 東京", LABEL_CHARS, lines=False) is None


@pytest.mark.parametrize("number", [0, -1, 2**31, 10**20])
def test_an_id_outside_what_a_row_can_have_names_nothing(number: int) -> None:
    with pytest.raises(NotFound, match=f"^no token {number}$"):
        existing_id(number, "token")
    assert existing_id(2**31 - 1, "token") == 2**31 - 1


def test_a_day_lies_between_the_years_1900_and_9000() -> None:
    assert _reason(day="9999-12-25") == "must be between the years 1900 and 9000"
    assert _reason(day="1899-12-31") == "must be between the years 1900 and 9000"
    assert _Fields(day="9000-12-31").day == date(9000, 12, 31)
