"""Vendor coordination: a case at the VENDOR tier is opened with AWS, Azure or Google
Cloud support through their APIs, tracked against our plan's response time, chased,
noted, escalated and closed; the vendor's answers land on our timeline when synced.

Calls to a vendor are made outside any transaction (no lock is held while a vendor
thinks); what they did is then written in one.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalada.adapters.db.tables import AccountRow, CaseRow, VendorCaseRow, VendorMessageRow
from escalada.adapters.vendor_plans_file import current_vendor_plans
from escalada.adapters.vendors import (
    CLOSED,
    VENDORS,
    VendorCase,
    VendorCaseRequest,
    VendorClient,
)
from escalada.domain.errors import (
    Conflict,
    EscaladaError,
    InvalidInput,
    NotFound,
    VendorFailed,
)
from escalada.domain.escalation_path import Place, opens_vendor_case_by_stepping
from escalada.domain.handoff import pass_handoff_gate
from escalada.domain.model import Tier
from escalada.domain.policy import Policy
from escalada.domain.sla import resolve_calendar
from escalada.domain.snapshot import AwareDatetime
from escalada.domain.vendor_plans import (
    ResponseTarget,
    response_due,
    response_target,
    vendor_calendar,
    vendor_severity,
)
from escalada.services.authz import can_override_handoff, can_work_cases
from escalada.services.communications import draft_message
from escalada.services.context import Actor, Context
from escalada.services.escalations import take_step
from escalada.services.policies import policy_of
from escalada.services.records import account_snapshot, excerpt, load_case, record
from escalada.services.views import View

VENDOR_CASE_NUMBER = "vendor_case_number"  # the handoff item the opening itself gives
ESCALATION_REASONS = ("RESOLUTION_TIME", "TECHNICAL_EXPERTISE", "BUSINESS_IMPACT")
# A new vendor case is first synced this long after opening (then every SYNC_EVERY).
FIRST_SYNC_AFTER = timedelta(minutes=15)
VENDOR_NAMES = {"aws": "AWS", "azure": "Azure", "gcp": "Google Cloud"}
SYSTEM = Actor("escalada", "system")


class VendorMessageView(View):
    at: AwareDatetime
    author: str
    body: str
    from_vendor: bool


class VendorCaseView(View):
    id: int
    case: str
    vendor: str
    plan: str
    vendor_case_id: str
    display_id: str | None
    severity: str
    subject: str
    status: str
    state: str
    opened_at: AwareDatetime
    opened_by: str
    response_due_at: AwareDatetime | None
    responded_at: AwareDatetime | None
    escalated_at: AwareDatetime | None
    closed_at: AwareDatetime | None
    last_synced_at: AwareDatetime | None
    sync_error: str | None
    messages: list[VendorMessageView] = Field(default_factory=list)


class VendorRequestView(View):
    """What a dry run would send: the vendor, the SDK operation and its parameters."""

    dry_run: bool = True
    vendor: str
    operation: str
    params: dict[str, Any]


class VendorTargetView(View):
    severity: str
    label: str
    within: str
    calendar: str
    verified: bool
    source: str
    as_of: date
    note: str


class VendorPlanView(View):
    """A vendor's plan: its response targets, and what our severities become on it."""

    vendor: str
    plan: str
    label: str
    origin: str
    retired: bool
    ends_on: date | None
    tam: bool
    note: str
    targets: list[VendorTargetView]
    our_severities: dict[str, str | None]  # P1..P4 -> the vendor's (None: no technical case)


def list_vendor_plans(*, vendor: str | None = None) -> list[VendorPlanView]:
    """The vendors' plans as the plans file has them, most urgent target first."""
    if vendor is not None and vendor not in VENDORS:
        raise InvalidInput.of("vendor", f"must be one of {', '.join(VENDORS)}")
    plans = current_vendor_plans()
    views = []
    for name in (vendor,) if vendor else VENDORS:
        info = plans.vendors[name]
        for key, plan in info.plans.items():
            targets = [
                VendorTargetView(severity=severity, label=info.labels.get(severity, severity),
                                 within=str(t.within), calendar=t.calendar,
                                 verified=t.verified, source=t.source, as_of=t.as_of,
                                 note=t.note)
                for severity in reversed(info.severities)
                if (t := plan.targets.get(severity)) is not None]
            views.append(VendorPlanView(
                vendor=name, plan=key, label=plan.label, origin=plan.origin,
                retired=plan.retired, ends_on=plan.ends_on, tam=plan.tam, note=plan.note,
                targets=targets,
                our_severities={ours: _mapped(plans, name, key, ours)
                                for ours in ("P1", "P2", "P3", "P4")}))
    return views


def _mapped(plans: Any, vendor: str, plan: str, ours: str) -> str | None:
    try:
        return vendor_severity(plans, vendor, plan, ours)
    except ValueError:
        return None


# Opening


def open_vendor_case(
    *, ctx: Context, actor: Actor, case_id: str, vendor: str, plan: str | None = None,
    service: str | None = None, category: str | None = None, region: str | None = None,
    request: str | None = None, severity: str | None = None,
    handoff: dict[str, Any] | None = None, override_reason: str | None = None,
    dry_run: bool = False,
) -> VendorCaseView | VendorRequestView:
    """Open a vendor case, its subject and body from the vendor escalation template, its
    severity and response due time from our plan.

    From T3 it takes the step to VENDOR too, in the transaction that records the vendor
    case: the T3 -> VENDOR handoff package is needed first (all but the vendor case
    number, which the opening gives), unless a team lead or above overrides the gate
    with a reason, as for any technical step. At VENDOR the step was taken already.
    """
    can_work_cases(actor, "opening a vendor case")
    if vendor not in VENDORS:
        raise InvalidInput.of("vendor", f"must be one of {', '.join(VENDORS)}")
    plans = current_vendor_plans(ctx.settings())
    chosen_plan = _plan(plans, vendor, plan or ctx.settings().vendor_plan(vendor))
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        case = load_case(uow.session, case_id)
        stepping = opens_vendor_case_by_stepping(
            Place(case.ref, case.tier, case.exec_level))
        # Checked before the vendor is called, so that a refused step opens nothing there.
        package = _vendor_handoff(policy_of(uow.session, case, ctx.policy()), handoff,
                                  override_reason, actor) if stepping else {}
        ours = case.severity
    known = plans.vendors[vendor].severities
    if severity is not None and severity not in known:
        raise InvalidInput.of("severity", f"{severity!r} is not a {VENDOR_NAMES[vendor]} "
                                          f"severity: one of {', '.join(known)}")
    try:
        code = severity or vendor_severity(plans, vendor, chosen_plan, ours)
    except ValueError as error:
        raise InvalidInput.of("plan", str(error)) from error
    fields = {"component": service, "region": region, "request": request}
    draft = draft_message(ctx=ctx, actor=actor, case_id=case_id, kind="vendor_escalation",
                          language="en", fields={k: v for k, v in fields.items() if v},
                          keep=not dry_run)
    if draft.missing:
        raise InvalidInput([(name if name != "component" else "service",
                             "needed for the vendor escalation request")
                            for name in draft.missing])
    client = ctx.vendors(vendor, dry_run=dry_run)
    sent = client.open_case(VendorCaseRequest(
        reference=draft.case, subject=draft.subject, body=draft.body, severity=code,
        service=service, category=category,
        contact_email=ctx.settings().text("vendor_contact_email"),
        contact_name=actor.name))
    if sent.dry_run or sent.case_id is None:
        return VendorRequestView(vendor=vendor, operation=sent.call.operation,
                                 params=sent.call.params)
    opened = _safely_fetch(client, sent.case_id)
    try:
        return _record_opening(ctx, actor, case_id, vendor, chosen_plan, code, sent.case_id,
                               opened, draft.subject, draft.id, package, override_reason,
                               target=response_target(plans, vendor, chosen_plan, code),
                               now=now)
    except EscaladaError as error:
        # The vendor has the case; say so, so that nobody opens a second one.
        raise Conflict(f"{VENDOR_NAMES[vendor]} case {sent.case_id} was opened but could not "
                       f"be recorded on {case_id}: {error}") from error


def _record_opening(
    ctx: Context, actor: Actor, case_id: str, vendor: str, plan: str, code: str,
    vendor_case_id: str, opened: VendorCase | None, subject: str, draft: int,
    package: dict[str, Any], override_reason: str | None, *,
    target: ResponseTarget | None, now: datetime,
) -> VendorCaseView:
    with ctx.unit_of_work() as uow:
        session = uow.session
        case = load_case(session, case_id)
        account = session.get_one(AccountRow, case.account_id)
        policy = policy_of(session, case, ctx.policy())
        due = None
        if target is not None:
            business = resolve_calendar("business", account_snapshot(account),
                                        policy.sla.business_hours)
            due = response_due(target, now, vendor_calendar(target, business))
        row = VendorCaseRow(
            case_number=case.number, vendor=vendor, plan=plan, vendor_case_id=vendor_case_id,
            display_id=opened.display_id if opened else None, severity=code, subject=subject,
            status=opened.status if opened else "opened",
            state=opened.state if opened else "open", opened_at=now, opened_by=actor.name,
            response_due_at=due, next_sync_at=now + FIRST_SYNC_AFTER)
        session.add(row)
        session.flush()
        name = VENDOR_NAMES[vendor]
        if case.tier == Tier.T3.value:  # (read again: someone may have stepped meanwhile)
            take_step(session, case, target=Tier.VENDOR.value,
                      handoff={**package,
                               VENDOR_CASE_NUMBER: f"{name} {row.display_id or vendor_case_id}"},
                      reason=f"{name} support case opened", override_reason=override_reason,
                      actor=actor, now=now, policy=policy)
        record(session, case, actor=actor, at=now, kind="vendor_case_opened",
               summary=f"{name} support case {row.display_id or row.vendor_case_id} opened "
                       f"({plan} plan, severity {code})"
                       + (f"; their response is due {due.isoformat()}" if due else ""),
               data={"vendor_case": row.id, "vendor": vendor, "plan": plan,
                     "severity": code, "vendor_case_id": row.vendor_case_id,
                     "response_due_at": due.isoformat() if due else None, "draft": draft})
        uow.commit()
        return vendor_case_view(session, row, case.ref)


def _vendor_handoff(
    policy: Policy, handoff: dict[str, Any] | None, override_reason: str | None, actor: Actor,
) -> dict[str, Any]:
    """The T3 -> VENDOR package through the handoff gate, all but the vendor case number
    (the opening gives it); an override needs the same authority as any other."""
    step = policy.step_from(Tier.T3)
    required = [item for item in (step.handoff_required if step else ())
                if item != VENDOR_CASE_NUMBER]
    gate = pass_handoff_gate(f"{Tier.T3.value} -> {Tier.VENDOR.value}", required, handoff,
                             override_reason=override_reason)
    if gate.overridden:
        can_override_handoff(actor)
    return gate.package


def _plan(plans: Any, vendor: str, plan: str | None) -> str:
    known = list(plans.vendors[vendor].plans)
    chosen = plan
    if chosen is None:
        raise InvalidInput.of("plan", f"say which {VENDOR_NAMES[vendor]} support plan we have "
                                      f"(--plan, or ESCALADA_{vendor.upper()}_PLAN): "
                                      f"one of {', '.join(known)}")
    if chosen not in known:
        raise InvalidInput.of("plan", f"{chosen!r} is not a {VENDOR_NAMES[vendor]} plan: "
                                      f"one of {', '.join(known)}")
    return chosen


def _safely_fetch(client: VendorClient, case_id: str) -> VendorCase | None:
    """The vendor case as just opened; a failure here must not lose the opening."""
    try:
        return client.fetch_case(case_id)
    except VendorFailed:
        return None



# Notes, escalation, closing


def note_vendor_case(
    *, ctx: Context, actor: Actor, case_id: str, text: str, vendor: str | None = None,
    dry_run: bool = False,
) -> VendorCaseView | VendorRequestView:
    """Add a communication to the case's open vendor case."""
    if not text.strip():
        raise InvalidInput.of("text", "say what to tell the vendor")
    return _act(ctx, actor, case_id, vendor, "vendor_note",
                lambda c, row: c.add_communication(row.vendor_case_id, text.strip()),
                lambda name, row: f"note added to {name} case: {excerpt(text)}", dry_run,
                text=text.strip())


def escalate_vendor_case(
    *, ctx: Context, actor: Actor, case_id: str, reason: str, justification: str,
    vendor: str | None = None, dry_run: bool = False,
) -> VendorCaseView | VendorRequestView:
    """Ask the vendor for more attention: Google's escalation; a manager review request
    (and the TAM, where set) on AWS; a higher severity and a request on Azure."""
    wanted = reason.strip().upper()
    if wanted not in ESCALATION_REASONS:
        raise InvalidInput.of("reason", f"must be one of {', '.join(ESCALATION_REASONS)}")
    if not justification.strip():
        raise InvalidInput.of("justification", "say why: the business impact and urgency")

    def call(c: VendorClient, row: VendorCaseRow) -> Any:
        return c.escalate(row.vendor_case_id, wanted, justification.strip())

    return _act(ctx, actor, case_id, vendor, "vendor_escalated", call,
                lambda name, row: f"{name} case escalated ({wanted}): "
                                  f"{excerpt(justification)}", dry_run)


def close_vendor_case(
    *, ctx: Context, actor: Actor, case_id: str, vendor: str | None = None,
    dry_run: bool = False,
) -> VendorCaseView | VendorRequestView:
    """Close (AWS: resolve) the case's open vendor case."""
    return _act(ctx, actor, case_id, vendor, "vendor_case_closed",
                lambda c, row: c.close(row.vendor_case_id),
                lambda name, row: f"{name} case {row.display_id or row.vendor_case_id} closed",
                dry_run)


def _act(
    ctx: Context, actor: Actor, case_id: str, vendor: str | None,
    kind: str, call: Any, summary: Any, dry_run: bool = False,
    text: str | None = None,
) -> VendorCaseView | VendorRequestView:
    can_work_cases(actor, "working a vendor case")
    with ctx.unit_of_work() as uow:
        case = load_case(uow.session, case_id)
        row = _one_open(uow.session, case, vendor)
        row_id, row_vendor = row.id, row.vendor
        detached = _Detached(row.vendor_case_id, row.display_id)
    sent = call(ctx.vendors(row_vendor, dry_run=dry_run), detached)
    if sent.dry_run:
        return VendorRequestView(vendor=row_vendor, operation=sent.call.operation,
                                 params=sent.call.params)
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        session = uow.session
        case = load_case(session, case_id)
        row = session.get_one(VendorCaseRow, row_id)
        if kind == "vendor_escalated":
            row.escalated_at = now
        if kind == "vendor_case_closed":
            row.status, row.state, row.closed_at, row.next_sync_at = "closed", CLOSED, now, None
        record(session, case, actor=actor, at=now, kind=kind,
               summary=summary(VENDOR_NAMES[row.vendor], row),
               data={"vendor_case": row.id, "vendor": row.vendor,
                     "vendor_case_id": row.vendor_case_id,
                     **({"text": text} if text is not None else {})})
        uow.commit()
        return vendor_case_view(session, row, case.ref)


class _Detached:
    """The ids of a vendor case, carried out of its transaction to the vendor call."""

    def __init__(self, vendor_case_id: str, display_id: str | None) -> None:
        self.vendor_case_id, self.display_id = vendor_case_id, display_id


def open_rows(session: Session, case: CaseRow) -> list[VendorCaseRow]:
    return list(session.scalars(select(VendorCaseRow).where(
        VendorCaseRow.case_number == case.number, VendorCaseRow.state != CLOSED)
        .order_by(VendorCaseRow.id)))


def _one_open(session: Session, case: CaseRow, vendor: str | None) -> VendorCaseRow:
    rows = [r for r in open_rows(session, case) if vendor is None or r.vendor == vendor]
    if not rows:
        raise NotFound(f"{case.ref} has no open vendor case"
                       + (f" with {vendor}" if vendor else ""))
    if len(rows) > 1:
        raise InvalidInput.of("vendor", f"{case.ref} has open cases with "
                                        f"{', '.join(r.vendor for r in rows)}: say which")
    return rows[0]


# Reading


def list_vendor_cases(*, ctx: Context, case_id: str) -> list[VendorCaseView]:
    with ctx.unit_of_work() as uow:
        case = load_case(uow.session, case_id)
        rows = uow.session.scalars(select(VendorCaseRow).where(
            VendorCaseRow.case_number == case.number).order_by(VendorCaseRow.id))
        return [vendor_case_view(uow.session, row, case.ref) for row in rows]


def vendor_case_view(session: Session, row: VendorCaseRow, case_ref: str) -> VendorCaseView:
    messages = session.scalars(select(VendorMessageRow).where(
        VendorMessageRow.vendor_case_id == row.id).order_by(VendorMessageRow.at))
    return VendorCaseView(
        id=row.id, case=case_ref, vendor=row.vendor, plan=row.plan,
        vendor_case_id=row.vendor_case_id, display_id=row.display_id, severity=row.severity,
        subject=row.subject, status=row.status, state=row.state, opened_at=row.opened_at,
        opened_by=row.opened_by, response_due_at=row.response_due_at,
        responded_at=row.responded_at, escalated_at=row.escalated_at, closed_at=row.closed_at,
        last_synced_at=row.last_synced_at, sync_error=row.sync_error,
        messages=[VendorMessageView(at=m.at, author=m.author, body=m.body,
                                    from_vendor=m.from_vendor) for m in messages])
