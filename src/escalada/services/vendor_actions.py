"""Working an open vendor case: notes, escalation, closing. The vendor is called
outside any transaction; what it did is then written in one."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from escalada.adapters.db.tables import CaseRow, VendorCaseRow
from escalada.adapters.vendors import CLOSED, VendorClient
from escalada.domain.errors import InvalidInput, NotFound
from escalada.services.authz import can_work_cases
from escalada.services.context import Actor, Context
from escalada.services.records import excerpt, record
from escalada.services.repositories import load_case
from escalada.services.vendor_views import VendorCaseView, VendorRequestView, vendor_case_view
from escalada.services.vendors import VENDOR_NAMES, open_rows

ESCALATION_REASONS = ("RESOLUTION_TIME", "TECHNICAL_EXPERTISE", "BUSINESS_IMPACT")


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
        raise InvalidInput.of("reason", "must be one of {escalation_reasons}",
                              escalation_reasons=', '.join(ESCALATION_REASONS))
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
    with ctx.reading() as uow:
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



def _one_open(session: Session, case: CaseRow, vendor: str | None) -> VendorCaseRow:
    rows = [r for r in open_rows(session, case) if vendor is None or r.vendor == vendor]
    if not rows:
        raise NotFound(f"{case.ref} has no open vendor case"
                       + (f" with {vendor}" if vendor else ""))
    if len(rows) > 1:
        raise InvalidInput.of("vendor", "{case} has open cases with {value}: say which",
                              case=case.ref, value=', '.join(r.vendor for r in rows))
    return rows[0]
