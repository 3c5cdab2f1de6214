"""Opening a vendor case: from T3 (taking the step to VENDOR) or at VENDOR, its subject
and body from the vendor escalation template, its severity and response due time
from our plan."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from escalada.adapters.db.tables import AccountRow, VendorCaseRow
from escalada.adapters.vendor_plans_file import current_vendor_plans
from escalada.adapters.vendors import (
    VENDORS,
    VendorCase,
    VendorCaseRequest,
    VendorClient,
)
from escalada.domain.errors import (
    Conflict,
    EscaladaError,
    InvalidInput,
    VendorFailed,
)
from escalada.domain.escalation_path import Place, opens_vendor_case_by_stepping
from escalada.domain.handoff import pass_handoff_gate
from escalada.domain.model import Tier
from escalada.domain.policy import Policy
from escalada.domain.sla import resolve_calendar
from escalada.domain.vendor_plans import (
    ResponseTarget,
    response_due,
    response_target,
    vendor_calendar,
    vendor_severity,
)
from escalada.domain.words import Words
from escalada.services.authz import can_override_handoff, can_work_cases
from escalada.services.context import Actor, Context
from escalada.services.drafting import draft_message
from escalada.services.escalations import take_step
from escalada.services.policies import policy_of
from escalada.services.records import account_snapshot, record
from escalada.services.repositories import load_case
from escalada.services.vendor_views import VendorCaseView, VendorRequestView, vendor_case_view
from escalada.services.vendors import VENDOR_NAMES

VENDOR_CASE_NUMBER = "vendor_case_number"  # the handoff item the opening itself gives
# A new vendor case is first synced this long after opening (then every SYNC_EVERY).
FIRST_SYNC_AFTER = timedelta(minutes=15)


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
        raise InvalidInput.of("vendor", "must be one of {vendors}", vendors=', '.join(VENDORS))
    plans = current_vendor_plans(ctx.settings())
    chosen_plan = _plan(plans, vendor, plan or ctx.settings().vendor_plan(vendor))
    now = ctx.clock()
    with ctx.reading() as uow:
        case = load_case(uow.session, case_id)
        stepping = opens_vendor_case_by_stepping(
            Place(case.ref, case.tier, case.exec_level))
        # Checked before the vendor is called, so that a refused step opens nothing there.
        package = _vendor_handoff(policy_of(uow.session, case, ctx.policy()), handoff,
                                  override_reason, actor) if stepping else {}
        ours = case.severity
    known = plans.vendors[vendor].severities
    if severity is not None and severity not in known:
        raise InvalidInput.of("severity", "{severity!r} is not a {vendor_name} severity: one of "
                              "{known}", severity=severity,
                              vendor_name=VENDOR_NAMES[vendor], known=', '.join(known))
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
        raise Conflict.of("{vendor_name} case {case_id} was opened but could not be recorded on "
                          "{case_id2}: {error}", vendor_name=VENDOR_NAMES[vendor],
                          case_id=sent.case_id, case_id2=case_id, error=error) from error


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
                      reason=Words("{vendor} support case opened", vendor=name),
                      override_reason=override_reason,
                      actor=actor, now=now, policy=policy, settings=ctx.settings())
        record(session, case, actor=actor, at=now, kind="vendor_case_opened",
               summary=(Words("{vendor} support case {id} opened ({plan} plan, severity "
                              "{severity}); their response is due {due}", vendor=name,
                              id=row.display_id or row.vendor_case_id, plan=plan,
                              severity=code, due=due.isoformat()) if due else
                        Words("{vendor} support case {id} opened ({plan} plan, severity "
                              "{severity})", vendor=name,
                              id=row.display_id or row.vendor_case_id, plan=plan,
                              severity=code)),
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
        raise InvalidInput.of("plan", "say which {vendor_name} support plan we have (--plan, or "
                              "ESCALADA_{vendor}_PLAN): one of {known}",
                              vendor_name=VENDOR_NAMES[vendor], vendor=vendor.upper(),
                              known=', '.join(known))
    if chosen not in known:
        raise InvalidInput.of("plan", "{chosen!r} is not a {vendor_name} plan: one of {known}",
                              chosen=chosen, vendor_name=VENDOR_NAMES[vendor],
                              known=', '.join(known))
    return chosen


def _safely_fetch(client: VendorClient, case_id: str) -> VendorCase | None:
    """The vendor case as just opened; a failure here must not lose the opening."""
    try:
        return client.fetch_case(case_id)
    except VendorFailed:
        return None
