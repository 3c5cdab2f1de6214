"""How a case's status moves (pure): waiting on the customer and back, the customer
hearing from us, resolving and closing. Every service that moves a status asks here."""

from __future__ import annotations

from escalada.domain.errors import InvalidInput, InvalidTransition
from escalada.domain.model import CaseStatus

# Statuses that move SLA clocks are set by their own action, never by a plain update.
SET_BY_ACTION = {
    CaseStatus.WAITING_ON_CUSTOMER: "pause",
    CaseStatus.RESOLVED: "resolve",
    CaseStatus.CLOSED: "close",
}


def require_open(ref: str, status: str) -> None:
    """A resolved or closed case takes no more work."""
    if not CaseStatus(status).is_open:
        raise InvalidTransition.of("{case} is {status}", case=ref, status=status)


def settable(status: CaseStatus | None) -> None:
    """A status a plain update may set (the others have their own action)."""
    if status in SET_BY_ACTION:
        raise InvalidInput.of("status", "use `{set_by_action}` for that",
                              set_by_action=SET_BY_ACTION[status])


def updated(ref: str, status: CaseStatus | None, *, waiting: bool) -> None:
    """A plain update changes no status while the case waits on the customer."""
    if status is not None and waiting:
        raise InvalidTransition.of("{case} is waiting on the customer: resume it first", case=ref)


def paused(ref: str, *, waiting: bool) -> CaseStatus:
    """The case now waits on the customer."""
    if waiting:
        raise InvalidTransition.of("{case} is already waiting on the customer", case=ref)
    return CaseStatus.WAITING_ON_CUSTOMER


def resumed(ref: str, *, waiting: bool) -> CaseStatus:
    """The customer answered."""
    if not waiting:
        raise InvalidTransition.of("{case} is not waiting on the customer", case=ref)
    return CaseStatus.INVESTIGATING


def after_customer_update(status: str) -> str:
    """The customer heard from us (a response, a delivered update): a new case is now
    being investigated; any other status stays."""
    return CaseStatus.INVESTIGATING.value if status == CaseStatus.NEW else status


def reopened(ref: str, status: str, reason: str | None) -> CaseStatus:
    """The issue came back after the resolution: a resolved case is worked again (a
    closed one stays closed: the customer opens a new case), and people say why."""
    if status != CaseStatus.RESOLVED:
        raise InvalidTransition(f"{ref} is {status}: only a resolved case reopens"
                                + (" (open a new case instead)"
                                   if status == CaseStatus.CLOSED else ""))
    if reason is None or not reason.strip():
        raise InvalidInput.of("reason", "say why the case reopens (what came back)")
    return CaseStatus.INVESTIGATING


def closed(ref: str, status: str) -> CaseStatus:
    """Only a resolved case closes."""
    if status != CaseStatus.RESOLVED:
        raise InvalidTransition.of("{case} is {status}: resolve it before closing", case=ref,
                                   status=status)
    return CaseStatus.CLOSED
