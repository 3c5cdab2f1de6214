"""Words to stems for the knowledge base on SQLite: inflections meet, common words go."""

from __future__ import annotations

from escalada.domain.stemming import stems, words_of


def test_inflections_share_a_stem_in_either_language() -> None:
    assert stems("сбой сбоя сбоями") == ["сбо", "сбо", "сбо"]
    assert stems("Failover failovers") == ["failov", "failov"]


def test_common_words_of_either_language_are_left_out_wherever_they_stand() -> None:
    assert stems("The failover of the queue и сбой после переключения") == [
        "failov", "queue", "сбо", "переключен"]
    assert stems("ещё и the") == []  # ё is read as е, so "ещё" is the listed "еще"
    assert words_of("ещё и the") == ["еще", "и", "the"]
