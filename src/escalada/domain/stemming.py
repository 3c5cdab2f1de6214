"""Words to Snowball stems, for the knowledge base's full-text search on SQLite (where
the database has no Russian morphology): "сбой", "сбоя" and "сбоями" all become "сбо",
"failover" and "failovers" "failov". A Cyrillic word takes the Russian stemmer and a
Latin one the English stemmer, whatever the text's language ("сбой RDS при failover"),
which is what PostgreSQL's `russian` configuration does too. Common words (the
Snowball stop-words of either language, domain.stop_words) are left out, as PostgreSQL
leaves them out."""

from __future__ import annotations

import re
import threading
from functools import cache, lru_cache
from typing import Any

from escalada.domain.stop_words import STOP_WORDS

_WORD = re.compile(r"[^\W_]+")
_CYRILLIC = re.compile(r"[а-яё]")


# A Snowball stemmer keeps the word it is working on: one thread at a time uses it.
_STEMMING = threading.Lock()


@cache
def _stemmer(language: str) -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer(language)


@lru_cache(maxsize=16_384)
def _stem(word: str) -> str:
    # Remembered: opening a case stems its title's words for the knowledge base's
    # search, the same few thousand words again and again.
    stemmer = _stemmer("russian" if _CYRILLIC.search(word) else "english")
    with _STEMMING:
        return str(stemmer.stemWord(word))


def stems(text: str) -> list[str]:
    """The stems of the words of `text` but the common ones, in order, lowercased (ё
    read as е)."""
    # A number (an error code, a ticket's) is its own stem, and seldom the same twice:
    # neither stemmed nor remembered.
    return [word if word.isdigit() and word.isascii() else _stem(word)
            for word in words_of(text) if word not in STOP_WORDS]


def words_of(text: str) -> list[str]:
    """The words of `text`, lowercased, ё read as е (stop-words among them)."""
    return _WORD.findall(text.lower().replace("ё", "е"))
