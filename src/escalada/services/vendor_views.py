"""What people read of vendor cases and the vendors' plans."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalada.adapters.db.tables import CaseRow, VendorCaseRow, VendorMessageRow
from escalada.adapters.vendor_plans_file import current_vendor_plans
from escalada.adapters.vendors import VENDORS
from escalada.domain.errors import InvalidInput
from escalada.domain.snapshot import AwareDatetime
from escalada.domain.vendor_plans import vendor_severity
from escalada.services.context import Context
from escalada.services.paging import Order, Page, PageQuery, sql_page, validated
from escalada.services.repositories import load_case
from escalada.services.views import View


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
        raise InvalidInput.of("vendor", "must be one of {vendors}", vendors=', '.join(VENDORS))
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


class VendorCasesQuery(PageQuery):
    vendor: Literal["aws", "azure", "gcp"] | None = None
    state: Literal["open", "waiting_on_us", "resolved", "closed"] | None = None


_OPENED = Order("vendor_cases", (VendorCaseRow.id,), ("int",))


def vendor_case_page(*, ctx: Context, case_id: str, **query: Any) -> Page[VendorCaseView]:
    """A page of the case's vendor cases in the order they were opened, filtered by
    `vendor` and `state`."""
    wanted = validated(VendorCasesQuery, query)
    with ctx.reading() as uow:
        case = load_case(uow.session, case_id)
        rows = select(VendorCaseRow).where(VendorCaseRow.case_number == case.number)
        if wanted.vendor is not None:
            rows = rows.where(VendorCaseRow.vendor == wanted.vendor)
        if wanted.state is not None:
            rows = rows.where(VendorCaseRow.state == wanted.state)
        return sql_page(uow.session, rows, _OPENED, wanted,
                        lambda row: vendor_case_view(uow.session, row, case.ref),
                        lambda row: [row.id])


def vendor_cases_of(session: Session, case: CaseRow) -> list[VendorCaseView]:
    """A loaded case's vendor cases, in the order they were opened."""
    rows = session.scalars(select(VendorCaseRow).where(
        VendorCaseRow.case_number == case.number).order_by(VendorCaseRow.id))
    return [vendor_case_view(session, row, case.ref) for row in rows]


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
