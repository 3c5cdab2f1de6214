"""The board: open escalations, the closest to breach first, with live SLA countdowns.

`/board` is the page (counts by technical tier and executive level, the filters, the
first rows); `/board/rows` is the rows alone, which the page asks for again every few
seconds (htmx) so it changes without a reload. Rows come a page at a time from
services.case_board (keyset paging on the SLA-due index), filtered in the database, so
10,000 open cases cost what 50 do. Each countdown ticks in the browser from the due time
and the server's `now`; the next poll corrects it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from escalada.adapters.catalogs import translations
from escalada.adapters.vendors import VENDORS
from escalada.domain.model import ExecLevel, Severity, Tier
from escalada.domain.sla import WindowShare
from escalada.domain.validation import invalid_input
from escalada.entrypoints.web.rendering import render
from escalada.entrypoints.web.session import ConsoleUser, CsrfChecked, context_of, language_of
from escalada.services import case_board, cases
from escalada.services.account_list import account_page
from escalada.services.authz import allowed, can_read, can_work_cases
from escalada.services.board_summary import open_counts
from escalada.services.case_board import CaseSummaryView
from escalada.services.context import Actor
from escalada.services.incidents import open_incidents_on
from escalada.services.paging import every_item
from escalada.services.vendor_health_views import open_reports

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
POLL_SECONDS = 5
AMBER, RED = 0.5, 0.9  # shares of the SLA window consumed


class BoardFilters(BaseModel):
    """The board's filters as the form sends them (an empty field: no filter)."""

    model_config = ConfigDict(extra="ignore")

    account: str | None = Field(default=None, max_length=64)
    severity: Severity | None = None
    owner: str | None = Field(default=None, max_length=100)
    vendor: str | None = None
    tier: Tier | None = None
    level: ExecLevel | None = None
    cursor: str | None = Field(default=None, max_length=400)

    def query(self) -> dict[str, Any]:
        return {name: value for name, value in self.model_dump().items()
                if value not in (None, "")}


def _filters(
    account: Annotated[str | None, Query(max_length=64)] = None,
    severity: Annotated[str | None, Query(max_length=10)] = None,
    owner: Annotated[str | None, Query(max_length=100)] = None,
    vendor: Annotated[str | None, Query(max_length=20)] = None,
    tier: Annotated[str | None, Query(max_length=10)] = None,
    level: Annotated[str | None, Query(max_length=10)] = None,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
) -> BoardFilters:
    given = {"account": account, "severity": severity, "owner": owner, "vendor": vendor,
             "tier": tier, "level": level, "cursor": cursor}
    try:
        return BoardFilters.model_validate(
            {name: value.strip() for name, value in given.items() if value and value.strip()})
    except ValidationError as error:
        raise invalid_input(error) from error


Filters = Annotated[BoardFilters, Depends(_filters)]


@dataclass(frozen=True)
class BoardRow:
    """A case as the board shows it, with how much of its SLA window is consumed (on the
    calendar its clock runs on) and how fast that grows now (0 outside business hours)."""

    case: CaseSummaryView
    window: WindowShare | None  # None: no clock runs

    @property
    def share(self) -> float | None:
        return None if self.window is None else self.window.share

    @property
    def per_second(self) -> float:
        return 0.0 if self.window is None else self.window.per_second

    @property
    def state(self) -> str:
        if self.share is None:
            return "none"
        if self.share >= 1:
            return "breached"
        return "red" if self.share >= RED else "amber" if self.share >= AMBER else "ok"


def _rows(request: Request, user: Actor, filters: BoardFilters) -> dict[str, Any]:
    """The rows of the board's current page, and the counts by tier and level."""
    ctx = context_of(request)
    query = filters.query()
    page = case_board.list_page(ctx=ctx, status="open", sort="sla_due", limit=PAGE_SIZE,
                                **query)
    now = ctx.clock()
    windows = case_board.sla_windows(ctx=ctx, cases=page.items, now=now)
    reader = translations(language_of(request))
    reports = {ref: [line.render(reader) for line in lines] for ref, lines in
               open_reports(ctx=ctx, cases=[case.id for case in page.items]).items()}
    without_cursor = {k: v for k, v in query.items() if k != "cursor"}
    return {
        "counts": open_counts(ctx=ctx, actor=user), "tiers": list(Tier),
        "levels": list(ExecLevel), "chip_url": lambda **change: _chip_url(filters, change),
        "rows": [BoardRow(case, windows.get(case.id)) for case in page.items],
        "vendor_reports": reports,
        "incident_marks": open_incidents_on(ctx=ctx, cases=[case.id for case in page.items]),
        "now": now, "amber": AMBER, "red": RED, "poll_seconds": POLL_SECONDS,
        "filters": filters, "cursor": filters.cursor,
        "rows_url": "/board/rows?" + urlencode(query),
        "next_url": None if page.next_cursor is None else
        "/board?" + urlencode({**without_cursor, "cursor": page.next_cursor}),
        "first_url": "/board?" + urlencode(without_cursor),
    }


@router.get("/board")
def board_page(request: Request, user: ConsoleUser, filters: Filters) -> Response:
    can_read(user)
    ctx = context_of(request)
    may_open = allowed(lambda: can_work_cases(user, "opening a case"))
    accounts = [account.id for account in every_item(account_page, ctx=ctx)] if may_open else []
    return render(request, "board.html", may_open=may_open, accounts=accounts,
                  severities=list(Severity), vendors=list(VENDORS), **_rows(request, user, filters))


def _chip_url(filters: BoardFilters, change: dict[str, str | None]) -> str:
    query = {k: v for k, v in filters.query().items() if k != "cursor"}
    for name, value in change.items():
        if value is None or query.get(name) == value:
            query.pop(name, None)
        else:
            query[name] = value
    return "/board?" + urlencode(query)


@router.get("/board/rows")
def board_rows(request: Request, user: ConsoleUser, filters: Filters) -> Response:
    can_read(user)
    return render(request, "_board_poll.html", oob=True, **_rows(request, user, filters))


@router.post("/board/cases")
def open_case(
    request: Request, user: ConsoleUser, _csrf: CsrfChecked,
    account: Annotated[str, Form(max_length=64)],
    severity: Annotated[str, Form(max_length=10)],
    title: Annotated[str, Form(max_length=300)],
) -> Response:
    """Open a case from the board (an engineer and up: the service checks), then show it."""
    opened = cases.open_case(ctx=context_of(request), actor=user, account=account,
                             severity=severity, title=title)
    return RedirectResponse(f"/cases/{opened.snapshot.id}", status_code=303)
