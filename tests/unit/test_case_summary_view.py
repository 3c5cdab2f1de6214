"""A board line is built without pydantic's `model_construct` (services.case_board._summary,
for speed): it must be the very view `model_construct` builds, so that a pydantic whose
models keep other state fails here rather than in a page."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from escalada.services.case_board import _COLUMNS, CaseSummaryView, _summary

OPENED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
DUE = datetime(2026, 3, 2, 13, 30, tzinfo=UTC)


def _row(due: datetime | None, level: str | None) -> tuple[Any, ...]:
    return (1042, "acme", "Checkout fails", "P1", "investigating", "T2", level, OPENED,
            Decimal("2500.00"), due, DUE)


def _constructed(row: tuple[Any, ...]) -> CaseSummaryView:
    number, account, title, severity, status, tier, level, opened, revenue, due, updated = row
    return CaseSummaryView.model_construct(
        id=f"CASE-{number}", account=account, title=title, severity=severity, status=status,
        tier=tier, exec_level=level, opened_at=opened, revenue_impact_usd=revenue,
        sla_due_at=due, updated_at=updated)


@pytest.mark.parametrize(("due", "level"), [(DUE, "L2"), (None, None)])
def test_a_line_is_the_view_model_construct_builds(due: datetime | None,
                                                   level: str | None) -> None:
    built, expected = _summary(_row(due, level)), _constructed(_row(due, level))
    assert built == expected
    assert built.model_fields_set == expected.model_fields_set
    assert built.model_dump_json(by_alias=True) == expected.model_dump_json(by_alias=True)
    assert repr(built) == repr(expected)
    assert hash(built) == hash(expected)


def test_a_line_reads_every_listed_column_in_order() -> None:
    assert len(_COLUMNS) == len(CaseSummaryView.model_fields)


def test_a_line_stays_frozen() -> None:
    line = _summary(_row(DUE, None))
    with pytest.raises(ValidationError, match="frozen"):
        line.title = "Changed"  # type: ignore[misc]


def test_a_pages_json_is_what_pydantic_writes_for_its_lines() -> None:
    """The board's page writes its JSON with orjson (api/board.py): byte for byte what
    CaseSummaryView's own serialisation writes, for times with and without microseconds,
    money whole and in cents, no due time, and titles with quotes, escapes and Cyrillic."""
    from pydantic import TypeAdapter

    from escalada.entrypoints.api.board import page_json

    lines = [_summary(_row(DUE, "L2")), _summary(_row(None, None))]
    for number, (title, revenue) in enumerate((
            ('He said "stop" \\ then\ttab\nnewline\x01', Decimal("0.10")),
            ("Сбой репликации — 100% ✓", Decimal("1234567890123.45")),
            ("</script>\u2028", Decimal("0.00")))):
        lines.append(_summary((number, "acme.eu_2", title, "P4", "new", "T1", None,
                               OPENED.replace(microsecond=123456), revenue,
                               DUE.replace(microsecond=1), DUE)))
    assert page_json(lines) == TypeAdapter(list[CaseSummaryView]).dump_json(lines)
    assert page_json([]) == b"[]"


def test_a_page_refuses_a_value_json_has_no_form_for() -> None:
    from escalada.entrypoints.api.board import page_json

    line = _summary(_row(DUE, None))
    object.__setattr__(line, "__dict__", {**line.__dict__, "title": {1, 2}})
    with pytest.raises(TypeError, match="set"):
        page_json([line])
