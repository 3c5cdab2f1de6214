"""Workers sync each vendor case on its own: a vendor SDK raising its own error (not
ours) for one case is logged, kept on that case and tried again later, while the
other cases of the same pass still sync."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError
from structlog.testing import capture_logs
from timer_support import drain, open_case

from escalada.adapters.db.tables import VendorCaseRow
from escalada.adapters.vendors import OPEN, VendorCase, VendorMessage
from escalada.services import audit, vendor_sync
from escalada.services.context import Context
from escalada.services.vendor_views import vendor_case_page
from escalada.testing import FakeClock

SDK_ERRORS: dict[str, Callable[[], Exception]] = {
    "runtime": lambda: RuntimeError("the SDK fell over"),
    "botocore": lambda: EndpointConnectionError(endpoint_url="https://support.example"),
}


class FlakyVendor:
    """Answers for every vendor case but one, for which it raises `error`."""

    vendor = "aws"

    def __init__(self, broken: str, error: Exception, clock: FakeClock) -> None:
        self.broken, self.error, self.clock = broken, error, clock

    def fetch_case(self, case_id: str) -> VendorCase:
        if case_id == self.broken:
            raise self.error
        reply = VendorMessage(id="m-1", at=self.clock() - timedelta(minutes=5),
                              author="AWS Support", body="Engineer assigned.",
                              from_vendor=True)
        return VendorCase(vendor="aws", id=case_id, display_id=f"D-{case_id}",
                          status="work-in-progress", state=OPEN, severity="high",
                          subject="Volumes detach", opened_at=None, messages=(reply,))


def _vendor_case(ctx: Context, vendor_case_id: str, next_sync_in: timedelta) -> int:
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        row = VendorCaseRow(
            case_number=1, vendor="aws", plan="enterprise", vendor_case_id=vendor_case_id,
            severity="high", subject="Volumes detach", status="opened", state=OPEN,
            opened_at=now, opened_by="ana", next_sync_at=now + next_sync_in)
        uow.session.add(row)
        uow.session.flush()
        row_id = row.id
        uow.commit()
    return row_id


@pytest.mark.parametrize("kind", SDK_ERRORS)
def test_a_vendor_case_whose_sync_crashes_does_not_stop_the_others(
    ctx: Context, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, kind: str,
) -> None:
    open_case(ctx)
    # The broken one comes first in the pass: it used to end the pass there.
    broken = _vendor_case(ctx, "case-broken", timedelta(minutes=14))
    fine = _vendor_case(ctx, "case-fine", timedelta(minutes=15))
    error = SDK_ERRORS[kind]()
    vendor = FlakyVendor("case-broken", error, clock)
    monkeypatch.setattr(ctx, "vendors", lambda name, dry_run=False: vendor)

    clock.advance(minutes=15)
    with capture_logs() as logs:
        drain(ctx)

    views = {view.id: view for view in vendor_case_page(ctx=ctx, case_id="CASE-1").items}
    synced, failed = views[fine], views[broken]
    assert (synced.status, synced.sync_error, synced.last_synced_at) == (
        "work-in-progress", None, clock())
    assert [m.body for m in synced.messages] == ["Engineer assigned."]
    assert synced.responded_at is not None
    assert failed.sync_error == f"{type(error).__name__}: {error}"
    assert (failed.status, failed.last_synced_at, failed.messages) == ("opened", None, [])
    with ctx.unit_of_work() as uow:
        assert uow.session.get_one(VendorCaseRow, broken).next_sync_at == (
            clock() + timedelta(minutes=15))
    [logged] = [entry for entry in logs if entry["event"] == "vendor_sync_failed"]
    assert (logged["vendor_case"], logged["vendor"], logged["log_level"]) == (
        broken, "aws", "error")

    # Tried again when its time comes, and synced once the vendor answers.
    vendor.broken = ""
    clock.advance(minutes=15)
    drain(ctx)
    again = {view.id: view for view in vendor_case_page(ctx=ctx, case_id="CASE-1").items}[broken]
    assert (again.sync_error, again.status) == (None, "work-in-progress")


def test_a_vendor_case_whose_write_fails_is_rolled_back_alone_in_the_pass(
    ctx: Context, clock: FakeClock, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The pass writes what it fetched in one transaction, each vendor case in a savepoint.
    open_case(ctx)
    broken = _vendor_case(ctx, "case-broken", timedelta(minutes=14))
    fine = _vendor_case(ctx, "case-fine", timedelta(minutes=15))
    monkeypatch.setattr(ctx, "vendors", lambda name, dry_run=False: FlakyVendor("", Exception(),
                                                                                 clock))
    written = vendor_sync._write

    def fails_after_writing(session: Any, row: Any, *rest: Any) -> None:
        written(session, row, *rest)  # its timeline entries are on the chain
        if row.id == broken:
            raise RuntimeError("disk full")

    monkeypatch.setattr(vendor_sync, "_write", fails_after_writing)
    clock.advance(minutes=15)
    drain(ctx)

    views = {view.id: view for view in vendor_case_page(ctx=ctx, case_id="CASE-1").items}
    assert (views[fine].status, views[fine].sync_error) == ("work-in-progress", None)
    assert (views[broken].status, views[broken].messages) == ("opened", [])
    assert views[broken].sync_error == "RuntimeError: disk full"
    assert audit.verify(ctx=ctx).intact
