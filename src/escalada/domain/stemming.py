"""Words to Snowball stems, for the knowledge base's full-text search on SQLite (where
the database has no Russian morphology): "сбой", "сбоя" and "сбоями" all become "сбо",
"failover" and "failovers" "failov". A Cyrillic word takes the Russian stemmer and a
Latin one the English stemmer, whatever the text's language ("сбой RDS при failover"),
which is what PostgreSQL's `russian` configuration does too."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

_WORD = re.compile(r"[^\W_]+")
_CYRILLIC = re.compile(r"[а-яё]")


@cache
def _stemmer(language: str) -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer(language)


def stems(text: str) -> list[str]:
    """The stems of the words of `text`, in order, lowercased (ё read as е)."""
    words = _WORD.findall(text.lower().replace("ё", "е"))
    return [_stemmer("russian" if _CYRILLIC.search(word) else "english").stemWord(word)
            for word in words]
