"""The shared paging helper without a database: a cursor names its list's order and the
last item's key, checked part by part on the way back; memory_page pages a ranked list the
same way; every_item follows the cursors to the end."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from escalada.domain.errors import InvalidInput
from escalada.services.paging import (
    Page,
    PageQuery,
    containing,
    decode,
    encode,
    every_item,
    memory_page,
    validated,
)

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def test_a_cursor_gives_back_the_key_it_was_made_of() -> None:
    key = [NOW, 7, "acme", Decimal("12.50"), 0.25, True, None]
    cursor = encode("mixed", key)

    assert decode(cursor, "mixed", ("time", "int", "text", "decimal", "float", "bool",
                                    "time?")) == key
    assert decode(None, "mixed", ("int",)) is None


@pytest.mark.parametrize(("key", "parts"), [
    (["7"], ("int",)),                    # a number as text
    ([-1], ("int",)),                     # below any id
    ([2**63], ("int",)),                  # past any id
    (["2026-11-26T10:00:00"], ("time",)),  # no offset
    (["yesterday"], ("time",)),
    ([None], ("time",)),                  # null where the part may not be
    (["NaN"], ("decimal",)),
    ([True], ("float",)),
    ([1, 2], ("int",)),                   # too many parts
])
def test_a_key_of_the_wrong_shape_is_refused_naming_the_cursor(
    key: list[Any], parts: tuple[Any, ...],
) -> None:
    with pytest.raises(InvalidInput) as refused:
        decode(encode("order", key), "order", parts)

    assert refused.value.problems == [
        ("cursor", "is not a cursor this list gave; ask for the first page again")]


def test_garbage_and_another_lists_cursor_are_refused() -> None:
    with pytest.raises(InvalidInput, match="cursor: is not a cursor"):
        decode("not base64 json", "order", ("int",))
    with pytest.raises(InvalidInput, match="cursor: belongs to sort=timeline, not sort=order"):
        decode(encode("timeline", [3]), "order", ("int",))


def test_a_query_out_of_bounds_is_refused_naming_each_field() -> None:
    with pytest.raises(InvalidInput) as refused:
        validated(PageQuery, {"limit": 501, "cursor": "x" * 401, "colour": "red"})

    assert sorted(field for field, _ in refused.value.problems) == ["colour", "cursor", "limit"]
    assert validated(PageQuery, {}).limit == 50


def test_memory_pages_follow_each_other_to_the_end_without_repeats() -> None:
    ranked = [("a", 0.9), ("b", 0.9), ("c", 0.5), ("d", 0.1)]  # best first, ties by name

    def page(cursor: str | None) -> Page[tuple[str, float]]:
        return memory_page(ranked, "rank", ("float", "text"), PageQuery(limit=3, cursor=cursor),
                           lambda item: [-item[1], item[0]])

    first = page(None)
    second = page(first.next_cursor)

    assert [name for name, _ in first.items] == ["a", "b", "c"] and first.next_cursor
    assert [name for name, _ in second.items] == ["d"] and second.next_cursor is None


def test_every_item_reads_page_after_page() -> None:
    numbers = list(range(7))

    def read_page(limit: int, cursor: str | None = None) -> Page[int]:
        return memory_page(numbers, "n", ("int",), PageQuery(limit=limit, cursor=cursor),
                           lambda n: [n])

    assert list(every_item(read_page, limit=3)) == numbers


def test_containing_takes_like_wildcards_literally() -> None:
    assert containing("50%_Off\\") == "%50\\%\\_off\\\\%"
