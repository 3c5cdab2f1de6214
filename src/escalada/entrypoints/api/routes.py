"""Routes: each one calls the same service function as the CLI, nothing else."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from escalada.adapters.db.database import ping
from escalada.domain.business_calendar import CalendarSpec
from escalada.domain.errors import StoreUnavailable
from escalada.domain.snapshot import CaseSnapshot
from escalada.domain.validation import Day
from escalada.entrypoints.api.deps import (
    ActorDep,
    ContextDep,
    Credentials,
    TokenId,
    checks_token_itself,
    current_actor,
    write,
)
from escalada.entrypoints.api.language import all_told, told
from escalada.entrypoints.api.paging import PAGED, paged
from escalada.entrypoints.api.preconditions import (
    ETAG_HEADER,
    PRECONDITION_RESPONSES,
    IfMatch,
    expected,
    tagged,
)
from escalada.entrypoints.api.schemas import (
    AccountCalendarIn,
    AccountIn,
    AccountUpdateIn,
    AckIn,
    CalendarIn,
    CaseUpdateIn,
    ContactRemoveIn,
    DeadlineIn,
    DeescalateIn,
    ElapsedIn,
    EscalateIn,
    FlagsIn,
    PasswordIn,
    RecomputeIn,
    ReminderIn,
    RespondIn,
    RoleIn,
    SlaCalendarIn,
    TokenIn,
    UserIn,
    UserProfileIn,
    Versioned,
)
from escalada.entrypoints.errors import error_document
from escalada.services import (
    account_list,
    account_log,
    accounts,
    calendars,
    case_timeline,
    cases,
    contacts,
    escalations,
    evaluation,
    passwords,
    people,
    people_lists,
    sla,
    timer_views,
)
from escalada.services.account_list import AccountListItem, AccountsQuery
from escalada.services.account_log import HistoryQuery
from escalada.services.case_timeline import TimelineQuery
from escalada.services.cases import NewCase
from escalada.services.contacts import ContactsQuery, NewContact
from escalada.services.context import Context
from escalada.services.paging import PageQuery
from escalada.services.people_lists import PeopleLogQuery, TokensQuery, UsersQuery
from escalada.services.people_log import PeopleLogEntryView
from escalada.services.timer_views import TimersQuery
from escalada.services.views import (
    AccountLogEntryView,
    AccountView,
    CalendarView,
    CaseView,
    ContactView,
    DeadlineView,
    ElapsedView,
    EvaluationView,
    RecomputeView,
    TimelineEntryView,
    TimersStatusView,
    TimerView,
    TokenCreatedView,
    TokenView,
    UserView,
)

health = APIRouter(tags=["health"])
# Every route under /api/v1 needs a live bearer token; roles are the services' to check.
api = APIRouter(dependencies=[Depends(current_actor)])
# Opening a case: a route that checks its token itself (see open_case).
opening = APIRouter()
At = Annotated[datetime | None, Query(description="ISO 8601 time with offset (default: now)")]
# A write to a case: its answer carries the case's new ETag; If-Match may name the old one.
CASE_WRITE: dict[int | str, dict[str, Any]] = {
    **PRECONDITION_RESPONSES, 200: {"headers": ETAG_HEADER}}


@health.get("/healthz", responses={503: {"description": "the database cannot be reached"}})
def healthz(ctx: ContextDep) -> Any:
    """Liveness and database reachability: 503 with `status: down` when the database
    cannot be reached. It opens no unit of work and takes no lock: a writer never delays it."""
    try:
        ping(ctx.engine)
    except StoreUnavailable as error:
        return JSONResponse({"status": "down", **error_document(error)}, status_code=503)
    return {"status": "ok", "policy": ctx.policy().version}


@api.get("/accounts", tags=["accounts"], responses=PAGED)
def list_accounts(
    ctx: ContextDep, query: Annotated[AccountsQuery, Query()], request: Request,
    response: Response,
) -> list[AccountListItem]:
    """A page of accounts, each with its standing (health band and trend, open
    escalations, last escalation): by id, name or health (worst first), filtered by name,
    tier, support plan or health band."""
    page = account_list.account_page(ctx=ctx, **query.model_dump(exclude_none=True))
    return paged(page, request, response)


@api.post("/accounts", status_code=201, tags=["accounts"])
def add_account(ctx: ContextDep, actor: ActorDep, body: AccountIn) -> AccountView:
    return accounts.add_account(ctx=ctx, actor=actor, **body.model_dump())


@api.get("/accounts/{account_id}", tags=["accounts"])
def get_account(ctx: ContextDep, account_id: str) -> AccountView:
    return accounts.get_account(ctx=ctx, account_id=account_id)


@api.patch("/accounts/{account_id}", tags=["accounts"])
def update_account(
    ctx: ContextDep, actor: ActorDep, account_id: str, body: AccountUpdateIn
) -> AccountView:
    """Change an account's fields (admin, or support_manager and above): on its log and
    on its open cases' timelines."""
    changes = body.model_dump(exclude_unset=True, exclude={"reason"})
    return accounts.update_account(ctx=ctx, actor=actor, account_id=account_id,
                                   changes=changes, reason=body.reason)


@api.get("/accounts/{account_id}/history", tags=["accounts"], responses=PAGED)
def account_history(
    ctx: ContextDep, account_id: str, query: Annotated[HistoryQuery, Query()],
    request: Request, response: Response,
) -> list[AccountLogEntryView]:
    """Who added or changed the account or its contacts, when and why: a page, oldest
    first (`kind`, `since` to filter)."""
    page = account_log.history_page(ctx=ctx, account_id=account_id,
                                    **query.model_dump(exclude_none=True))
    return paged(page, request, response)


@api.get("/accounts/{account_id}/contacts", tags=["accounts"], responses=PAGED)
def list_contacts(
    ctx: ContextDep, account_id: str, query: Annotated[ContactsQuery, Query()],
    request: Request, response: Response,
) -> list[ContactView]:
    """A page of the account's contacts by id (`removed`, `level`, `name` to filter)."""
    page = contacts.contact_page(ctx=ctx, account_id=account_id,
                                 **query.model_dump(exclude_none=True))
    return paged(page, request, response)


@api.post("/accounts/{account_id}/contacts", status_code=201, tags=["accounts"])
def add_contact(
    ctx: ContextDep, actor: ActorDep, account_id: str, body: NewContact
) -> ContactView:
    return contacts.add_contact(ctx=ctx, actor=actor, account_id=account_id,
                                **body.model_dump(exclude_unset=True))


@api.post("/accounts/{account_id}/contacts/{contact}/remove", tags=["accounts"])
def remove_contact(
    ctx: ContextDep, actor: ActorDep, account_id: str, contact: str, body: ContactRemoveIn
) -> ContactView:
    """The contact (id or email) no longer speaks for the customer; cases keep them."""
    return contacts.remove_contact(ctx=ctx, actor=actor, account_id=account_id,
                                   contact=contact, reason=body.reason)


@api.post("/evaluate", tags=["engine"])
def evaluate_snapshot(ctx: ContextDep, snapshot: CaseSnapshot, at: At = None) -> EvaluationView:
    """Evaluate a case snapshot (DESIGN.md 1.2) at `at`."""
    return evaluation.evaluate_snapshot(ctx=ctx, snapshot=snapshot, at=at)


# Pydantic writes the opened case's JSON in the call that opens it: returned as a model,
# FastAPI would hand it to its thread pool once more to validate it against CaseView
# (the same bytes come out: it writes them with the same dump_json). The token is
# checked in that same call too (deps.checks_token_itself), and the context taken from
# the app; the call runs where a write costs the least (deps.write): a write done all day.
@opening.post("/cases", status_code=201, tags=["cases"], response_model=CaseView)
@checks_token_itself
async def open_case(request: Request, credentials: Credentials, body: NewCase) -> Response:
    ctx: Context = request.app.state.context
    return await write(ctx, _open_case, ctx, request, credentials, body)


def _open_case(ctx: Context, request: Request, credentials: Credentials,
               body: NewCase) -> Response:
    actor = current_actor(request, credentials)
    view = told(cases.open_case(ctx=ctx, actor=actor, new=body), request)  # validated once
    return Response(view.model_dump_json(by_alias=True), status_code=201,
                    media_type="application/json")


@api.get("/cases/{case_id}", tags=["cases"], responses={200: {"headers": ETAG_HEADER}})
def show_case(ctx: ContextDep, case_id: str, request: Request, response: Response
              ) -> CaseView:
    """The case, with its ETag (send it back in `If-Match` on a write)."""
    return tagged(cases.show_case(ctx=ctx, case_id=case_id), response, request)


def _versioned(body: BaseModel, if_match: int | None, **dump: Any) -> dict[str, Any]:
    """The body's fields for the service, the expected version from If-Match or the body."""
    fields = body.model_dump(**dump)
    fields["expected_version"] = expected(if_match, getattr(body, "expected_version", None))
    return fields


@api.patch("/cases/{case_id}", tags=["cases"], responses=CASE_WRITE)
def update_case(ctx: ContextDep, actor: ActorDep, case_id: str, body: CaseUpdateIn,
                if_match: IfMatch, request: Request,
                response: Response) -> CaseView:
    """Change severity, status, impact, services, contact level or CSAT."""
    return tagged(cases.update_case(ctx=ctx, actor=actor, case_id=case_id,
                                    **_versioned(body, if_match, exclude_none=True)),
                  response, request)


@api.get("/cases/{case_id}/timeline", tags=["cases"], responses=PAGED)
def timeline(
    ctx: ContextDep, case_id: str, query: Annotated[TimelineQuery, Query()],
    request: Request, response: Response,
) -> list[TimelineEntryView]:
    """The case's timeline: a page, oldest first (`kind`, `since` to filter)."""
    page = case_timeline.timeline_page(ctx=ctx, case_id=case_id,
                                       **query.model_dump(exclude_none=True))
    return all_told(paged(page, request, response), request)


@api.get("/cases/{case_id}/evaluation", tags=["engine"])
def evaluate_case(ctx: ContextDep, case_id: str, at: At = None) -> EvaluationView:
    return cases.evaluate_case(ctx=ctx, case_id=case_id, at=at)


@api.post("/cases/{case_id}/escalate", tags=["escalations"], responses=CASE_WRITE)
def escalate(ctx: ContextDep, actor: ActorDep, case_id: str, body: EscalateIn,
             if_match: IfMatch, request: Request,
             response: Response) -> CaseView:
    """One step up a track; 422 with `missing` when the handoff package is incomplete."""
    return tagged(escalations.escalate(ctx=ctx, actor=actor, case_id=case_id,
                                       **_versioned(body, if_match)), response, request)


@api.post("/cases/{case_id}/ack", tags=["escalations"], responses=CASE_WRITE)
def acknowledge(ctx: ContextDep, actor: ActorDep, case_id: str, body: AckIn,
                if_match: IfMatch, request: Request,
                response: Response) -> CaseView:
    return tagged(escalations.acknowledge(ctx=ctx, actor=actor, case_id=case_id,
                                          **_versioned(body, if_match)), response, request)


@api.post("/cases/{case_id}/deescalate", tags=["escalations"], responses=CASE_WRITE)
def deescalate(ctx: ContextDep, actor: ActorDep, case_id: str, body: DeescalateIn,
               if_match: IfMatch, request: Request,
               response: Response) -> CaseView:
    return tagged(escalations.deescalate(ctx=ctx, actor=actor, case_id=case_id,
                                         **_versioned(body, if_match)), response, request)


@api.post("/cases/{case_id}/flags", tags=["cases"], responses=CASE_WRITE)
def set_flags(ctx: ContextDep, actor: ActorDep, case_id: str, body: FlagsIn,
              if_match: IfMatch, request: Request,
              response: Response) -> CaseView:
    return tagged(cases.set_flags(ctx=ctx, actor=actor, case_id=case_id, on=True,
                                  **_versioned(body, if_match)), response, request)


@api.post("/cases/{case_id}/flags/clear", tags=["cases"], responses=CASE_WRITE)
def clear_flags(ctx: ContextDep, actor: ActorDep, case_id: str, body: FlagsIn,
                if_match: IfMatch, request: Request,
                response: Response) -> CaseView:
    return tagged(cases.set_flags(ctx=ctx, actor=actor, case_id=case_id, on=False,
                                  **_versioned(body, if_match)), response, request)


@api.post("/cases/{case_id}/respond", tags=["cases"], responses=CASE_WRITE)
def respond(ctx: ContextDep, actor: ActorDep, case_id: str, body: RespondIn,
            if_match: IfMatch, request: Request,
            response: Response) -> CaseView:
    return tagged(cases.respond(ctx=ctx, actor=actor, case_id=case_id,
                                **_versioned(body, if_match)), response, request)


def _lifecycle(name: str, summary: str) -> None:
    service = getattr(cases, name)

    def route(ctx: ContextDep, actor: ActorDep, case_id: str, body: Versioned,
              if_match: IfMatch, request: Request,
              response: Response) -> CaseView:
        view: CaseView = service(ctx=ctx, actor=actor, case_id=case_id,
                                 **_versioned(body, if_match))
        return tagged(view, response, request)

    route.__name__ = name
    api.post(f"/cases/{{case_id}}/{name}", tags=["cases"], summary=summary,
             responses=CASE_WRITE)(route)


for _name, _summary in (
    ("pause", "Waiting on the customer: SLA clocks stop"),
    ("resume", "The customer answered: SLA clocks run"),
    ("resolve", "Resolve the case"),
    ("close", "Close a resolved case"),
    ("reopen", "Reopen a resolved case whose issue came back (reason required)"),
):
    _lifecycle(_name, _summary)


@api.put("/accounts/{account_id}/calendar", tags=["accounts", "calendars"])
def use_calendar(
    ctx: ContextDep, actor: ActorDep, account_id: str, body: AccountCalendarIn
) -> AccountView:
    return calendars.use_calendar(ctx=ctx, actor=actor, account_id=account_id,
                                  name=body.calendar)


def _spec(name: str, body: CalendarIn) -> CalendarSpec:
    if body.week is not None:
        return calendars.calendar_spec(name=name, document={
            **body.model_dump(include={"timezone", "country", "subdivision", "week",
                                       "overrides"}), "name": name})
    return calendars.calendar_spec(
        name=name, timezone=body.timezone, country=body.country, subdivision=body.subdivision,
        hours=body.hours, days=body.days, overrides=body.overrides)


@api.get("/calendars", tags=["calendars"], responses=PAGED)
def list_calendars(
    ctx: ContextDep, query: Annotated[PageQuery, Query()], request: Request,
    response: Response,
) -> list[CalendarView]:
    """A page of the stored calendars by name."""
    page = calendars.calendar_page(ctx=ctx, **query.model_dump(exclude_none=True))
    return paged(page, request, response)


@api.post("/calendars/{name}", status_code=201, tags=["calendars"])
def add_calendar(ctx: ContextDep, actor: ActorDep, name: str, body: CalendarIn) -> CalendarView:
    return calendars.add_calendar(ctx=ctx, actor=actor, spec=_spec(name, body))


@api.put("/calendars/{name}", tags=["calendars"])
def replace_calendar(
    ctx: ContextDep, actor: ActorDep, name: str, body: CalendarIn
) -> CalendarView:
    return calendars.add_calendar(ctx=ctx, actor=actor, spec=_spec(name, body), replace=True)


@api.get("/calendars/{name}", tags=["calendars"])
def show_calendar(
    ctx: ContextDep, name: str,
    start: Annotated[Day | None, Query(alias="from", description="first local day")] = None,
    days: Annotated[int, Query(ge=0, le=calendars.SHOWN_DAYS_LIMIT)] = 14,
) -> CalendarView:
    return calendars.show_calendar(ctx=ctx, name=name, start=start, days=days)


def _sla_calendar(body: SlaCalendarIn) -> dict[str, Any]:
    spec = None if body.business is None else _spec("business", body.business)
    return {"calendar": body.calendar, "spec": spec, "pauses": body.pauses}


@api.post("/sla/deadline", tags=["sla"])
def sla_deadline(ctx: ContextDep, body: DeadlineIn) -> DeadlineView:
    return calendars.sla_deadline(ctx=ctx, start=body.start, minutes=body.minutes,
                                  **_sla_calendar(body))


@api.post("/sla/elapsed", tags=["sla"])
def sla_elapsed(ctx: ContextDep, body: ElapsedIn) -> ElapsedView:
    return calendars.sla_elapsed(ctx=ctx, start=body.start, end=body.end, **_sla_calendar(body))


@api.post("/sla/recompute", tags=["sla"])
def sla_recompute(ctx: ContextDep, actor: ActorDep, body: RecomputeIn) -> RecomputeView:
    return sla.recompute(ctx=ctx, actor=actor, account=body.account)


@api.get("/timers", tags=["timers"], responses=PAGED)
def list_timers(
    ctx: ContextDep, query: Annotated[TimersQuery, Query()], request: Request,
    response: Response,
) -> list[TimerView]:
    """A page of timers by due time (`case`, `state`, `kind` to filter)."""
    page = timer_views.timer_page(ctx=ctx, **query.model_dump(exclude_none=True))
    return all_told(paged(page, request, response), request)


@api.get("/timers/status", tags=["timers"])
def timers_status(ctx: ContextDep) -> TimersStatusView:
    """The auditor: counts by state and the timers overdue by more than a minute."""
    return timer_views.timers_status(ctx=ctx)


@api.post("/cases/{case_id}/reminders", status_code=201, tags=["cases", "timers"],
          responses=PRECONDITION_RESPONSES)
def set_reminder(ctx: ContextDep, actor: ActorDep, case_id: str, body: ReminderIn,
                 if_match: IfMatch) -> TimerView:
    return timer_views.set_reminder(ctx=ctx, actor=actor, case_id=case_id, at=body.at,
                                    note=body.note,
                                    expected_version=expected(if_match, body.expected_version))


@api.get("/users", tags=["people"], responses=PAGED)
def list_users(
    ctx: ContextDep, query: Annotated[UsersQuery, Query()], request: Request,
    response: Response,
) -> list[UserView]:
    """A page of people by name (`role`, `disabled`, `name` to filter)."""
    page = people_lists.user_page(ctx=ctx, **query.model_dump(exclude_none=True))
    return paged(page, request, response)


@api.post("/users", status_code=201, tags=["people"])
def add_user(ctx: ContextDep, actor: ActorDep, body: UserIn) -> UserView:
    return people.add_user(ctx=ctx, actor=actor, **body.model_dump())


@api.patch("/users/{name}", tags=["people"])
def update_user(ctx: ContextDep, actor: ActorDep, name: str, body: UserProfileIn) -> UserView:
    """Display name and email (your own, or anyone's for an admin); title and Slack user
    id (admin)."""
    return people.update_user(ctx=ctx, actor=actor, name=name,
                              changes=body.model_dump(exclude_unset=True))


@api.post("/users/{name}/disable", tags=["people"])
def disable_user(ctx: ContextDep, actor: ActorDep, name: str) -> UserView:
    return people.disable_user(ctx=ctx, actor=actor, name=name)


@api.post("/users/{name}/password", tags=["people"])
def set_password(ctx: ContextDep, actor: ActorDep, name: str, body: PasswordIn) -> UserView:
    """Set a web console password (your own, or anyone's for an admin); only its
    Argon2 hash is kept. Tokens are unaffected."""
    return passwords.set_password(ctx=ctx, actor=actor, name=name, password=body.password)


@api.post("/users/{name}/enable", tags=["people"])
def enable_user(ctx: ContextDep, actor: ActorDep, name: str) -> UserView:
    return people.enable_user(ctx=ctx, actor=actor, name=name)


@api.post("/users/{name}/role", tags=["people"])
def change_role(ctx: ContextDep, actor: ActorDep, name: str, body: RoleIn) -> UserView:
    """Another role for a person (admins; never one's own; never the last admin's)."""
    return people.change_role(ctx=ctx, actor=actor, name=name, role=body.role)


@api.get("/people/log", tags=["people"], responses=PAGED)
def read_people_log(
    ctx: ContextDep, actor: ActorDep, query: Annotated[PeopleLogQuery, Query()],
    request: Request, response: Response,
) -> list[PeopleLogEntryView]:
    """Who added, promoted, demoted, disabled or enabled whom; tokens made and revoked: a
    page, oldest first (`user`, `kind`, `since` to filter; admins)."""
    page = people_lists.people_log_page(ctx=ctx, actor=actor,
                                        **query.model_dump(exclude_none=True))
    return paged(page, request, response)


class _TokenListQuery(TokensQuery):
    user: str | None = Field(default=None, min_length=1, max_length=100, description=(
        "whose (default: yours); all: everyone's (admins)"))


@api.get("/tokens", tags=["people"], responses=PAGED)
def list_tokens(
    ctx: ContextDep, actor: ActorDep, query: Annotated[_TokenListQuery, Query()],
    request: Request, response: Response,
) -> list[TokenView]:
    """A page of tokens by id, never the secrets (`active` to filter)."""
    wanted = query.model_dump(exclude_none=True)
    wanted["user"] = None if query.user == "all" else (query.user or actor.name)
    return paged(people_lists.token_page(ctx=ctx, actor=actor, **wanted), request, response)


@api.post("/tokens", status_code=201, tags=["people"])
def create_token(ctx: ContextDep, actor: ActorDep, body: TokenIn) -> TokenCreatedView:
    """The token is in the answer once; only its hash is kept."""
    return people.create_token(ctx=ctx, actor=actor, user=body.user,
                               expires_in_days=body.expires_in_days, label=body.label)


@api.post("/tokens/{token_id}/revoke", tags=["people"])
def revoke_token(ctx: ContextDep, actor: ActorDep, token_id: TokenId) -> TokenView:
    return people.revoke_token(ctx=ctx, actor=actor, token_id=token_id)
