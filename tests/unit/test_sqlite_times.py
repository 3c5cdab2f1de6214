"""A time bound to a SQLite column (types.UtcDateTime, plain.Reader.time) is the text
SQLAlchemy's own DATETIME writes, so that stored times compare as text and read back
the same, whatever the offset it came with."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import DateTime
from sqlalchemy.dialects import postgresql, sqlite

from escalada.adapters.db.plain import Reader, utc
from escalada.adapters.db.types import UtcDateTime

_SQLITE = sqlite.dialect()
_SQLALCHEMYS = DateTime().dialect_impl(_SQLITE).bind_processor(_SQLITE)
_OURS = UtcDateTime().dialect_impl(_SQLITE).bind_processor(_SQLITE)
_READER = Reader(lambda sql, values: [], "sqlite")

moments = st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9998, 12, 30),
                       timezones=st.builds(lambda minutes: timezone(timedelta(minutes=minutes)),
                                           st.integers(-14 * 60, 14 * 60)))


@given(moments)
def test_a_bound_time_is_the_text_sqlalchemy_keeps(moment: datetime) -> None:
    assert _SQLALCHEMYS is not None and _OURS is not None
    expected = _SQLALCHEMYS(moment.astimezone(UTC).replace(tzinfo=None))
    assert _OURS(moment) == expected
    assert _READER.time(moment) == expected
    assert utc(expected) == moment


def test_none_stays_none_and_a_naive_time_is_refused() -> None:
    assert _OURS is not None
    assert _OURS(None) is None
    with pytest.raises(ValueError, match="naive datetime"):
        _OURS(datetime(2026, 12, 5, 4, 37))


def test_postgresql_binds_the_aware_time_itself() -> None:
    processor = UtcDateTime().bind_processor(postgresql.psycopg.dialect())
    moment = datetime(2026, 12, 5, 7, 37, tzinfo=timezone(timedelta(hours=3)))
    bound = processor(moment) if processor else UtcDateTime().process_bind_param(
        moment, postgresql.psycopg.dialect())
    assert bound == moment and bound.tzinfo == UTC
