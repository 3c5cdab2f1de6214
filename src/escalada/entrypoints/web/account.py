"""The account page: `/accounts/{account_id}` shows a customer as the support organisation
needs it in one place: its open and recent cases, contacts, business calendar, service
credits, health (components, band, the trend drawn over the bands) and recovery plans,
read by services.account_overview from the same views as the CLI and the API; each list
a page at a time, paged on by a query parameter of its own (`?contacts=<cursor>`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from escalada.domain.recovery import OPEN_STATUSES
from escalada.entrypoints.web.paging import filters_of, pager
from escalada.entrypoints.web.rendering import render
from escalada.entrypoints.web.session import ConsoleUser, context_of, language_of
from escalada.services.account_overview import ACCOUNT_LISTS, account_overview
from escalada.services.recovery import RecoveryPlanView, RecoveryTaskView

router = APIRouter(include_in_schema=False)


@router.get("/accounts/{account_id}")
def account_page(request: Request, user: ConsoleUser, account_id: str) -> Response:
    ctx = context_of(request)
    overview = account_overview(ctx=ctx, actor=user, account_id=account_id,
                                language=language_of(request),
                                cursors=filters_of(request, *ACCOUNT_LISTS))
    pagers = {name: pager(request, overview.next_cursors.get(name), param=name, anchor=name)
              for name in ACCOUNT_LISTS}
    return render(request, "account.html", overview=overview, account=overview.account,
                  health=overview.health, zone=overview.account.timezone, now=ctx.clock(),
                  open_tasks=open_tasks, pagers=pagers)


def open_tasks(plan: RecoveryPlanView) -> list[RecoveryTaskView]:
    """The plan's tasks still to do, the soonest due first (those without a date last)."""
    tasks = [task for phase in plan.phases for task in phase.tasks
             if task.status in OPEN_STATUSES]
    return sorted(tasks, key=lambda task: (task.due_at is None, task.due_at or plan.at, task.id))
