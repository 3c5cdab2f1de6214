"""Service credits: proposed for a case (entered, or computed from its breach), approved
or rejected by someone other than their proposer (four eyes) and only within the
decider's authority (the policy frozen on the case) for the credit together with the
case's credits approved in the policy's window, and routed up the executive track when
that needs a more senior approver.

A refused decision writes nothing: the credit, its version and the timeline stay as
they were. Every proposal, decision and routing is on the case's timeline; credits do
not change the case itself (they carry their own version), except routing, which takes
an executive step.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from escalada.adapters.db.tables import CaseRow, CreditRow
from escalada.domain.case_words import CASE_WORDS
from escalada.domain.credits import (
    ApprovedCredit,
    approved_within,
    cents,
    credit_from_breach,
    explained,
)
from escalada.domain.errors import (
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotFound,
    StaleVersion,
)
from escalada.domain.id_words import ROLE_WORDS, named
from escalada.domain.model import CaseStatus, ExecLevel, level_rank
from escalada.domain.money import usd
from escalada.domain.policy import Policy
from escalada.domain.sla import sla_clocks
from escalada.domain.snapshot import AwareDatetime, Money
from escalada.domain.validation import Note, invalid_input
from escalada.domain.words import Usd, Words
from escalada.services.authz import (
    ProposedCredit,
    approver_needed,
    approver_role,
    can_approve_credit,
    can_decide_credit_proposed_by,
    can_work_cases,
    level_role,
)
from escalada.services.context import Actor, Context
from escalada.services.escalations import take_step
from escalada.services.policies import policy_of
from escalada.services.records import committed_view, record, snapshot_of
from escalada.services.repositories import load_case
from escalada.services.views import CaseView, View

PROPOSED, APPROVED, REJECTED = "proposed", "approved", "rejected"
CREDIT_STATES = (PROPOSED, APPROVED, REJECTED)
_LARGEST_ID = 2**31 - 1  # the column is a 32-bit integer on PostgreSQL

PositiveMoney = Annotated[Money, Field(gt=0)]


class _Proposal(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    amount_usd: PositiveMoney | None = None
    from_breach: bool = False
    reason: Note | None = None


class _Decision(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: Note = Field(min_length=1)


def _validated(model: type[BaseModel], fields: dict[str, Any]) -> Any:
    try:
        return model.model_validate(fields)
    except ValidationError as error:
        raise invalid_input(error) from error


def propose_credit(
    *, ctx: Context, actor: Actor, case_id: str, amount_usd: Decimal | str | None = None,
    from_breach: bool = False, reason: str | None = None,
) -> CreditView:
    """Propose a credit for a case: an entered amount, or the schedule's for its breach."""
    can_work_cases(actor, "proposing a service credit")
    proposal = _checked(amount_usd, from_breach, reason)
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        case = load_case(uow.session, case_id)
        if case.status == CaseStatus.CLOSED.value:
            raise InvalidTransition.of("{case} is closed: credits are proposed before closing",
                                       case=case.ref)
        policy = policy_of(uow.session, case, ctx.policy())
        if proposal.amount_usd is None:
            amount, computation = _from_breach(uow.session, case, policy, now)
        else:
            amount, computation = cents(proposal.amount_usd), {}
        credit = CreditRow(
            case_number=case.number, amount_usd=amount,
            basis="breach" if computation else "entered", computation=computation,
            state=PROPOSED, reason=proposal.reason or None, proposed_by=actor.name, proposed_at=now)
        uow.session.add(credit)
        uow.session.flush()
        how = (Words("from the breach: {how}", how=explained(computation)) if computation
               else Words("entered"))
        total = _answered_for(credit, _approved(uow.session, case.number), policy, now)
        _record(uow.session, case, credit, policy, total, actor=actor, at=now,
                kind="credit_proposed",
                summary=Words("{credit} proposed ({how})", credit=_named(credit), how=how),
                reason=credit.reason, data={"basis": credit.basis, "computation": computation})
        uow.commit()
        return credit_view(credit, case, policy, total)


def _checked(amount_usd: Decimal | str | None, from_breach: bool, reason: str | None) -> _Proposal:
    proposal: _Proposal = _validated(
        _Proposal, {"amount_usd": amount_usd, "from_breach": from_breach, "reason": reason})
    if proposal.amount_usd is not None and proposal.from_breach:
        raise InvalidInput.of("from_breach", "give an amount or from_breach, not both")
    if proposal.amount_usd is None and not proposal.from_breach:
        raise InvalidInput.of("amount_usd", "give an amount in USD, or from_breach to "
                              "compute it from the case's breach")
    return proposal


def _from_breach(
    session: Session, case: CaseRow, policy: Policy, now: datetime
) -> tuple[Decimal, dict[str, Any]]:
    """The schedule's credit for the case's worst breach: at `now` while the case is
    open, at its resolution once resolved (its clocks stop there)."""
    snapshot = snapshot_of(session, case, now)
    measured_at = now
    if case.resolved_at is not None and not snapshot.status.is_open:
        measured_at = case.resolved_at
        snapshot = snapshot.model_copy(update={"status": CaseStatus.MONITORING})
    _lock(session, case)  # so that two proposals at once cannot both fit under the cap
    others = session.scalars(select(CreditRow.amount_usd).where(
        CreditRow.case_number == case.number, CreditRow.state != REJECTED))
    return credit_from_breach(
        snapshot.account, sla_clocks(snapshot, policy, measured_at), policy.credits,
        measured_at=measured_at, already_credited=sum(others, Decimal(0)))


def _lock(session: Session, case: CaseRow) -> None:
    """Lock the case's row, so that what its credits total cannot change until commit."""
    session.execute(select(CaseRow.number).where(CaseRow.number == case.number)
                    .with_for_update())


def _approved(session: Session, case_number: int) -> list[ApprovedCredit]:
    return _approved_by_case(session, {case_number}).get(case_number, [])


def _approved_by_case(session: Session, numbers: set[int]) -> dict[int, list[ApprovedCredit]]:
    """The approved credits of these cases, as they count toward authority."""
    found: dict[int, list[ApprovedCredit]] = {number: [] for number in numbers}
    rows = session.execute(select(
        CreditRow.case_number, CreditRow.id, CreditRow.amount_usd, CreditRow.decided_at)
        .where(CreditRow.case_number.in_(numbers), CreditRow.state == APPROVED))
    for number, credit_id, amount, decided_at in rows:
        if decided_at is not None:
            found[number].append(ApprovedCredit(credit_id, amount, decided_at))
    return found


def _answered_for(
    credit: CreditRow, approved: list[ApprovedCredit], policy: Policy, now: datetime,
) -> Decimal:
    """What an approver of the credit answers for: it, and the case's other credits
    approved in the policy's window (now while proposed; as at its decision after)."""
    at = credit.decided_at if credit.state != PROPOSED and credit.decided_at else now
    return credit.amount_usd + approved_within(approved, policy.credits, at=at,
                                               excluding=credit.id)


def approve_credit(
    *, ctx: Context, actor: Actor, credit_id: int, reason: str,
    expected_version: int | None = None,
) -> CreditView:
    """Approve a credit someone else proposed; refused, naming the role needed, when it
    and the case's credits approved in the policy's window are above one's authority."""
    return _decide(ctx, actor, credit_id, reason, expected_version, APPROVED)


def reject_credit(
    *, ctx: Context, actor: Actor, credit_id: int, reason: str,
    expected_version: int | None = None,
) -> CreditView:
    """Reject a credit someone else proposed. It takes the same authority as approving
    it, so that no one turns down what only a more senior person may grant."""
    return _decide(ctx, actor, credit_id, reason, expected_version, REJECTED)


def _decide(
    ctx: Context, actor: Actor, credit_id: int, reason: str, expected_version: int | None,
    state: str,
) -> CreditView:
    decision: _Decision = _validated(_Decision, {"reason": reason})
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        credit, case = _load(uow.session, credit_id, expected_version)
        _still_proposed(credit)
        policy = policy_of(uow.session, case, ctx.policy())
        _lock(uow.session, case)
        total = _answered_for(credit, _approved(uow.session, case.number), policy, now)
        action = Words("approving") if state == APPROVED else Words("rejecting")
        can_decide_credit_proposed_by(actor, credit.proposed_by, _name(credit),
                                      approver_role(policy, total), action)
        can_approve_credit(actor, policy, credit.amount_usd, total - credit.amount_usd,
                           case=case.ref, action=action)
        credit.state, credit.decided_by, credit.decided_at = state, actor.name, now
        credit.decision_reason = decision.reason
        _record(uow.session, case, credit, policy, total, actor=actor, at=now,
                kind=f"credit_{state}",
                summary=(Words("{credit} approved by {who} ({role})", credit=_named(credit),
                               who=actor.name, role=named(ROLE_WORDS, actor.role))
                         if state == APPROVED else
                         Words("{credit} rejected by {who} ({role})", credit=_named(credit),
                               who=actor.name, role=named(ROLE_WORDS, actor.role))),
                reason=decision.reason)
        try:
            uow.commit()
        except Conflict as lost:
            raise Conflict.of("credit #{credit_id} was decided by someone else at the same moment; "
                              "reload it and try again", credit_id=credit_id) from lost
        return credit_view(credit, case, policy, total)


def route_credit(
    *, ctx: Context, actor: Actor, credit_id: int, expected_version: int | None = None,
) -> CreditRoutedView:
    """Escalate the credit's case to the lowest executive level whose authority covers it
    together with the case's credits approved in the policy's window."""
    can_work_cases(actor, "routing a service credit")
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        credit, case = _load(uow.session, credit_id, expected_version)
        _still_proposed(credit)
        policy = policy_of(uow.session, case, ctx.policy())
        total = _answered_for(credit, _approved(uow.session, case.number), policy, now)
        level = _level_to_route_to(case, credit, total, policy)
        role = level_role(policy, level).value
        take_step(uow.session, case, target=level.value, handoff={},
                  reason=_routing_reason(credit, case, total, role, policy),
                  override_reason=None, actor=actor, now=now, policy=policy,
                  settings=ctx.settings())
        _record(uow.session, case, credit, policy, total, actor=actor, at=now,
                kind="credit_routed",
                summary=Words("{credit} routed to {level} ({role})", credit=_named(credit),
                              level=level.value, role=named(ROLE_WORDS, role)),
                data={"to": level.value, "role": role})
        return CreditRoutedView(credit=credit_view(credit, case, policy, total),
                                case=committed_view(uow, case, policy, now))


def _routing_reason(credit: CreditRow, case: CaseRow, total: Decimal, role: str,
                    policy: Policy) -> Words:
    """Why the credit's case steps up: the step's reason, in each reader's language."""
    if total == credit.amount_usd:
        return Words("service credit #{id} of {amount} needs {role}", id=credit.id,
                     amount=Usd(credit.amount_usd), role=named(ROLE_WORDS, role))
    return Words("service credit #{id} of {amount} ({total} with the credits approved on "
                 "{case} {window}) needs {role}", id=credit.id, amount=Usd(credit.amount_usd),
                 total=Usd(total), case=case.ref, window=policy.credits.authority_window(),
                 role=named(ROLE_WORDS, role))


def _level_to_route_to(
    case: CaseRow, credit: CreditRow, total: Decimal, policy: Policy,
) -> ExecLevel:
    level = approver_needed(policy, total)
    if level is None:
        raise InvalidTransition.of("no executive level of the policy may approve {total}",
                                   total=Usd(total))
    role = level_role(policy, level).value
    if case.status in (CaseStatus.RESOLVED.value, CaseStatus.CLOSED.value):
        raise InvalidTransition.of("{case} is {status}: ask a {role} or above to approve credit "
                                   "#{id} directly", case=case.ref,
                                   status=named(CASE_WORDS, case.status),
                                   role=named(ROLE_WORDS, role), id=credit.id)
    current = None if case.exec_level is None else ExecLevel(case.exec_level)
    if level_rank(current) >= level_rank(level):
        raise InvalidTransition.of("{case} is already at {exec_level}: a {role} or above may "
                                   "approve credit #{id}", case=case.ref,
                                   exec_level=case.exec_level, role=named(ROLE_WORDS, role),
                                   id=credit.id)
    return level


def show_credit(*, ctx: Context, credit_id: int) -> CreditView:
    now = ctx.clock()
    with ctx.reading() as uow:
        credit, case = _load(uow.session, credit_id, None)
        policy = policy_of(uow.session, case, ctx.policy())
        total = _answered_for(credit, _approved(uow.session, case.number), policy, now)
        return credit_view(credit, case, policy, total)


def credits_of(session: Session, case: CaseRow, current: Policy, now: datetime
               ) -> list[CreditView]:
    """A loaded case's credits, oldest first."""
    return credit_views(session, select(CreditRow, CaseRow).join(CaseRow)
                        .where(CreditRow.case_number == case.number).order_by(CreditRow.id),
                        current, now)


def proposed_credits(session: Session, case: CaseRow, policy: Policy, now: datetime
                     ) -> list[ProposedCredit]:
    """A loaded case's credits waiting for a decision, with what their approver answers
    for besides them (services.authz.case_authority)."""
    approved = _approved(session, case.number)
    waiting = session.scalars(select(CreditRow).where(
        CreditRow.case_number == case.number, CreditRow.state == PROPOSED))
    return [ProposedCredit(credit.id, credit.amount_usd, credit.proposed_by,
                           _answered_for(credit, approved, policy, now) - credit.amount_usd)
            for credit in waiting]


def credit_views(session: Session, query: Select[CreditRow, CaseRow], current: Policy,
                 now: datetime) -> list[CreditView]:
    """The credits a query of (credit, case) rows selects, each with the level that may
    approve it under its case's policy (`current` for a case without one of its own)."""
    return credit_views_of(session, session.execute(query).all(), current, now)


def credit_views_of(session: Session, found: Sequence[Any],
                    current: Policy, now: datetime) -> list[CreditView]:
    """The views of (credit, case) rows read already (a page of them)."""
    approved = _approved_by_case(session, {case.number for _, case in found})
    views = []
    for credit, case in found:
        policy = policy_of(session, case, current)
        total = _answered_for(credit, approved[case.number], policy, now)
        views.append(credit_view(credit, case, policy, total))
    return views


def _load(
    session: Session, credit_id: int, expected_version: int | None
) -> tuple[CreditRow, CaseRow]:
    credit = session.get(CreditRow, credit_id) if 0 < credit_id <= _LARGEST_ID else None
    if credit is None:
        raise NotFound.of("no service credit #{credit_id}", credit_id=credit_id)
    if expected_version is not None and credit.version != expected_version:
        raise StaleVersion.of("credit #{id} is at version {version}, not {expected_version}: "
                              "someone else changed it; reload and try again", id=credit.id,
                              version=credit.version, expected_version=expected_version)
    return credit, session.get_one(CaseRow, credit.case_number)


def _still_proposed(credit: CreditRow) -> None:
    if credit.state != PROPOSED:
        raise InvalidTransition.of("credit #{id} was {state} by {decided_by} already", id=credit.id,
                                   state=credit.state, decided_by=credit.decided_by)


def _name(credit: CreditRow) -> str:
    return f"service credit #{credit.id} of {usd(credit.amount_usd)}"


def _named(credit: CreditRow) -> Words:
    return Words("service credit #{id} of {amount}", id=credit.id,
                 amount=Usd(credit.amount_usd))


def _record(
    session: Session, case: CaseRow, credit: CreditRow, policy: Policy, total: Decimal, *,
    actor: Actor, at: datetime, kind: str, summary: Words, reason: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """A credit's event on the case's timeline; the case itself does not change."""
    level = approver_needed(policy, total)
    record(session, case, actor=actor, at=at, kind=kind, summary=summary, reason=reason,
           data={"credit": credit.id, "amount_usd": str(credit.amount_usd),
                 "state": credit.state,
                 "approver_role": None if level is None else level_role(policy, level).value,
                 **(data or {})},
           changed=False)


# Views


class CreditView(View):
    """A service credit, with the executive level (and its role) that may approve it."""

    id: int
    case: str
    account: str
    amount_usd: Money
    basis: str  # entered | breach
    computation: dict[str, Any]  # how a breach credit was worked out
    state: str  # proposed | approved | rejected
    reason: str | None
    proposed_by: str
    proposed_at: AwareDatetime
    decided_by: str | None
    decided_at: AwareDatetime | None
    decision_reason: str | None
    version: int
    # The lowest level (and its role) whose authority covers the amount together with
    # the case's credits approved in the policy's window.
    approver_level: str | None
    approver_role: str | None


class CreditRoutedView(View):
    """A credit routed up, and its case at the level that may approve it."""

    credit: CreditView
    case: CaseView


def credit_view(credit: CreditRow, case: CaseRow, policy: Policy, total: Decimal) -> CreditView:
    """The credit as people see it; `total` is what its approver answers for."""
    level = approver_needed(policy, total)
    return CreditView(
        id=credit.id, case=case.ref, account=case.account_id, amount_usd=credit.amount_usd,
        basis=credit.basis, computation=credit.computation, state=credit.state,
        reason=credit.reason, proposed_by=credit.proposed_by, proposed_at=credit.proposed_at,
        decided_by=credit.decided_by, decided_at=credit.decided_at,
        decision_reason=credit.decision_reason, version=credit.version,
        approver_level=None if level is None else level.value,
        approver_role=None if level is None else level_role(policy, level).value,
    )
