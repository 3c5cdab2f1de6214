"""The MCP server AI agents work escalations through (`escalada mcp`): each tool calls the
same service function as the CLI and the API, as the user whose API token the agent
holds, so roles, handoff packages and audit are exactly as for that person. A domain
error is the tool's error result with the message a person gets, never a crash."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal, ParamSpec, TypeVar

import anyio.to_thread
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from mcp.server.transport_security import TransportSecuritySettings
from mcp.types import ToolAnnotations
from pydantic import BaseModel, Field
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from escalada.adapters.catalogs import translations
from escalada.domain.errors import EscaladaError, HandoffIncomplete, Unauthenticated
from escalada.domain.words import Words
from escalada.entrypoints.errors import domain_problem
from escalada.services import (
    agent_audit,
    case_board,
    cases,
    credits,
    drafting,
    escalations,
    evaluation,
    incident_updates,
    incidents,
    knowledge_base,
    vendor_health_views,
    vendor_opening,
    vendor_views,
)
from escalada.services.agent_audit import Outcome
from escalada.services.authz import can_read
from escalada.services.context import Actor, Context
from escalada.services.people import authenticate
from escalada.services.report import escalation_report

if TYPE_CHECKING:
    from escalada.domain.words import Translator

__all__ = ["HttpAgents", "agent_server", "token_actor"]

P = ParamSpec("P")
R = TypeVar("R")
Who = Callable[[], Actor]
CaseId = Annotated[str, Field(description="the case, e.g. CASE-12", min_length=1)]
# The user a tool call acts as, checked once at the start of the call.
_acting: ContextVar[Actor] = ContextVar("escalada_agent")
# Over HTTP: the user of the request's bearer token, checked before the request is served.
_bearer: ContextVar[Actor] = ContextVar("escalada_agent_bearer")

INSTRUCTIONS = (
    "escalada coordinates support escalations: tiers T1-T3 and VENDOR, executive levels "
    "L1-L4, SLA clocks. You act as the user whose API token you hold, with their role. "
    "Read a case (get_case) before changing it; a technical escalation needs its handoff "
    "package (the refusal names the missing items); drafts are in the customer's language. "
    "Opening a vendor case is a dry run unless you say dry_run=false. The policy in force "
    "and the vendors' plans are the resources escalada://policy and escalada://vendor-plans.")


def token_actor(ctx: Context, token: str | None) -> Who:
    """Who the agent is: the token's user, checked now (Unauthenticated if unknown,
    expired, revoked or disabled) and again at every call, so a revoked token stops."""
    authenticate(ctx=ctx, token=token)
    return lambda: authenticate(ctx=ctx, token=token)


def speaking(actor: Actor | None) -> Translator:
    """The catalog of the user's language (their setting; English without one): the
    language a refusal and a draft's `language_reason` are told in."""
    return translations(actor.language if actor and actor.language else "en")


def told(error: EscaladaError, actor: Actor | None) -> str:
    """The error as a person would read it (in the user's language)."""
    language = speaking(actor)
    message = error.told(language)
    if isinstance(error, HandoffIncomplete):  # each item by the id the handoff takes
        message += "\n" + "\n".join(Words("missing: {item}", item=item).render(language)
                                     for item in error.missing)
    return message


def refused(error: EscaladaError, actor: Actor | None) -> ToolError:
    """The error a person would read, as the tool's error."""
    return ToolError(told(error, actor))


def _dumped(value: BaseModel) -> dict[str, Any]:
    """A view as the API's JSON shows it (aliases such as `from` included)."""
    return value.model_dump(mode="json", by_alias=True)


def agent_server(ctx: Context, who: Who) -> MCPServer:
    """The MCP server whose tools act as `who()` (called once per tool call)."""
    server = MCPServer("escalada", instructions=INSTRUCTIONS)

    def audited(actor: Actor, tool: str, kind: Literal["tool", "resource"],
                arguments: dict[str, Any], outcome: Outcome, reason: str | None,
                started: int | None = None) -> int:
        """The call in the agent call log, as the token's user (services.agent_audit)."""
        return agent_audit.record_call(ctx=ctx, actor=actor, tool=tool, kind=kind,
                                       arguments=arguments, outcome=outcome, reason=reason,
                                       started=started)

    def registered(fn: Callable[P, R], *, writes: bool) -> Callable[P, R]:
        """Register `fn` as a tool whose domain errors are tool errors. A tool that
        `writes` is logged as started before it runs (no log entry, no call), so that
        no write of it stands unlogged should its outcome's entry fail."""

        @functools.wraps(fn)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            actor: Actor | None = None
            started: int | None = None
            try:
                actor = who()
                _acting.set(actor)
                if writes:
                    started = audited(actor, fn.__name__, "tool", kwargs, "started", None)
                answer = fn(*args, **kwargs)
            except EscaladaError as error:
                if actor is not None:
                    audited(actor, fn.__name__, "tool", kwargs, "refused", told(error, None),
                            started)
                raise refused(error, actor) from error
            except Exception as error:
                if actor is not None:
                    audited(actor, fn.__name__, "tool", kwargs, "failed", type(error).__name__,
                            started)
                raise
            audited(actor, fn.__name__, "tool", kwargs, "answered", None, started)
            return answer

        server.tool(annotations=ToolAnnotations(readOnlyHint=not writes))(run)
        return run

    def tool(fn: Callable[P, R]) -> Callable[P, R]:
        """A tool that may change something (the default: logged as started first)."""
        return registered(fn, writes=True)

    def reading(fn: Callable[P, R]) -> Callable[P, R]:
        """A tool that only reads: logged once, with its outcome."""
        return registered(fn, writes=False)

    @reading
    def get_case(case_id: CaseId) -> dict[str, Any]:
        """The case: its snapshot (tier, level, severity, SLA), escalation steps and
        timeline."""
        return _dumped(cases.show_case(ctx=ctx, case_id=case_id))

    @reading
    def evaluate_case(
        case_id: CaseId,
        at: Annotated[datetime | None, Field(
            description="ISO 8601 time with offset (default: now)")] = None,
    ) -> dict[str, Any]:
        """Evaluate the case against the policy: SLA state and the escalations it
        recommends (tier, level, reasons)."""
        return _dumped(cases.evaluate_case(ctx=ctx, case_id=case_id, at=at))

    @reading
    def list_open_escalations(
        sort: Annotated[Literal["number", "sla_due", "updated"], Field(
            description="number: oldest first; sla_due: the soonest SLA due first; "
                        "updated: the latest changed first")] = "sla_due",
        account: Annotated[str | None, Field(description="only this account's")] = None,
        limit: Annotated[int, Field(ge=1, le=500)] = 50,
        cursor: Annotated[str | None, Field(
            description="next_cursor of the previous page")] = None,
    ) -> dict[str, Any]:
        """A page of the open cases (the case board); `next_cursor` asks for the next
        page, null on the last."""
        wanted = {"status": "open", "sort": sort, "limit": limit, "account": account,
                  "cursor": cursor}
        page = case_board.list_page(
            ctx=ctx, **{k: v for k, v in wanted.items() if v is not None})
        return {"cases": [_dumped(case) for case in page.items], "next_cursor": page.next_cursor}

    @tool
    def escalate(
        case_id: CaseId,
        to: Annotated[str, Field(description="T2, T3, VENDOR or L1-L4")],
        handoff: Annotated[dict[str, Any] | None, Field(
            description="the handoff package: item id -> text (a refusal names the "
                        "missing items)")] = None,
        override_reason: Annotated[str | None, Field(
            description="escalate without the full package, saying why")] = None,
        expected_version: Annotated[int | None, Field(
            description="refuse if the case changed since this version")] = None,
    ) -> dict[str, Any]:
        """Take one step up the technical or executive track."""
        return _dumped(escalations.escalate(
            ctx=ctx, actor=_acting.get(), case_id=case_id, to=to, handoff=handoff,
            override_reason=override_reason, expected_version=expected_version))

    @tool
    def acknowledge(
        case_id: CaseId,
        step: Annotated[int, Field(ge=1, description="the escalation step's number")],
        note: str | None = None,
        on_behalf_of: Annotated[str | None, Field(
            description="an enabled user you acknowledge for")] = None,
        expected_version: int | None = None,
    ) -> dict[str, Any]:
        """Take (acknowledge) an escalation step, within your own authority."""
        return _dumped(escalations.acknowledge(
            ctx=ctx, actor=_acting.get(), case_id=case_id, step=step, note=note,
            on_behalf_of=on_behalf_of, expected_version=expected_version))

    @tool
    def draft_communication(
        case_id: CaseId,
        kind: Annotated[str, Field(
            description="acknowledgment, progress_update, resolution, "
                        "executive_acknowledgment, handoff, vendor_escalation")],
        lang: Literal["auto", "en", "ru"] = "auto",
        status: Annotated[str | None, Field(
            description="a progress update's: INVESTIGATING, MITIGATING, RESOLVED, "
                        "MONITORING")] = None,
        fields: Annotated[dict[str, str] | None, Field(
            description="parts written in, e.g. root_cause, request")] = None,
        timezone: Annotated[str | None, Field(
            description="the reader's IANA time zone")] = None,
    ) -> dict[str, Any]:
        """Draft a message from the case in the customer's language (auto) and keep it;
        `language_reason` says why that language (in your user's language, as refusals
        are). Sending is a person's step."""
        actor = _acting.get()
        return _dumped(drafting.draft_message(
            ctx=ctx, actor=actor, case_id=case_id, kind=kind, language=lang,
            status=status, fields=fields, timezone=timezone).told_in(speaking(actor)))

    @reading
    def build_report(
        case_id: CaseId,
        lang: Annotated[str | None, Field(
            description="ru or en (default: the account's)")] = None,
    ) -> str:
        """The case's escalation report in Markdown: summary, timeline, root cause,
        impact, communications, lessons learned, recovery plan."""
        rendered = escalation_report(ctx=ctx, actor=_acting.get(), case_id=case_id,
                                     language=lang, fmt="md")
        return rendered.content.decode()

    @reading
    def search_knowledge_base(
        q: Annotated[str, Field(description="words to find, in any inflection (ru/en)")],
        lang: Annotated[str | None, Field(description="only entries in ru or en")] = None,
        limit: Annotated[int, Field(ge=1, le=100)] = 20,
    ) -> list[dict[str, Any]]:
        """Root causes, post-mortems and lessons learned of past cases matching every
        word of `q`, best first."""
        return [_dumped(hit) for hit in knowledge_base.search(ctx=ctx, q=q, lang=lang,
                                                              limit=limit)]

    @reading
    def evaluate_snapshot(
        snapshot: Annotated[dict[str, Any], Field(
            description="a case snapshot document (DESIGN.md 1.2: id, opened_at, account, "
                        "severity, tier, exec_level, status, impact, flags, ...)")],
        at: Annotated[datetime | None, Field(
            description="ISO 8601 time with offset (default: now)")] = None,
    ) -> dict[str, Any]:
        """Evaluate a raw case snapshot (not a stored case) against the policy in force:
        SLA state and the escalations it recommends. A bad field is named."""
        return _dumped(evaluation.evaluate_snapshot(ctx=ctx, snapshot=snapshot, at=at))

    @tool
    def open_vendor_case(
        case_id: CaseId,
        vendor: Annotated[Literal["aws", "azure", "gcp"], Field(description="the cloud vendor")],
        service: Annotated[str | None, Field(
            description="the vendor's service code (the request names it)")] = None,
        region: str | None = None,
        request: Annotated[str | None, Field(
            description="what we ask the vendor to do")] = None,
        category: Annotated[str | None, Field(description="the vendor's category code")] = None,
        plan: Annotated[str | None, Field(
            description="our support plan with the vendor (default: the configured one)")
        ] = None,
        severity: Annotated[str | None, Field(
            description="the vendor's severity code (default: mapped from the case's)")
        ] = None,
        handoff: Annotated[dict[str, Any] | None, Field(
            description="from T3: the T3 -> VENDOR handoff package (all but "
                        "vendor_case_number)")] = None,
        override_reason: str | None = None,
        dry_run: Annotated[bool, Field(
            description="true (the default): only show the vendor request that would be "
                        "sent; false: open it, if your role allows")] = True,
    ) -> dict[str, Any]:
        """Open a vendor case from the vendor escalation template (from T3 it takes the
        step to VENDOR too). A dry run unless dry_run is false."""
        return _dumped(vendor_opening.open_vendor_case(
            ctx=ctx, actor=_acting.get(), case_id=case_id, vendor=vendor, plan=plan,
            service=service, category=category, region=region, request=request,
            severity=severity, handoff=handoff, override_reason=override_reason,
            dry_run=dry_run))

    @tool
    def propose_credit(
        case_id: CaseId,
        amount_usd: Annotated[Decimal | None, Field(
            description="the credit in USD, e.g. \"250.00\"")] = None,
        from_breach: Annotated[bool, Field(
            description="compute the amount from the case's breach (the policy's "
                        "schedule) instead")] = False,
        reason: str | None = None,
    ) -> dict[str, Any]:
        """Propose a service credit for a case; someone else approves it."""
        return _dumped(credits.propose_credit(
            ctx=ctx, actor=_acting.get(), case_id=case_id, amount_usd=amount_usd,
            from_breach=from_breach, reason=reason))

    @tool
    def approve_credit(
        credit_id: Annotated[int, Field(ge=1, description="the credit's number")],
        reason: Annotated[str, Field(min_length=1)],
        expected_version: int | None = None,
    ) -> dict[str, Any]:
        """Approve a credit someone else proposed, within your role's credit authority
        (the refusal names the role needed)."""
        return _dumped(credits.approve_credit(
            ctx=ctx, actor=_acting.get(), credit_id=credit_id, reason=reason,
            expected_version=expected_version))

    @tool
    def reject_credit(
        credit_id: Annotated[int, Field(ge=1, description="the credit's number")],
        reason: Annotated[str, Field(min_length=1)],
        expected_version: int | None = None,
    ) -> dict[str, Any]:
        """Reject a credit someone else proposed (the same authority as approving it)."""
        return _dumped(credits.reject_credit(
            ctx=ctx, actor=_acting.get(), credit_id=credit_id, reason=reason,
            expected_version=expected_version))

    @reading
    def list_incidents(
        status: Annotated[Literal["open", "resolved"] | None, Field(
            description="only open or only resolved ones (default: both)")] = None,
        service: Annotated[str | None, Field(description="only this service's")] = None,
        region: Annotated[str | None, Field(description="only this region's")] = None,
        limit: Annotated[int, Field(ge=1, le=500)] = 50,
        cursor: Annotated[str | None, Field(
            description="next_cursor of the previous page")] = None,
    ) -> dict[str, Any]:
        """A page of platform incidents (outage storms of one service in one region across
        accounts), newest first; `next_cursor` asks for the next page, null on the last."""
        wanted = {"status": status, "service": service, "region": region, "limit": limit,
                  "cursor": cursor}
        page = incidents.incident_page(
            ctx=ctx, **{k: v for k, v in wanted.items() if v is not None})
        return {"incidents": [_dumped(item) for item in page.items],
                "next_cursor": page.next_cursor}

    @reading
    def get_incident(
        incident_id: Annotated[str, Field(description="the incident, e.g. INC-3",
                                          min_length=1)],
    ) -> dict[str, Any]:
        """The platform incident: its linked cases, flags, updates, the resolutions it
        proposes and the vendors' open service-health events of its service and region."""
        return _dumped(incidents.show_incident(ctx=ctx, incident_id=incident_id))

    @tool
    def post_incident_update(
        incident_id: Annotated[str, Field(description="the incident, e.g. INC-3",
                                          min_length=1)],
        understanding: Annotated[str, Field(description="what we understand so far")],
        doing_now: Annotated[str, Field(description="what we are doing now")],
        next_steps: Annotated[str, Field(description="what comes next, and when")],
        status: Annotated[str | None, Field(
            description="INVESTIGATING (default), MITIGATING, MONITORING or RESOLVED")
        ] = None,
        note: str | None = None,
    ) -> dict[str, Any]:
        """Post an update to an open incident: every open linked case's customer gets a
        copy drafted in their language and queued for the workers to send (an engineer
        at least)."""
        return _dumped(incident_updates.post_update(
            ctx=ctx, actor=_acting.get(), incident_id=incident_id, status=status,
            understanding=understanding, doing_now=doing_now, next_steps=next_steps,
            note=note))

    @reading
    def list_vendor_health(
        vendor: Annotated[Literal["aws", "azure", "gcp"] | None, Field(
            description="only this vendor's (default: every vendor watched)")] = None,
    ) -> dict[str, Any]:
        """The vendors' open service-health events (AWS Health, Azure Service Health,
        Google Cloud Service Health), with the cases and open incidents of the same
        service and region, and how each vendor's last poll went."""
        return _dumped(vendor_health_views.vendor_health(ctx=ctx, vendor=vendor))

    def resource(uri: str, name: str, description: str) -> Callable[[Callable[[], R]],
                                                                    Callable[[], R]]:
        """Register a resource read as `who()` (a reader at least)."""

        def register(fn: Callable[[], R]) -> Callable[[], R]:
            @functools.wraps(fn)
            def read() -> R:
                actor: Actor | None = None
                try:
                    actor = who()
                    can_read(actor)
                    answer = fn()
                except EscaladaError as error:
                    if actor is not None:
                        audited(actor, uri, "resource", {"uri": uri}, "refused",
                                told(error, None))
                    raise ResourceError(told(error, actor)) from error
                audited(actor, uri, "resource", {"uri": uri}, "answered", None)
                return answer

            server.resource(uri, name=name, description=description,
                            mime_type="application/json")(read)
            return read

        return register

    @resource("escalada://policy", "policy", "The escalation policy in force: criteria, "
              "technical and executive tracks, SLA targets, timers, credits, war room, "
              "recovery, communications and health.")
    def policy() -> str:
        return ctx.policy().model_dump_json(by_alias=True)

    @resource("escalada://vendor-plans", "vendor-plans", "The vendors' support plans: "
              "response targets with their sources, and our severities' map to theirs.")
    def vendor_plans() -> str:
        plans = vendor_views.list_vendor_plans()
        return "[" + ",".join(plan.model_dump_json(by_alias=True) for plan in plans) + "]"

    return server


class HttpAgents:
    """The MCP server over streamable HTTP (stateless, JSON answers) at `/mcp`, behind the
    API's bearer tokens: a request without a live token is answered 401 with the API's
    problem document and never reaches the server; each tool acts as the token's user.
    An ASGI app; `running()` (the API's lifespan) starts a fresh server each time."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.inner: ASGIApp | None = None

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        server = agent_server(self.ctx, _bearer.get)
        # The Host check guards servers a browser reaches with ambient credentials; every
        # call here carries its bearer token, as the rest of the API's, on any address.
        inner = server.streamable_http_app(
            streamable_http_path="/mcp", stateless_http=True, json_response=True,
            transport_security=TransportSecuritySettings(
                enable_dns_rebinding_protection=False))
        before, self.inner = self.inner, inner
        try:
            async with server.session_manager.run():
                yield
        finally:
            self.inner = before

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        given = dict(scope.get("headers", ())).get(b"authorization", b"").decode("latin-1")
        scheme, _, token = given.partition(" ")
        try:
            actor = await anyio.to_thread.run_sync(lambda: authenticate(
                ctx=self.ctx, token=token.strip() if scheme.lower() == "bearer" else None))
        except Unauthenticated as error:
            problem = domain_problem(error, instance=scope.get("path", "/mcp"))
            await JSONResponse(problem, status_code=401, media_type="application/problem+json",
                               headers={"WWW-Authenticate": "Bearer"})(scope, receive, send)
            return
        if self.inner is None:  # an app served without its lifespan
            await JSONResponse({"error": "not_ready", "message": "the MCP server starts "
                                "with the application's lifespan"}, status_code=503)(
                scope, receive, send)
            return
        reset = _bearer.set(actor)
        try:
            await self.inner(scope, receive, send)
        finally:
            _bearer.reset(reset)
