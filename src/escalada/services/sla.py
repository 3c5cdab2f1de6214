"""SLA clocks recomputed on purpose: after a calendar or policy change, open cases
take the policy now in force and the calendars as they are now."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalada.adapters.db.tables import CaseRow, TimerRow
from escalada.domain.errors import Conflict
from escalada.domain.model import ENDED_STATUSES, CaseStatus, case_label
from escalada.domain.policy import Policy
from escalada.domain.sla import sla_clocks
from escalada.domain.timers import SLA_THRESHOLD
from escalada.domain.words import Words
from escalada.services.authz import can_configure
from escalada.services.context import Actor, Context
from escalada.services.policies import freeze, policy_of
from escalada.services.records import record, snapshot_of
from escalada.services.repositories import load_account, load_case
from escalada.services.views import RecomputeView

Progress = Callable[[int, int], None]


def recompute(
    *, ctx: Context, actor: Actor, account: str | None = None,
    progress: Progress | None = None,
) -> RecomputeView:
    """Put every open case (of one account, or all) on the current policy and its
    account's current calendar, re-plan its timers, and record what moved."""
    can_configure(actor, "recomputing SLA clocks")
    with ctx.reading() as uow:
        query = select(CaseRow.number).where(CaseRow.status.not_in(ENDED_STATUSES))
        if account is not None:
            load_account(uow.session, account)
            query = query.where(CaseRow.account_id == account)
        numbers = list(uow.session.scalars(query.order_by(CaseRow.number)))
    moved, conflicts = [], []
    for done, number in enumerate(numbers, start=1):
        try:
            if _recompute_one(ctx, actor, number):
                moved.append(case_label(number))
        except Conflict:
            conflicts.append(case_label(number))  # changed meanwhile: its own change re-planned it
        if progress is not None:
            progress(done, len(numbers))
    return RecomputeView(cases=len(numbers), moved=moved, conflicts=conflicts)


def _due_times(session: Session, case: CaseRow, policy: Policy, now: datetime) -> dict[str, str]:
    clocks = sla_clocks(snapshot_of(session, case, now), policy, now)
    return {clock.target: clock.due_at.isoformat() for clock in clocks}


def _planned_due_times(session: Session, case: CaseRow) -> dict[str, str]:
    pending = session.scalars(select(TimerRow.payload).where(
        TimerRow.case_number == case.number, TimerRow.state == "pending",
        TimerRow.kind == SLA_THRESHOLD))
    return {payload["target"]: payload["due_at"] for payload in pending}


def _recompute_one(ctx: Context, actor: Actor, number: int) -> bool:
    now, current = ctx.clock(), ctx.policy()
    with ctx.unit_of_work() as uow:
        session = uow.session
        case = load_case(session, case_label(number))
        if not CaseStatus(case.status).is_open:
            return False
        # What the timers were planned on (the calendar may have changed since), else
        # the frozen policy on today's calendar.
        before = {**_due_times(session, case, policy_of(session, case, current), now),
                  **_planned_due_times(session, case)}
        before_policy = case.policy_version
        freeze(session, case, current, now)
        after = _due_times(session, case, current, now)
        changes = {target: {"before": before.get(target), "after": due}
                   for target, due in after.items() if before.get(target) != due}
        moves = [Words("{target} due {before} -> {after}", target=target,
                       before=str(moved["before"]), after=str(moved["after"]))
                 for target, moved in changes.items()]
        told = moves[0] if moves else Words("no due time moved")
        for move in moves[1:]:
            told = Words("{first}; {then}", first=told, then=move)
        summary = Words("SLA clocks recomputed: {moves}", moves=told)
        record(session, case, actor=actor, at=now, kind="sla_recomputed", summary=summary,
               data={"policy_before": before_policy, "policy_after": current.version,
                     "due_times": changes})
        uow.commit()
        return bool(changes)
