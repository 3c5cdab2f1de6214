"""Words to stems for the knowledge base on SQLite: inflections meet, common words go."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from escalada.domain.stemming import stems, words_of


def test_inflections_share_a_stem_in_either_language() -> None:
    assert stems("сбой сбоя сбоями") == ["сбо", "сбо", "сбо"]
    assert stems("Failover failovers") == ["failov", "failov"]


def test_common_words_of_either_language_are_left_out_wherever_they_stand() -> None:
    assert stems("The failover of the queue и сбой после переключения") == [
        "failov", "queue", "сбо", "переключен"]
    assert stems("ещё и the") == []  # ё is read as е, so "ещё" is the listed "еще"
    assert words_of("ещё и the") == ["еще", "и", "the"]


@given(st.integers(min_value=0, max_value=10**30))
def test_a_number_is_its_own_stem_as_snowball_stems_it(number: int) -> None:
    import snowballstemmer

    digits = str(number)
    assert stems(f"error {digits}") == ["error", digits]
    assert snowballstemmer.stemmer("english").stemWord(digits) == digits


def test_a_digit_of_another_script_is_stemmed_as_a_word() -> None:
    assert stems("ошибка ٣") == ["ошибк", "٣"]
