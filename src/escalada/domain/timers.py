"""Which timers a case needs, worked out from its state: a pure plan.

Every change to a case plans its timers again. A timer is named by a key that
stays the same while what it watches stays the same (the same SLA target started
at the same moment, the same escalation step), so that a new plan never fires
twice what an earlier one fired.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from escalada.domain.policy import Policy
from escalada.domain.sla import SlaClock, threshold_times
from escalada.domain.snapshot import CaseSnapshot
from escalada.domain.war_room import OpenChecklistItem, PendingExecutiveAck
from escalada.domain.working_time import FOREVER

SLA_THRESHOLD = "sla_threshold"
STEP_RESPONSE_DUE = "step_response_due"
STEP_UNANSWERED = "step_unanswered"
REMINDER = "reminder"
WAR_ROOM_ITEM_DUE = "war_room_item_due"
WAR_ROOM_ACK_DUE = "war_room_ack_due"
UPDATE_STILL_OVERDUE = "update_still_overdue"
ACKNOWLEDGMENT_DUE = "acknowledgment_due"
VENDOR_RESPONSE_DUE = "vendor_response_due"
COMMITMENT_DUE = "commitment_due"
POST_MORTEM_ACTION_DUE = "post_mortem_action_due"
POST_MORTEM_DUE = "post_mortem_due"
# Kinds planned from the case's state: a new plan replaces them. A reminder is set
# by a person and stays.
PLANNED_KINDS = (SLA_THRESHOLD, STEP_RESPONSE_DUE, STEP_UNANSWERED, WAR_ROOM_ITEM_DUE,
                 WAR_ROOM_ACK_DUE, UPDATE_STILL_OVERDUE, ACKNOWLEDGMENT_DUE,
                 VENDOR_RESPONSE_DUE)
# Kinds that fire after their case is resolved or closed: a commitment made to the
# customer (a written root-cause report in five days) falls due whatever the case does.
OUTLIVE_CASE = (COMMITMENT_DUE, POST_MORTEM_ACTION_DUE, POST_MORTEM_DUE)


@dataclass(frozen=True, slots=True)
class OpenStep:
    """The newest step up a track, while nobody has acknowledged it."""

    seq: int
    track: str
    to: str
    response_due_at: datetime


@dataclass(frozen=True, slots=True)
class VendorWait:
    """A vendor case still awaiting the vendor's first response, due by our plan."""

    vendor_case: int
    vendor: str
    plan: str
    due_at: datetime


@dataclass(frozen=True, slots=True)
class PlannedTimer:
    kind: str
    key: str
    due_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)


def plan_timers(
    case: CaseSnapshot,
    open_steps: Sequence[OpenStep],
    policy: Policy,
    now: datetime,
    *,
    fired: Iterable[str] = (),
    carried: Iterable[str] = (),
    war_room_items: Sequence[OpenChecklistItem] = (),
    executive_ack: PendingExecutiveAck | None = None,
    newest_step_up: tuple[int, str, datetime] | None = None,
    vendor_waits: Sequence[VendorWait] = (),
) -> list[PlannedTimer]:
    """The timers the case needs at `now`, in due order.

    `fired` keys are left out. An SLA threshold already in the past is left out
    too (its target changed, e.g. with the severity) unless it is `carried`: due
    in the previous plan and not fired yet, so it fires late rather than never.
    """
    if not case.status.is_open:
        return []
    done, kept = set(fired), set(carried)
    planned: list[PlannedTimer] = []
    grace = timedelta(minutes=policy.timers.unacknowledged_after.minutes(24 * 60))
    thresholds = threshold_times(case, policy, now, policy.timers.sla_thresholds)
    for clock, fraction, due in thresholds:
        key = threshold_key(clock, fraction)
        if key in done or due >= FOREVER or (due <= now and key not in kept):
            continue
        planned.append(PlannedTimer(SLA_THRESHOLD, key, due, {
            "target": clock.target, "fraction": fraction,
            "started_at": clock.started_at.isoformat(),
            "due_at": clock.due_at.isoformat(), "target_minutes": clock.target_minutes,
        }))
    planned.extend(_cadence_timers(case, policy, thresholds, grace, newest_step_up, done))
    for step in open_steps:
        payload = {"step": step.seq, "track": step.track, "to": step.to,
                   "response_due_at": step.response_due_at.isoformat()}
        for kind, due in ((STEP_RESPONSE_DUE, step.response_due_at),
                          (STEP_UNANSWERED, step.response_due_at + grace)):
            key = f"{kind}:{step.seq}"
            if key not in done:
                planned.append(PlannedTimer(kind, key, due, payload))
    planned.extend(_war_room_timers(war_room_items, executive_ack, done))
    planned.extend(
        PlannedTimer(VENDOR_RESPONSE_DUE, f"{VENDOR_RESPONSE_DUE}:{wait.vendor_case}",
                     wait.due_at, {"vendor_case": wait.vendor_case, "vendor": wait.vendor,
                                   "plan": wait.plan, "due_at": wait.due_at.isoformat()})
        for wait in vendor_waits
        if f"{VENDOR_RESPONSE_DUE}:{wait.vendor_case}" not in done)
    planned.sort(key=lambda timer: timer.due_at)
    return planned


def threshold_key(clock: SlaClock, fraction: float) -> str:
    """An SLA threshold's key: its target, when that target's clock started, its minutes
    and the fraction."""
    return (f"sla:{clock.target}:{clock.started_at.isoformat()}:"
            f"{clock.target_minutes:g}:{fraction:g}")


def passed_thresholds(case: CaseSnapshot, policy: Policy, now: datetime) -> set[str]:
    """The keys of the SLA thresholds already past at `now`: `plan_timers` plans one of
    them only when it is carried (due in an earlier plan and not fired)."""
    if not case.status.is_open:
        return set()
    return {threshold_key(clock, fraction) for clock, fraction, due in threshold_times(
        case, policy, now, policy.timers.sla_thresholds) if due <= now}


def _cadence_timers(
    case: CaseSnapshot,
    policy: Policy,
    thresholds: Sequence[tuple[SlaClock, float, datetime]],
    grace: timedelta,
    newest_step_up: tuple[int, str, datetime] | None,
    done: set[str],
) -> list[PlannedTimer]:
    """The customer's update still overdue `grace` after it fell due (the level above is
    recommended then), and the acknowledgment owed to the customer after a step up."""
    planned = []
    update = next((clock for clock, _, _ in thresholds if clock.target == "next_update"), None)
    if update is not None and update.due_at < FOREVER:
        key = f"{UPDATE_STILL_OVERDUE}:{update.started_at.isoformat()}:{update.target_minutes:g}"
        if key not in done:
            planned.append(PlannedTimer(UPDATE_STILL_OVERDUE, key, update.due_at + grace, {
                "started_at": update.started_at.isoformat(),
                "due_at": update.due_at.isoformat()}))
    if newest_step_up is not None:
        seq, to, at = newest_step_up
        told = case.last_customer_update_at is not None and case.last_customer_update_at >= at
        key = f"{ACKNOWLEDGMENT_DUE}:{seq}"
        if not told and key not in done:
            due = at + timedelta(minutes=policy.communications.acknowledgment_within.minutes(
                24 * 60))
            planned.append(PlannedTimer(ACKNOWLEDGMENT_DUE, key, due, {
                "step": seq, "to": to, "stepped_at": at.isoformat(),
                "due_at": due.isoformat()}))
    return planned


def _war_room_timers(
    items: Sequence[OpenChecklistItem], ack: PendingExecutiveAck | None, done: set[str]
) -> list[PlannedTimer]:
    """A war room's unticked checklist items and its executive acknowledgment, each
    due at its own time (an item already past due fires at once)."""
    planned = [
        PlannedTimer(WAR_ROOM_ITEM_DUE, f"war_room:item:{item.id}", item.due_at,
                     {"room": item.room, "item": item.id, "key": item.key,
                      "text": item.text, "due_at": item.due_at.isoformat()})
        for item in items
    ]
    if ack is not None:
        planned.append(PlannedTimer(WAR_ROOM_ACK_DUE, f"war_room:ack:{ack.room}", ack.due_at,
                                    {"room": ack.room, "executive": ack.executive,
                                     "due_at": ack.due_at.isoformat()}))
    return [timer for timer in planned if timer.key not in done]
