"""The language of a customer's text, by a real detector (lingua) restricted to the
languages escalada writes in, so that short texts are not taken for a third one."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from escalada.domain.model import Language

if TYPE_CHECKING:
    from lingua import LanguageDetector

_OURS = {"ENGLISH": Language.EN, "RUSSIAN": Language.RU}


@cache
def _detector() -> LanguageDetector:
    from lingua import Language as Lingua
    from lingua import LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(Lingua.ENGLISH, Lingua.RUSSIAN).build()


def main_language(text: str) -> Language | None:
    """The language most of the text's letters are in ("Добрый день! Getting error 500
    on the API" is English); None when it has no letters to tell by."""
    letters: dict[Language, int] = {}
    for segment in _detector().detect_multiple_languages_of(text):
        ours = _OURS[segment.language.name]
        part = text[segment.start_index:segment.end_index]
        letters[ours] = letters.get(ours, 0) + sum(char.isalpha() for char in part)
    if not letters or max(letters.values()) == 0:
        return None
    return max(letters, key=lambda language: letters[language])
