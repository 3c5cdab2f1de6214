"""How a case's status moves, pure: waiting on the customer and back, hearing from us,
and closing only what is resolved."""

from __future__ import annotations

import pytest

from escalada.domain import case_status
from escalada.domain.errors import InvalidInput, InvalidTransition
from escalada.domain.model import CaseStatus


def test_an_ended_case_takes_no_more_work() -> None:
    case_status.require_open("CASE-1", "investigating")
    for status in ("resolved", "closed"):
        with pytest.raises(InvalidTransition, match=f"^CASE-1 is {status}$"):
            case_status.require_open("CASE-1", status)


def test_statuses_that_move_clocks_have_their_own_action() -> None:
    case_status.settable(CaseStatus.MITIGATING)
    case_status.settable(None)
    for status, action in (("waiting_on_customer", "pause"), ("resolved", "resolve"),
                           ("closed", "close")):
        with pytest.raises(InvalidInput, match=f"use `{action}` for that"):
            case_status.settable(CaseStatus(status))


def test_no_plain_status_change_while_waiting_on_the_customer() -> None:
    case_status.updated("CASE-1", None, waiting=True)
    case_status.updated("CASE-1", CaseStatus.MITIGATING, waiting=False)
    with pytest.raises(InvalidTransition, match="waiting on the customer: resume it first"):
        case_status.updated("CASE-1", CaseStatus.MITIGATING, waiting=True)


def test_waiting_on_the_customer_and_back() -> None:
    assert case_status.paused("CASE-1", waiting=False) is CaseStatus.WAITING_ON_CUSTOMER
    assert case_status.resumed("CASE-1", waiting=True) is CaseStatus.INVESTIGATING
    with pytest.raises(InvalidTransition, match="already waiting on the customer"):
        case_status.paused("CASE-1", waiting=True)
    with pytest.raises(InvalidTransition, match="is not waiting on the customer"):
        case_status.resumed("CASE-1", waiting=False)


def test_hearing_from_us_moves_only_a_new_case() -> None:
    assert case_status.after_customer_update("new") == "investigating"
    for status in ("investigating", "mitigating", "waiting_on_customer", "monitoring"):
        assert case_status.after_customer_update(status) == status


def test_only_a_resolved_case_closes() -> None:
    assert case_status.closed("CASE-1", "resolved") is CaseStatus.CLOSED
    with pytest.raises(InvalidTransition, match="CASE-1 is mitigating: resolve it before closing"):
        case_status.closed("CASE-1", "mitigating")
