"""Who may do what: the one place roles are checked, for every entry point.

`admin` is a system role: it manages people, tokens and configuration, and on cases it
holds an engineer's authority and no more (no credits, overrides or executive
acknowledgments). A person who is both keeps two users.

Rules read the policy where the policy says it (credit authority, the role each
executive level answers with); the ladder itself is `domain.model.Role`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from escalada.domain.errors import NotPermitted
from escalada.domain.id_words import ROLE_WORDS, named
from escalada.domain.model import ExecLevel, Role, role_rank
from escalada.domain.policy import CreditAuthority, Policy
from escalada.domain.words import Usd, Words, words_of
from escalada.services.context import Actor

SYSTEM_ROLE = "system"  # escalada's own timers act as an engineer would


def _rank(actor: Actor) -> int:
    return role_rank(Role.ENGINEER if actor.role == SYSTEM_ROLE else actor.role)


def _role(role: str) -> Words:
    """A role in the reader's words (`support_director` -> "support director")."""
    return named(ROLE_WORDS, role)


def _who(actor: Actor) -> Words:
    return Words("{name} is {role}", name=actor.name,
                 role=_role(actor.role) if actor.role else Words("no known user"))


def _either(choices: Sequence[str | Words]) -> str | Words:
    """'A or B or C', each choice in the reader's language."""
    joined: str | Words = choices[0]
    for choice in choices[1:]:
        joined = Words("{first} or {second}", first=joined, second=choice)
    return joined


def refusal(action: str | Words, needed: str, actor: Actor, *,
            others: Sequence[str | Words] = ()) -> NotPermitted:
    """`action` needs the role `needed` or above, or being one of `others` (people
    named), saying what to do: ask someone who may; an admin may also act as their own
    executive user."""
    action = words_of(action)
    role = (Words("an {role} or above", role=_role(needed)) if needed[:1] in "aeiou"
            else Words("a {role} or above", role=_role(needed)))
    may = _either([role, *others])
    if actor.role == Role.ADMIN.value:
        advice = Words("{name} is admin, and admin is a system role without executive "
                       "authority: ask {may}, or act as your own executive user",
                       name=actor.name, may=may)
    else:
        advice = Words("{who}: ask {may} to do it", who=_who(actor), may=may)
    if others:
        needs = Words("{action} needs the role {role} or above or to be {others}",
                      action=action, role=_role(needed), others=_either(others))
    else:
        needs = Words("{action} needs the role {role} or above", action=action,
                      role=_role(needed))
    return NotPermitted(Words("{needs}; {advice}", needs=needs, advice=advice))


def allowed(check: Callable[[], None]) -> bool:
    """Whether a check of this module lets the actor through (to show an action only to
    those who may take it; the action checks again)."""
    try:
        check()
    except NotPermitted:
        return False
    return True


def require(actor: Actor, role: Role, action: str | Words) -> None:
    """The actor's role is `role` or above on the ladder."""
    if _rank(actor) < role_rank(role):
        raise refusal(action, role.value, actor)


def require_admin(actor: Actor, action: str) -> None:
    """People, tokens of others and configuration: admins only."""
    if actor.role != Role.ADMIN.value:
        raise NotPermitted.of("{action} needs the role admin; {who}: ask an admin",
                              action=words_of(action), who=_who(actor))


def can_change_role_of(actor: Actor, name: str, role: Role) -> None:
    """An admin changes others' roles, never their own."""
    if name == actor.name:
        raise NotPermitted.of("nobody changes their own role; ask another admin to make "
                              "{name} {role}", name=name, role=_role(role.value))


def can_create_token_for(actor: Actor, user: str | None) -> None:
    """A token is minted by its owner only; an admin may revoke anyone's, not mint it."""
    if user is not None and user != actor.name:
        raise NotPermitted.of(
            "tokens are created by their owner only: {actor} cannot create one for "
            "{user}; {user} creates their own (`escalada token create`, or POST "
            "/api/v1/tokens with their token). An admin may revoke anyone's token.",
            actor=actor.name, user=user)


def can_read(actor: Actor) -> None:
    require(actor, Role.VIEWER, "reading")


def can_work_cases(actor: Actor, action: str = "changing a case") -> None:
    require(actor, Role.ENGINEER, action)


def can_override_handoff(actor: Actor) -> None:
    """Taking a technical step without its full handoff package (case escalation and
    vendor opening alike)."""
    require(actor, Role.TEAM_LEAD, "overriding a handoff gate")


def can_make_recovery_plan(actor: Actor) -> None:
    """A recovery plan made by hand (below L2, or for a case resolved earlier)."""
    require(actor, Role.TEAM_LEAD, "making a recovery plan by hand")


def can_open_war_room(actor: Actor) -> None:
    """A war room opened by hand."""
    require(actor, Role.TEAM_LEAD, "opening a war room")


def can_assign_attendees(actor: Actor) -> None:
    require(actor, Role.TEAM_LEAD, "assigning war-room attendees")


def can_manage_slack_channel(actor: Actor) -> None:
    """A war room's Slack channel: created, its people invited."""
    require(actor, Role.TEAM_LEAD, "creating a war room's Slack channel")


def can_configure(actor: Actor, action: str) -> None:
    """Accounts, calendars and recomputing clocks: an admin or a support manager and up."""
    if actor.role != Role.ADMIN.value and _rank(actor) < role_rank(Role.SUPPORT_MANAGER):
        raise NotPermitted.of("{action} needs the role admin or support manager and above; "
                              "{who}: ask one of them", action=words_of(action),
                              who=_who(actor))


def level_role(policy: Policy, level: ExecLevel) -> Role:
    """The role that answers for an executive level (the policy's table)."""
    terms = policy.level(level)
    if terms is None:
        raise NotPermitted.of("the policy has no executive level {level}", level=level.value)
    return Role(terms.role)


def can_close_war_room(actor: Actor, action: str, *, lead: str | None,
                       executive: str | None) -> None:
    """Resolving a case closes its open war room: a team lead and above, the room's
    lead (the escalation coordinator) or its executive may."""
    named = [name for name in (lead, executive) if name]
    if actor.name in named or _rank(actor) >= role_rank(Role.TEAM_LEAD):
        return
    others = ([Words("the war room's lead {name}", name=lead)] if lead else []) + (
        [Words("the war room's executive {name}", name=executive)] if executive else [])
    raise refusal(action, Role.TEAM_LEAD.value, actor, others=others)


def can_acknowledge_level(actor: Actor, policy: Policy, level: ExecLevel) -> None:
    role = level_role(policy, level)
    require(actor, role, Words("acknowledging an {level} escalation", level=level.value))


def can_step_down_from(actor: Actor, policy: Policy, level: ExecLevel, case: str) -> None:
    """Leaving an executive level needs the authority of the level left (the role that
    acknowledges it)."""
    require(actor, level_role(policy, level),
            Words("stepping {case} down from {level}", case=case, level=level.value))


def can_acknowledge_for(actor: Actor, policy: Policy, executive: str | None) -> None:
    """A war room's executive acknowledgment: the matched executive gives it, or someone
    of the policy's stand-in role (vp) and above in their stead."""
    if actor.name != executive:
        require(actor, policy.war_room.ack_stand_in_role,
                Words("acknowledging for {executive}",
                      executive=executive or Words("the executive")))


def credit_authority(policy: Policy, role: str | None) -> CreditAuthority | None:
    """The credits a role may approve; None: no authority at all. Above the top level's
    role, the top level's authority."""
    rank = role_rank(role)
    best = None
    for level in policy.executive.levels:
        if role_rank(level.role) <= rank:
            best = level.service_credits
    return best


def approver_needed(policy: Policy, amount: Decimal) -> ExecLevel | None:
    """The lowest executive level whose credit authority covers `amount`."""
    for level in policy.executive.levels:
        if level.service_credits.covers(amount):
            return level.level
    return None


def approver_role(policy: Policy, amount: Decimal) -> str:
    """The role of the lowest level whose authority covers `amount` ('nobody' if none)."""
    needed = approver_needed(policy, amount)
    return level_role(policy, needed).value if needed is not None else "nobody"


def can_approve_credit(
    actor: Actor, policy: Policy, amount: Decimal, approved_before: Decimal = Decimal(0), *,
    case: str = "the case", action: str | Words = "approving",
) -> None:
    """Refused, naming the role needed, when the amount together with the case's credits
    approved in the policy's window (`approved_before`) is above the actor's authority."""
    total = amount + approved_before
    authority = credit_authority(policy, actor.role if actor.role != SYSTEM_ROLE else None)
    if authority is not None and authority.covers(total):
        return
    deciding = Words("{action} a {amount} service credit", action=words_of(action),
                     amount=Usd(amount))
    if approved_before:
        deciding = Words("{deciding} (with the {before} approved on {case} {window}, {total} "
                         "in all)", deciding=deciding, before=Usd(approved_before), case=case,
                         window=policy.credits.authority_window(), total=Usd(total))
    raise refusal(deciding, approver_role(policy, total), actor)


def can_decide_credit_proposed_by(
    actor: Actor, proposed_by: str, credit: str, role: str,
    action: str | Words = "approving",
) -> None:
    """Four eyes: nobody approves or rejects a credit they proposed."""
    if actor.name == proposed_by:
        raise NotPermitted.of(
            "{action} {credit} needs a second person (four eyes): {proposer} proposed "
            "it; another {role} or above may decide it", action=words_of(action),
            credit=credit, proposer=proposed_by, role=_role(role))


def can_enter_health_input(actor: Actor) -> None:
    """NPS, QBR attendance and the other entered health inputs: a team lead and up (the
    people who hear them from the customer), or an admin."""
    if actor.role != Role.ADMIN.value:
        require(actor, Role.TEAM_LEAD, "entering account health inputs")


def can_keep_health_score(actor: Actor) -> None:
    """Keeping a computed score (on the trend, as the account's score): an engineer and
    up, or an admin; nothing in it is entered by hand."""
    if actor.role != Role.ADMIN.value:
        require(actor, Role.ENGINEER, "keeping account health scores")


# What a person may do on one case, for the screens that offer the actions. It asks the
# checks above (never restating them), so that what is offered is what is let through.


@dataclass(frozen=True, slots=True)
class PendingStep:
    """An escalation step waiting for its acknowledgment."""

    step: int
    track: str
    to: str | None


@dataclass(frozen=True, slots=True)
class ProposedCredit:
    """A credit waiting for a decision, and the case's credits approved in the policy's
    window that its approver answers for with it."""

    id: int
    amount_usd: Decimal
    proposed_by: str
    approved_before: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class CaseAuthority:
    """What the actor's role lets them do on a case (its state aside)."""

    work: bool  # an engineer's work: escalate, respond, pause, draft, send, credits, ...
    override_handoff: bool
    acknowledge: frozenset[int]  # the steps they may acknowledge
    decide_credits: frozenset[int]  # the proposed credits they may approve or reject


def case_authority(
    actor: Actor, policy: Policy, *, pending: Sequence[PendingStep] = (),
    proposed: Sequence[ProposedCredit] = (),
) -> CaseAuthority:
    """What `actor` may do on a case with these steps to acknowledge and credits to
    decide, by the same checks the actions make."""
    work = allowed(lambda: can_work_cases(actor))

    def may_acknowledge(step: PendingStep) -> bool:
        if step.track != "executive" or step.to is None:
            return work
        return work and allowed(
            lambda: can_acknowledge_level(actor, policy, ExecLevel(step.to or "")))

    def may_decide(credit: ProposedCredit) -> bool:
        total = credit.amount_usd + credit.approved_before
        return (allowed(lambda: can_decide_credit_proposed_by(
                    actor, credit.proposed_by, "", approver_role(policy, total)))
                and allowed(lambda: can_approve_credit(
                    actor, policy, credit.amount_usd, credit.approved_before)))

    return CaseAuthority(
        work=work, override_handoff=allowed(lambda: can_override_handoff(actor)),
        acknowledge=frozenset(s.step for s in pending if may_acknowledge(s)),
        decide_credits=frozenset(c.id for c in proposed if may_decide(c)))
