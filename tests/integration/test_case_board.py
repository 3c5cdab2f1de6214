"""The case board on real SQLite and PostgreSQL: pages that cover every case once (cases
opened between pages included), the filters and orders it offers, the next SLA due time
each case keeps, and the errors for a bad limit, sort or cursor."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from case_support import open_case
from examples import ADMIN, ANA, MARIA

from escalada.adapters.db.tables import VendorCaseRow
from escalada.domain.errors import InvalidInput, NotFound
from escalada.services import cases, people
from escalada.services.case_board import list_page
from escalada.services.context import Context
from escalada.services.escalations import acknowledge, escalate
from escalada.services.paging import every_item
from escalada.testing import FakeClock


def all_pages(ctx: Context, **query: Any) -> list[list[str]]:
    """The ids of each page, following the cursors to the end."""
    pages, cursor = [], None
    while True:
        page = list_page(ctx=ctx, cursor=cursor, **query)
        pages.append([case.id for case in page.items])
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor


def open_cases(ctx: Context, clock: FakeClock, count: int, **fields: Any) -> list[str]:
    """`count` cases of acme (added with the first), a minute apart."""
    opened = []
    for n in range(count):
        clock.advance(minutes=1)
        opened.append(open_case(ctx, new_account=not opened and fields.get("account") is None,
                                title=f"case {n}", **fields).snapshot.id)
    return opened


# Paging


def test_pages_cover_every_case_once_in_number_order(ctx: Context, clock: FakeClock) -> None:
    opened = open_cases(ctx, clock, 7)

    pages = all_pages(ctx, limit=3)

    assert pages == [opened[0:3], opened[3:6], opened[6:7]]


def test_a_last_page_that_is_exactly_full_says_there_is_no_next(
    ctx: Context, clock: FakeClock,
) -> None:
    open_cases(ctx, clock, 4)

    page = list_page(ctx=ctx, limit=2, cursor=list_page(ctx=ctx, limit=2).next_cursor)

    assert (len(page.items), page.next_cursor) == (2, None)


def test_cases_opened_between_pages_are_listed_once_and_nothing_twice(
    ctx: Context, clock: FakeClock,
) -> None:
    opened = open_cases(ctx, clock, 5)
    seen: list[str] = []
    page = list_page(ctx=ctx, limit=2)
    while True:
        seen += [case.id for case in page.items]
        if page.next_cursor is None:
            break
        opened.append(open_case(ctx, new_account=False, title="meanwhile").snapshot.id)
        page = list_page(ctx=ctx, limit=2, cursor=page.next_cursor)

    assert seen == opened


def test_every_case_streams_all_pages(ctx: Context, clock: FakeClock) -> None:
    opened = open_cases(ctx, clock, 5)

    assert [case.id for case in every_item(list_page, ctx=ctx, limit=2)] == opened
    assert [case.id for case in list_page(ctx=ctx).items] == opened


# Orders


def test_sla_due_puts_the_soonest_due_first_and_cases_with_no_clock_running_last(
    ctx: Context, clock: FakeClock,
) -> None:
    first, second, third, paused, resolved = open_cases(ctx, clock, 5)
    cases.respond(ctx=ctx, actor=ANA, case_id=first)  # its next update: in 2 hours
    cases.pause(ctx=ctx, actor=ANA, case_id=paused)
    cases.resolve(ctx=ctx, actor=ANA, case_id=resolved)

    board = [case.id for case in every_item(list_page, ctx=ctx, sort="sla_due")]
    # Two cases per page: the due ones end inside a page, then the ones with none.
    pages = all_pages(ctx, sort="sla_due", limit=2)

    assert board == [second, third, first, paused, resolved]
    assert pages == [[second, third], [first, paused], [resolved]]


def test_sla_due_pages_continue_inside_the_cases_with_no_clock_running(
    ctx: Context, clock: FakeClock,
) -> None:
    opened = open_cases(ctx, clock, 4)
    for case_id in opened[1:]:
        cases.pause(ctx=ctx, actor=ANA, case_id=case_id)

    assert all_pages(ctx, sort="sla_due", limit=1) == [[case_id] for case_id in opened]


def test_updated_puts_the_latest_changed_first(ctx: Context, clock: FakeClock) -> None:
    first, second, third = open_cases(ctx, clock, 3)
    clock.advance(minutes=5)
    cases.respond(ctx=ctx, actor=ANA, case_id=first)

    assert all_pages(ctx, sort="updated", limit=2) == [[first, third], [second]]


# What each case keeps for the board


def test_a_case_keeps_its_next_sla_due_time_as_it_changes(
    ctx: Context, clock: FakeClock,
) -> None:
    [case_id] = open_cases(ctx, clock, 1)  # an enterprise P1: first response within 15 min
    opened_at = clock()

    def due() -> Any:
        [summary] = list_page(ctx=ctx).items
        return summary.sla_due_at

    assert due() == opened_at + timedelta(minutes=15)
    clock.advance(minutes=5)
    cases.respond(ctx=ctx, actor=ANA, case_id=case_id)  # then an update every 2 hours
    assert due() == clock() + timedelta(hours=2)
    cases.pause(ctx=ctx, actor=ANA, case_id=case_id)
    assert due() is None
    cases.resume(ctx=ctx, actor=ANA, case_id=case_id)
    assert due() is not None
    cases.resolve(ctx=ctx, actor=ANA, case_id=case_id)
    assert due() is None


# Filters


def test_filters_by_status_account_severity_tier_and_level(
    ctx: Context, clock: FakeClock,
) -> None:
    acme = open_cases(ctx, clock, 3)
    other = open_case(ctx, account="globex", name="Globex", severity="P3").snapshot.id
    cases.resolve(ctx=ctx, actor=ANA, case_id=acme[0])
    escalate(ctx=ctx, actor=ANA, case_id=acme[1], to="L2", reason="customer asked")

    def ids(**query: Any) -> list[str]:
        return [case.id for case in every_item(list_page, ctx=ctx, **query)]

    assert ids(status="open") == [acme[1], acme[2], other]
    assert ids(status="closed") == [acme[0]]
    assert ids(account="globex") == [other]
    assert ids(severity="P3") == [other]
    assert ids(level="L2") == [acme[1]]
    assert ids(tier="T1", status="open", account="acme") == [acme[1], acme[2]]


def test_filters_by_who_acknowledged_a_step_and_by_vendor(
    ctx: Context, clock: FakeClock,
) -> None:
    people.add_user(ctx=ctx, actor=None, name="admin", role="admin")
    people.add_user(ctx=ctx, actor=ADMIN, name="maria", role="support_manager")
    first, second = open_cases(ctx, clock, 2)
    escalate(ctx=ctx, actor=ANA, case_id=first, to="L2", reason="customer asked")
    acknowledge(ctx=ctx, actor=MARIA, case_id=first, step=1)
    with ctx.unit_of_work() as uow:
        uow.session.add(VendorCaseRow(
            case_number=2, vendor="aws", plan="business", vendor_case_id="v-1",
            severity="high", subject="s", status="opened", state="open", opened_at=clock(),
            opened_by="ana"))
        uow.session.commit()

    assert [case.id for case in every_item(list_page, ctx=ctx, owner="maria")] == [first]
    assert [case.id for case in every_item(list_page, ctx=ctx, owner="nobody")] == []
    assert [case.id for case in every_item(list_page, ctx=ctx, vendor="aws")] == [second]
    assert [case.id for case in every_item(list_page, ctx=ctx, vendor="gcp")] == []


def test_a_list_reads_no_pauses_steps_or_json(ctx: Context, clock: FakeClock) -> None:
    """The projection: only the columns a list prints, in one statement per page."""
    from sqlalchemy import event

    open_cases(ctx, clock, 3)
    statements: list[str] = []
    event.listen(ctx.engine, "before_cursor_execute",
                 lambda *args: statements.append(args[2]))

    list_page(ctx=ctx, status="open")

    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 1
    assert "pauses" not in reads[0] and "escalations" not in reads[0]
    assert "services" not in reads[0] and "flags" not in reads[0]


# Bad input


@pytest.mark.parametrize(("query", "field"), [
    ({"limit": 0}, "limit"), ({"limit": 501}, "limit"), ({"sort": "title"}, "sort"),
    ({"status": "lost"}, "status"), ({"severity": "P9"}, "severity"),
    ({"vendor": "ibm"}, "vendor"), ({"level": "L9"}, "level"), ({"tier": "T9"}, "tier"),
    ({"cursor": "not a cursor"}, "cursor"), ({"cursor": "eyJzb3J0IjoibnVtYmVyIn0"}, "cursor"),
    ({"colour": "red"}, "colour"),
])
def test_bad_input_is_refused_naming_the_field(
    ctx: Context, query: dict[str, Any], field: str,
) -> None:
    with pytest.raises(InvalidInput) as refused:
        list_page(ctx=ctx, **query)

    assert [problem[0] for problem in refused.value.problems] == [field]


def test_a_cursor_of_another_sort_is_refused(ctx: Context, clock: FakeClock) -> None:
    open_cases(ctx, clock, 3)
    cursor = list_page(ctx=ctx, limit=1, sort="updated").next_cursor

    with pytest.raises(InvalidInput, match="cursor: belongs to sort=updated"):
        list_page(ctx=ctx, limit=1, sort="number", cursor=cursor)


def test_a_cursor_with_a_number_no_case_can_have_is_refused(ctx: Context) -> None:
    import base64

    forged = base64.urlsafe_b64encode(b'{"sort":"number","after":[99999999999999999999]}')

    with pytest.raises(InvalidInput, match="cursor"):
        list_page(ctx=ctx, cursor=forged.decode())


def test_an_unknown_account_is_not_found(ctx: Context) -> None:
    with pytest.raises(NotFound, match="nowhere"):
        list_page(ctx=ctx, account="nowhere")


def test_the_migration_works_out_the_due_times_of_cases_already_open(
    ctx: Context, clock: FakeClock,
) -> None:
    """Migration 0012 gives each open case the due time timer planning would give it."""
    from alembic import command
    from alembic.config import Config

    from escalada.adapters.db.database import upgrade

    opened = open_cases(ctx, clock, 4)
    cases.respond(ctx=ctx, actor=ANA, case_id=opened[0])
    cases.pause(ctx=ctx, actor=ANA, case_id=opened[1])
    cases.resolve(ctx=ctx, actor=ANA, case_id=opened[2])
    planned = {case.id: case.sla_due_at for case in every_item(list_page, ctx=ctx)}
    config = Config()
    config.set_main_option("script_location", "escalada.adapters.db:migrations")
    with ctx.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0011")

    upgrade(ctx.engine)

    assert {case.id: case.sla_due_at for case in every_item(list_page, ctx=ctx)} == planned
    assert [due is None for due in planned.values()] == [False, True, True, False]
