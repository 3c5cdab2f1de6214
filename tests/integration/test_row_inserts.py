"""adapters.db.inserts: rows inserted as the driver's statement are the rows SQLAlchemy
Core inserts (times in UTC, JSON, exact money, the columns' defaults), on SQLite and
PostgreSQL; what they return comes back as Python values; a failure is SQLAlchemy's
error, and nothing of a failed executemany stays once its transaction rolls back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, cast

import pytest
from sqlalchemy import Engine, Table, event, insert, select
from sqlalchemy.exc import IntegrityError

from escalada.adapters.db.database import make_engine
from escalada.adapters.db.inserts import RowInsert
from escalada.adapters.db.tables import AccountRow, CaseRow, TimerRow
from escalada.testing import count_statements

CASES = cast(Table, CaseRow.__table__)
TIMERS = cast(Table, TimerRow.__table__)
OPENED = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=3)))


@pytest.fixture
def engine(database_url: str) -> Engine:
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(insert(AccountRow), [{
            "id": "acme", "name": "Acme", "tier": "enterprise", "support_plan": "enterprise",
            "timezone": "Europe/Moscow", "language": "ru", "created_at": OPENED}])
    return engine


def case(title: str, **more: Any) -> dict[str, Any]:
    return {"account_id": "acme", "title": title, "severity": "P1", "status": "new",
            "tier": "T1", "opened_at": OPENED, "services": ["compute", "база"],
            "flags": [], "revenue_impact_usd": Decimal("1234.56"),
            "business_impact_usd": Decimal("0.01"), "escalating_contact_level": "staff",
            "policy_version": "p1", "updated_at": OPENED, **more}


def test_a_row_is_what_sqlalchemy_core_writes_and_returns_what_the_database_filled(
        engine: Engine) -> None:
    given = case("Диск отвалился", contact_title="CTO")
    with engine.begin() as connection:
        core = connection.execute(insert(CASES).returning(CASES.c.number), given).scalar_one()
        ours = RowInsert(CASES, returning=["number", "vendor_events", "version",
                                           "first_response_at", "regions"])
        (returned,) = ours.run(connection, [case("Диск отвалился", contact_title="CTO")])
        number, vendor_events, version, responded, regions = returned
        assert (vendor_events, version, responded, regions) == ([], 1, None, [])
        assert number == core + 1
        rows = connection.execute(select(CASES).where(CASES.c.number.in_([core, number]))
                                  .order_by(CASES.c.number)).mappings().all()
    assert {**rows[0], "number": None} == {**rows[1], "number": None}
    assert rows[1]["opened_at"] == OPENED and rows[1]["opened_at"].tzinfo == UTC
    assert rows[1]["services"] == ["compute", "база"]
    assert rows[1]["revenue_impact_usd"] == Decimal("1234.56")


def test_many_rows_are_one_statement(engine: Engine) -> None:
    with engine.begin() as connection:
        (number,) = RowInsert(CASES, returning=["number"]).run(connection, [case("one")])[0]
        rows = [{"case_number": number, "kind": "sla_warning", "key": f"k{n}",
                 "generation": 1, "due_at": OPENED + timedelta(minutes=n),
                 "available_at": OPENED + timedelta(minutes=n), "state": "pending",
                 "attempts": 0, "payload": {"n": n, "слово": "да"}, "created_at": OPENED}
                for n in range(5)]
        with count_statements(engine) as statements:
            assert RowInsert(TIMERS).run(connection, rows) == []
        assert statements.count == 1, statements
        kept = connection.execute(select(TIMERS.c.key, TIMERS.c.due_at, TIMERS.c.payload)
                                  .order_by(TIMERS.c.id)).all()
    assert [tuple(row) for row in kept] == [
        (f"k{n}", OPENED + timedelta(minutes=n), {"n": n, "слово": "да"}) for n in range(5)]
    assert RowInsert(TIMERS).run(connection, []) == []  # nothing to insert: no statement


def test_a_failed_insert_is_sqlalchemys_error_and_leaves_nothing(engine: Engine) -> None:
    rows = [case("kept"), case("no such account") | {"account_id": "nobody"}]
    with pytest.raises(IntegrityError, match=r"(?i)foreign key"), engine.begin() as connection:
        RowInsert(CASES).run(connection, rows)
    with engine.connect() as connection:
        assert connection.execute(select(CASES.c.number)).all() == []


def test_a_failure_goes_through_the_engines_error_handling(engine: Engine) -> None:
    seen: list[BaseException] = []
    event.listen(engine, "handle_error", lambda context: seen.append(
        context.original_exception))
    with pytest.raises(IntegrityError, match=r"(?i)unique|duplicate"), \
            engine.begin() as connection:
        (number,) = RowInsert(CASES, returning=["number"]).run(connection, [case("one")])[0]
        RowInsert(CASES).run(connection, [case("two", number=number)])
    (error,) = seen  # the driver's own error, handed to the engine's handlers
    assert isinstance(error, engine.dialect.loaded_dbapi.IntegrityError)


def test_outside_a_transaction_it_begins_one_as_sqlalchemy_would(engine: Engine) -> None:
    with engine.connect() as connection:
        RowInsert(CASES).run(connection, [case("rolled back")])
        assert connection.in_transaction()
        connection.rollback()
        assert connection.execute(select(CASES.c.number)).all() == []


def test_only_one_rows_insert_returns(engine: Engine) -> None:
    with pytest.raises(ValueError, match="one row's INSERT only"), \
            engine.begin() as connection:
        RowInsert(CASES, returning=["number"]).run(connection, [case("a"), case("b")])


def test_a_naive_time_is_refused_before_anything_is_sent(engine: Engine) -> None:
    with count_statements(engine) as sent, pytest.raises(ValueError, match="naive datetime"), \
            engine.begin() as connection:
        RowInsert(CASES).run(connection, [case("naive", opened_at=datetime(2026, 3, 2))])
    assert not any(sql.startswith("INSERT") for sql in sent.sql), sent
