"""Vendor coordination: a case at the VENDOR tier is opened with AWS, Azure or Google
Cloud support through their APIs, tracked against our plan's response time, chased,
noted, escalated and closed; the vendor's answers land on our timeline when synced.

Calls to a vendor are made outside any transaction (no lock is held while a vendor
thinks); what they did is then written in one.

This module holds what the parts share. Opening a vendor case is in
`vendor_opening`; notes, escalation and closing in `vendor_actions`; syncing in
`vendor_sync`; the views and the reading in `vendor_views`.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalada.adapters.db.tables import CaseRow, VendorCaseRow
from escalada.adapters.vendors import CLOSED
from escalada.services.context import Actor

VENDOR_NAMES = {"aws": "AWS", "azure": "Azure", "gcp": "Google Cloud"}
SYSTEM = Actor("escalada", "system")


def open_rows(session: Session, case: CaseRow) -> list[VendorCaseRow]:
    return list(session.scalars(select(VendorCaseRow).where(
        VendorCaseRow.case_number == case.number, VendorCaseRow.state != CLOSED)
        .order_by(VendorCaseRow.id)))
