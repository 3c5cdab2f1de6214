"""Every list pages the case board's way (services.paging) on real SQLite and PostgreSQL:
pages that cover every entry once, entries added between pages listed once, filters run
in the database, and a bad limit or cursor refused naming its field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from case_support import open_case
from examples import ADMIN, ANA, LENA, MARIA

from escalada.adapters.db.tables import VendorCaseRow
from escalada.domain.errors import InvalidInput, NotFound
from escalada.services import cases
from escalada.services.account_health import enter_inputs, keep_score
from escalada.services.account_list import account_page, portfolio_page
from escalada.services.account_log import history_page
from escalada.services.accounts import add_account, update_account
from escalada.services.case_timeline import timeline_page
from escalada.services.context import Context
from escalada.services.escalations import acknowledge, escalate
from escalada.services.paging import Page
from escalada.services.people import add_user
from escalada.services.post_mortem import post_mortem_page, start_post_mortem
from escalada.services.vendor_views import vendor_case_page
from escalada.testing import FakeClock


def all_pages(read_page: Callable[..., Page[Any]], **query: Any) -> list[list[Any]]:
    """Each page's items, following the cursors to the end."""
    pages, cursor = [], None
    while True:
        page = read_page(cursor=cursor, **query)
        pages.append(page.items)
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor


def flagged(ctx: Context, clock: FakeClock, case_id: str, count: int) -> None:
    """`count` flags set on the case a minute apart: one timeline entry each."""
    for n in range(count):
        clock.advance(minutes=1)
        cases.set_flags(ctx=ctx, actor=ANA, case_id=case_id, flags=[f"flag_{n}"])


def renamed(ctx: Context, clock: FakeClock, count: int) -> None:
    for n in range(count):
        clock.advance(minutes=1)
        update_account(ctx=ctx, actor=ADMIN, account_id="acme", changes={"name": f"Acme {n}"})


# A case's timeline


def test_the_timeline_pages_oldest_first_and_covers_every_entry_once(
    ctx: Context, clock: FakeClock,
) -> None:
    case_id = open_case(ctx).snapshot.id
    flagged(ctx, clock, case_id, 5)
    whole = [entry.summary for entry in cases.case_timeline(ctx=ctx, case_id=case_id)]

    pages = all_pages(timeline_page, ctx=ctx, case_id=case_id, limit=2)

    assert [len(page) for page in pages][:-1] == [2] * (len(pages) - 1)
    assert [entry.summary for page in pages for entry in page] == whole
    assert len(whole) > 5


def test_entries_added_between_pages_are_listed_once(ctx: Context, clock: FakeClock) -> None:
    case_id = open_case(ctx).snapshot.id
    flagged(ctx, clock, case_id, 3)
    seen: list[str] = []
    page = timeline_page(ctx=ctx, case_id=case_id, kind="flag_set", limit=2)
    seen += [entry.summary for entry in page.items]
    cases.set_flags(ctx=ctx, actor=ANA, case_id=case_id, flags=["meanwhile"])
    while page.next_cursor is not None:
        page = timeline_page(ctx=ctx, case_id=case_id, kind="flag_set", limit=2,
                             cursor=page.next_cursor)
        seen += [entry.summary for entry in page.items]

    assert len(seen) == 4 and len(set(seen)) == 4
    assert "meanwhile" in seen[-1]


def test_the_timeline_filters_by_kind_and_since(ctx: Context, clock: FakeClock) -> None:
    case_id = open_case(ctx).snapshot.id
    flagged(ctx, clock, case_id, 3)
    second_flag = clock() - timedelta(minutes=1, seconds=1)

    by_kind = timeline_page(ctx=ctx, case_id=case_id, kind="flag_set").items
    since = timeline_page(ctx=ctx, case_id=case_id, since=second_flag).items

    assert [e.kind for e in by_kind] == ["flag_set"] * 3
    assert all(e.at >= second_flag for e in since) and since
    assert "flag_2" in since[-1].summary and not any("flag_0" in e.summary for e in since)


def test_an_unknown_case_is_not_found_not_an_empty_page(ctx: Context) -> None:
    with pytest.raises(NotFound, match="CASE-999"):
        timeline_page(ctx=ctx, case_id="CASE-999")


@pytest.mark.parametrize(("query", "field"), [
    ({"limit": 0}, "limit"), ({"limit": 501}, "limit"), ({"cursor": "not-a-cursor"}, "cursor"),
    ({"since": "yesterday"}, "since"), ({"colour": "red"}, "colour"),
])
def test_a_bad_query_is_refused_naming_its_field(
    ctx: Context, query: dict[str, Any], field: str,
) -> None:
    case_id = open_case(ctx).snapshot.id

    with pytest.raises(InvalidInput) as refused:
        timeline_page(ctx=ctx, case_id=case_id, **query)

    assert [name for name, _ in refused.value.problems] == [field]


def test_a_cursor_of_another_list_is_refused(ctx: Context, clock: FakeClock) -> None:
    case_id = open_case(ctx).snapshot.id
    renamed(ctx, clock, 2)
    cursor = history_page(ctx=ctx, account_id="acme", limit=1).next_cursor

    with pytest.raises(InvalidInput, match="cursor: belongs to sort=account_history"):
        timeline_page(ctx=ctx, case_id=case_id, cursor=cursor)


# An account's history


def test_the_account_history_pages_and_filters(ctx: Context, clock: FakeClock) -> None:
    open_case(ctx)
    renamed(ctx, clock, 3)

    pages = all_pages(history_page, ctx=ctx, account_id="acme", limit=2)
    updates = history_page(ctx=ctx, account_id="acme", kind="account_updated").items

    assert [[e.kind for e in page] for page in pages] == [
        ["account_added", "account_updated"], ["account_updated", "account_updated"]]
    assert [e.summary.rsplit(" ", 1)[-1] for e in updates] == ["0", "1", "2"]


# Accounts and the portfolio


POOR = {"nps": -80, "communication_quality": 1, "proactive_outreach": 0, "qbr_attendance": 0,
        "product_feedback": 0, "advocacy": 0, "reopen_rate": "0.3"}


def portfolio_of_three(ctx: Context, clock: FakeClock) -> None:
    """acme (good, then critical: trending down, an L1 escalation open), globex (good),
    initech (strategic, no score kept)."""
    open_case(ctx, name="Acme Corp")
    add_account(ctx=ctx, actor=ADMIN, id="globex", name="Globex", tier="enterprise",
                support_plan="business")
    add_account(ctx=ctx, actor=ADMIN, id="initech", name="Initech", tier="strategic",
                support_plan="enterprise")
    for account in ("acme", "globex"):
        enter_inputs(ctx=ctx, actor=LENA, account_id=account, values={"nps": 60, "advocacy": 9})
        keep_score(ctx=ctx, actor=ANA, account_id=account)
    clock.advance(days=1)
    enter_inputs(ctx=ctx, actor=LENA, account_id="acme", values=POOR)
    keep_score(ctx=ctx, actor=ANA, account_id="acme")
    escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="L1", reason="customer asked")


def test_accounts_by_health_worst_first_carry_their_standing_across_pages(
    ctx: Context, clock: FakeClock,
) -> None:
    portfolio_of_three(ctx, clock)

    pages = all_pages(account_page, ctx=ctx, sort="health", limit=1)
    acme = pages[0][0]

    assert [[a.id for a in page] for page in pages] == [["acme"], ["globex"], ["initech"]]
    assert (acme.health_band, acme.health_trend, acme.open_escalations) == (
        "critical", "down", 1)
    assert acme.last_escalation_at is not None and acme.name == "Acme Corp"
    assert (pages[2][0].health_band, pages[2][0].health_trend) == (None, None)


def test_accounts_filter_by_name_tier_plan_and_band(ctx: Context, clock: FakeClock) -> None:
    portfolio_of_three(ctx, clock)

    def ids(**query: Any) -> list[str]:
        return [a.id for a in account_page(ctx=ctx, **query).items]

    assert ids(name="GLOB") == ["globex"] and ids(name="nitec") == ["initech"]
    assert ids(name="%") == [] and ids(name="_") == []
    assert ids(tier="strategic") == ["initech"]
    assert ids(support_plan="business") == ["globex"]
    assert ids(band="critical") == ["acme"] and ids(band="excellent") == []
    assert ids(sort="name", limit=2) == ["acme", "globex"]


def test_an_unknown_band_tier_or_sort_is_refused_naming_it(ctx: Context) -> None:
    for query, field in (({"band": "ok"}, "band"), ({"tier": "gold"}, "tier"),
                         ({"sort": "mood"}, "sort"), ({"limit": 0}, "limit")):
        with pytest.raises(InvalidInput) as refused:
            account_page(ctx=ctx, **query)

        assert [name for name, _ in refused.value.problems] == [field]


def test_the_portfolio_pages_the_same_accounts_by_health(ctx: Context, clock: FakeClock) -> None:
    portfolio_of_three(ctx, clock)

    pages = all_pages(portfolio_page, ctx=ctx, actor=ANA, limit=2)

    assert [[e.account for e in page] for page in pages] == [["acme", "globex"], ["initech"]]
    assert (pages[0][0].band, pages[0][0].trend, pages[0][0].open_escalations) == (
        "critical", "down", 1)


# Post-mortems


def test_post_mortems_page_by_due_time_those_without_one_last(ctx: Context) -> None:
    add_user(ctx=ctx, actor=None, name="admin", role="admin")
    add_user(ctx=ctx, actor=ADMIN, name="maria", role="support_manager")
    due = open_case(ctx).snapshot.id
    escalate(ctx=ctx, actor=ANA, case_id=due, to="L2", reason="CTO asked")
    acknowledge(ctx=ctx, actor=MARIA, case_id=due, step=1)
    cases.resolve(ctx=ctx, actor=ANA, case_id=due)
    started = []
    for _ in range(3):
        case_id = open_case(ctx, new_account=False).snapshot.id
        cases.resolve(ctx=ctx, actor=ANA, case_id=case_id)
        start_post_mortem(ctx=ctx, actor=ANA, case_id=case_id)
        started.append(case_id)

    pages = all_pages(post_mortem_page, ctx=ctx, limit=2)

    assert [[item.case for item in page] for page in pages] == [
        [due, started[0]], started[1:]]
    assert [i.case for i in post_mortem_page(ctx=ctx, status="open").items] == started
    assert [i.case for i in post_mortem_page(ctx=ctx, status="due").items] == [due]
    assert post_mortem_page(ctx=ctx, account="acme", status="completed").items == []
    with pytest.raises(NotFound, match="nobody"):
        post_mortem_page(ctx=ctx, account="nobody")


# Vendor cases


def test_a_cases_vendor_cases_page_in_the_order_opened_and_filter(
    ctx: Context, clock: FakeClock,
) -> None:
    case_id = open_case(ctx).snapshot.id
    with ctx.unit_of_work() as uow:
        for n, (vendor, state) in enumerate((("aws", "open"), ("azure", "closed"),
                                             ("aws", "resolved"))):
            uow.session.add(VendorCaseRow(
                case_number=1, vendor=vendor, plan="business", vendor_case_id=f"v-{n}",
                severity="high", subject="s", status="opened", state=state, opened_at=clock(),
                opened_by="ana"))
        uow.session.commit()

    pages = all_pages(vendor_case_page, ctx=ctx, case_id=case_id, limit=2)

    assert [[v.vendor_case_id for v in page] for page in pages] == [["v-0", "v-1"], ["v-2"]]
    assert [v.vendor_case_id for v in vendor_case_page(
        ctx=ctx, case_id=case_id, vendor="aws").items] == ["v-0", "v-2"]
    assert [v.vendor_case_id for v in vendor_case_page(
        ctx=ctx, case_id=case_id, state="closed").items] == ["v-1"]
    with pytest.raises(InvalidInput, match="vendor"):
        vendor_case_page(ctx=ctx, case_id=case_id, vendor="ibm")
