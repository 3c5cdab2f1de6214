"""The console writes a calendar day as the reader's language does (the account page's
next two weeks): "Sat 5 Dec" in English, "сб 5 дек." in Russian, never "05.12" in both."""

from __future__ import annotations

import pytest

from escalada.entrypoints.web.rendering import environment


@pytest.mark.parametrize(("language", "shown"), [("en", "Sat 5 Dec"), ("ru", "сб 5 дек.")])
def test_a_day_reads_as_the_pages_language_writes_it(language: str, shown: str) -> None:
    assert environment(language).from_string("{{ '2026-12-05'|day }}").render() == shown


def test_a_day_that_is_not_a_date_is_an_error_not_a_guess() -> None:
    with pytest.raises(ValueError, match="Invalid isoformat"):
        environment("ru").from_string("{{ 'next week'|day }}").render()
