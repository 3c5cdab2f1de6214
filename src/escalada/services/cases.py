"""The case lifecycle: open, flag, pause, respond, update, resolve, close."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.orm import Session, object_session

from escalada.adapters.db.tables import CaseRow, PauseRow
from escalada.domain import case_status
from escalada.domain.errors import InvalidInput, InvalidTransition
from escalada.domain.id_words import FIELD_VALUES, FIELD_WORDS, criterion_words, named
from escalada.domain.model import CaseStatus, ContactLevel, Severity, Tier
from escalada.domain.policy import CriterionId, Policy
from escalada.domain.snapshot import Money, Text
from escalada.domain.validation import Label, invalid_input
from escalada.domain.words import Usd, Words
from escalada.services.authz import can_work_cases
from escalada.services.case_reads import show_case as show_case
from escalada.services.contacts import find_contact
from escalada.services.context import Actor, Context, in_force
from escalada.services.evaluation import check_aware, check_span
from escalada.services.incidents import incidents_of
from escalada.services.knowledge_base import retag, suggest_similar
from escalada.services.policies import freeze, policy_of
from escalada.services.records import (
    Event,
    change_case,
    committed_view,
    due_on_opening,
    opened,
    opening_account,
    record,
    snapshot_of,
    timeline_of,
    timeline_view,
)
from escalada.services.repositories import new_case
from escalada.services.storm_watch import follow_arrival
from escalada.services.unit_of_work import UnitOfWork
from escalada.services.vendor_health import link_arrival
from escalada.services.views import (
    CaseView,
    EvaluationView,
    TimelineEntryView,
    evaluation_view,
)


class _Flags(BaseModel):
    flags: list[CriterionId] = Field(min_length=1)


class NewCase(BaseModel):
    """What it takes to open a case."""

    model_config = ConfigDict(extra="forbid")

    account: str = Field(min_length=1)
    severity: Severity
    title: Label = Field(min_length=1)
    services: list[Text] = []
    regions: list[Text] = Field(default=[], description="the regions affected, e.g. "
                                                        "eu-central-1")
    flags: list[CriterionId] = []
    revenue_impact_usd: Money = Decimal(0)
    business_impact_usd: Money = Decimal(0)
    contact: str | None = Field(
        default=None, max_length=200,
        description="the escalating contact: a contact id or email of the account "
                    "(their level and title, unless given here)")
    contact_level: ContactLevel | None = Field(default=None,
                                               description="default: the contact's, else staff")
    contact_title: Text | None = Field(default=None, max_length=100,
                                       description="the escalating contact's title, e.g. CTO")
    csat: float | None = Field(default=None, ge=1, le=5)


class CaseChanges(BaseModel):
    """Fields people may change on an open case; None leaves a field alone."""

    model_config = ConfigDict(extra="forbid")

    title: Label | None = Field(default=None, min_length=1)
    severity: Severity | None = None
    status: CaseStatus | None = None
    services: list[Text] | None = None
    revenue_impact_usd: Money | None = None
    business_impact_usd: Money | None = None
    contact: str | None = Field(default=None, max_length=200,
                                description="a contact id or email of the account")
    contact_level: ContactLevel | None = None
    contact_title: Text | None = Field(default=None, max_length=100)
    csat: float | None = Field(default=None, ge=1, le=5)
    regions: list[Text] | None = Field(default=None, description="replaces the regions")
    users_affected: int | None = Field(default=None, ge=0, le=2**31 - 1)


def _validated(model: type[BaseModel], fields: dict[str, Any]) -> Any:
    try:
        return model.model_validate(fields)
    except ValidationError as error:
        raise invalid_input(error) from error


def open_case(*, ctx: Context, actor: Actor, new: NewCase | None = None,
              **fields: Any) -> CaseView:
    """Open a case for an account at T1, with no executive engaged: `fields` as people
    give them, or `new` as validated already (the API's request body)."""
    can_work_cases(actor, "opening a case")
    if new is None:
        new = _validated(NewCase, fields)
    now, policy = ctx.clock(), ctx.policy()
    with ctx.unit_of_work() as uow:
        in_force(uow.session, policy)  # its timers are planned under it at commit
        opening_account(uow.session, new.account, now)
        case, stormed = open_in(
            uow, new, policy=policy, now=now, actor=actor,
            summary=Words("{severity} case opened: {title}", severity=new.severity.value,
                          title=new.title),
            data=new.model_dump(mode="json", exclude=None if new.regions else {"regions"}))
        if not stormed:
            return committed_view(uow, case, policy, now)
        uow.settle()
        incidents = incidents_of(uow.session, case)
        return committed_view(uow, case, policy, now).model_copy(
            update={"incidents": incidents})


def open_in(uow: UnitOfWork, new: NewCase, *, policy: Policy, now: datetime, actor: Actor,
            summary: Words | str, data: dict[str, Any]) -> tuple[CaseRow, bool]:
    """Open the case in the caller's unit of work (its account known to exist), as every
    opening does (`case open`, the API, a help desk's ticket): frozen under the policy,
    recorded, similar cases suggested, and joined to (or opening) the platform incident
    of its services and regions; whether it joined one."""
    new = _with_contact(uow.session, new)
    case = new_case(
        account_id=new.account, title=new.title, severity=new.severity.value,
        status=CaseStatus.NEW.value, tier=Tier.T1.value, exec_level=None,
        opened_at=now, services=sorted(set(new.services)), flags=sorted(set(new.flags)),
        regions=sorted(set(new.regions)),
        csat=new.csat, revenue_impact_usd=new.revenue_impact_usd,
        business_impact_usd=new.business_impact_usd,
        escalating_contact_level=(new.contact_level or ContactLevel.STAFF).value,
        contact_title=new.contact_title, contact_id=_contact_id(new.contact),
        policy_version=policy.version,
        # Written once, as it stands after its opening: its first version, its
        # first timer generation, no pauses or steps yet (nothing to load back).
        updated_at=now, version=1, timer_generation=1,
    )
    freeze(uow.session, case, policy, now)
    case.sla_due_at = due_on_opening(uow.session, case, policy)
    uow.cases.add(case)
    opened(uow.session, case)
    record(uow.session, case, actor=actor, at=now, kind="case_opened", summary=summary,
           data=data)
    suggest_similar(uow.session, case, at=now)
    stormed = follow_arrival(uow.session, case, policy, now)
    link_arrival(uow.session, case, now)
    return case, stormed


def places_changed(session: Session, case: CaseRow, policy: Policy, now: datetime) -> None:
    """What follows a change of a case's services or regions (a person's edit, or its
    help-desk ticket's): similar cases, and the platform incidents of its new places."""
    retag(session, case)
    suggest_similar(session, case, at=now)
    follow_arrival(session, case, policy, now)
    link_arrival(session, case, now)


def _with_contact(session: Session, new: NewCase) -> NewCase:
    """The case as asked, its contact named by id (their level and title filling in
    what was not given)."""
    if new.contact is None:
        return new
    contact = find_contact(session, new.account, new.contact)
    return new.model_copy(update={
        "contact": str(contact.id),
        "contact_level": new.contact_level or ContactLevel(contact.level),
        "contact_title": new.contact_title or contact.title})


def _contact_id(reference: str | None) -> int | None:
    return None if reference is None else int(reference)


def evaluate_case(*, ctx: Context, case_id: str, at: datetime | None = None) -> EvaluationView:
    """The engine's answer for a stored case now (or at `at`)."""
    check_aware(at)
    now = at or ctx.clock()
    with ctx.reading() as uow:
        case = uow.cases.get(case_id)
        snapshot = snapshot_of(uow.session, case, now)
        check_span(snapshot, now)
        return evaluation_view(snapshot, policy_of(uow.session, case, ctx.policy()), now)


def case_timeline(*, ctx: Context, case_id: str) -> list[TimelineEntryView]:
    """The whole append-only timeline, oldest first."""
    with ctx.reading() as uow:
        case = uow.cases.get(case_id)
        return [timeline_view(entry) for entry in timeline_of(uow.session, case)]


def set_flags(
    *, ctx: Context, actor: Actor, case_id: str, flags: list[str], on: bool = True,
    reason: str | None = None, expected_version: int | None = None,
) -> CaseView:
    """Set (or clear) criterion flags such as churn_threat on a case."""
    wanted = set(_validated(_Flags, {"flags": flags}).flags)

    def change(case: CaseRow, now: datetime) -> Event:
        current = set(case.flags)
        changed = sorted(wanted - current if on else wanted & current)
        if not changed:
            state = Words("set") if on else Words("not set")
            raise InvalidTransition.of("{case}: {wanted} already {state}", case=case.ref,
                                       wanted=', '.join(sorted(wanted)), state=state)
        case.flags = sorted(current | wanted if on else current - wanted)
        verb = "set" if on else "cleared"
        # A flag such as legal_action_threatened adds its item to an open war room.
        from escalada.services.war_room_playbook import follow_flags

        added = follow_flags(case, now, current=ctx.policy()) if on else []
        named_flags = [criterion_words(ctx.policy(), flag) for flag in changed]
        flagged = (Words("flag set: {flags}", flags=named_flags) if on
                   else Words("flag cleared: {flags}", flags=named_flags))
        if added:
            flagged = Words("{flagged}; war room checklist: {items} added", flagged=flagged,
                            items=", ".join(added))
        return Event(f"flag_{verb}", flagged, reason,
                     {"flags": changed, **({"war_room_items_added": added} if added else {})})

    return change_case(ctx, actor=actor, case_id=case_id, expected_version=expected_version,
                       change=change)


def pause(
    *, ctx: Context, actor: Actor, case_id: str, reason: str | None = None,
    expected_version: int | None = None,
) -> CaseView:
    """The case now waits on the customer: SLA clocks stop."""

    def change(case: CaseRow, now: datetime) -> Event:
        status = case_status.paused(case.ref, waiting=_waiting(case))
        case.pauses.append(PauseRow(case_number=case.number, started_at=now))
        case.status = status.value
        return Event("paused", Words("waiting on customer: SLA clocks paused"), reason)

    return change_case(ctx, actor=actor, case_id=case_id, expected_version=expected_version,
                       change=change)


def resume(
    *, ctx: Context, actor: Actor, case_id: str, reason: str | None = None,
    expected_version: int | None = None,
) -> CaseView:
    """The customer answered: SLA clocks run again."""

    def change(case: CaseRow, now: datetime) -> Event:
        status = case_status.resumed(case.ref, waiting=_waiting(case))
        _end_pause(case, now)
        case.status = status.value
        return Event("resumed", Words("customer answered: SLA clocks running"), reason)

    return change_case(ctx, actor=actor, case_id=case_id, expected_version=expected_version,
                       change=change)


def _waiting(case: CaseRow) -> bool:
    return any(p.ended_at is None for p in case.pauses)


def _end_pause(case: CaseRow, now: datetime) -> bool:
    running = [p for p in case.pauses if p.ended_at is None]
    for pause_row in running:
        pause_row.ended_at = now
    return bool(running)


def respond(
    *, ctx: Context, actor: Actor, case_id: str, note: str | None = None,
    expected_version: int | None = None,
) -> CaseView:
    """Record a response to the customer: the first response, then each update."""

    def change(case: CaseRow, now: datetime) -> Event:
        first = case.first_response_at is None
        if first:
            case.first_response_at = now
        case.last_customer_update_at = now
        case.status = case_status.after_customer_update(case.status)
        if first:
            return Event("first_response", Words("first response given to the customer"),
                         note)
        return Event("customer_update", Words("update given to the customer"), note)

    return change_case(ctx, actor=actor, case_id=case_id, expected_version=expected_version,
                       change=change)


def update_case(
    *, ctx: Context, actor: Actor, case_id: str, reason: str | None = None,
    expected_version: int | None = None, **fields: Any,
) -> CaseView:
    """Change the severity, status, impact, services, regions, users affected, escalating
    contact or CSAT of an open case."""
    changes: CaseChanges = _validated(CaseChanges, fields)
    wanted = changes.model_dump(exclude_none=True)
    if not wanted:
        raise InvalidInput.of("changes", "name at least one field to change")
    case_status.settable(changes.status)

    def change(case: CaseRow, _now: datetime) -> Event:
        case_status.updated(case.ref, changes.status, waiting=_waiting(case))
        before: dict[str, Any] = {}
        asked = dict(wanted)
        if changes.contact is not None:
            _change_contact(case, changes, asked, before)
        for name, value in asked.items():
            if name == "contact":
                continue
            column = "escalating_contact_level" if name == "contact_level" else name
            before[name] = _plain(getattr(case, column))
            stored = (sorted(set(value)) if name in ("services", "regions")
                      else getattr(value, "value", value))
            setattr(case, column, stored)
        summary = Words("changed {changes}", changes=[
            Words("{name} {before} -> {after}", name=named(FIELD_WORDS, name),
                  before=_value_words(name, before[name]),
                  after=_value_words(name, _plain(value))) for name, value in asked.items()])
        return Event("updated", summary, reason, {
            "before": before, "after": {name: _plain(value) for name, value in asked.items()}})

    def suggest(case: CaseRow, now: datetime) -> None:
        if {"services", "regions"} & wanted.keys():
            places_changed(_session_of(case), case, ctx.policy(), now)

    return change_case(ctx, actor=actor, case_id=case_id, expected_version=expected_version,
                       change=change, then=suggest)


def _session_of(case: CaseRow) -> Session:
    session = object_session(case)
    assert session is not None
    return session


def _change_contact(
    case: CaseRow, changes: CaseChanges, wanted: dict[str, Any], before: dict[str, Any]
) -> None:
    """Name the case's escalating contact; their level and title follow unless given."""
    session = object_session(case)
    assert session is not None
    contact = find_contact(session, case.account_id, changes.contact or "")
    before["contact"] = case.contact_id
    case.contact_id = contact.id
    wanted["contact"] = contact.id
    wanted.setdefault("contact_level", ContactLevel(contact.level))
    if contact.title is not None:
        wanted.setdefault("contact_title", contact.title)


def _value_words(field: str, value: object) -> Words | Usd | str:
    """A changed field's value as the timeline shows it: a status or a contact's level in
    words, money as the reader writes it, a list joined, nothing as a dash."""
    if value is None or value == []:
        return "—"
    if field in FIELD_VALUES:
        return named(FIELD_VALUES[field], value)
    if field.endswith("_usd"):
        return Usd(str(value))
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def _plain(value: Any) -> Any:
    return f"{value:.2f}" if isinstance(value, Decimal) else getattr(value, "value", value)


def resolve(
    *, ctx: Context, actor: Actor, case_id: str, reason: str | Words | None = None,
    expected_version: int | None = None,
) -> CaseView:
    """The issue is fixed; clocks stop, and the case awaits closure."""
    return change_case(ctx, actor=actor, case_id=case_id, expected_version=expected_version,
                       change=resolution(ctx, actor, reason))


def resolution(
    ctx: Context, actor: Actor, reason: str | Words | None
) -> Callable[[CaseRow, datetime], Event]:
    """What resolving an open case does to it (also when a help desk solves its ticket)."""
    # The playbooks that a resolution runs load with it, not with every case command.
    from escalada.services.post_mortem import post_mortem_due
    from escalada.services.recovery import plan_on_resolution
    from escalada.services.war_room_playbook import close_on_resolution

    def change(case: CaseRow, now: datetime) -> Event:
        _end_pause(case, now)
        case.status, case.resolved_at = CaseStatus.RESOLVED.value, now
        event = Event("resolved", Words("case resolved"), reason)
        if close_on_resolution(case, now, actor):
            event = Event(event.kind, Words("case resolved; war room closed"), reason,
                          {"war_room_closed": True})
        # An L2+ case gets its relationship recovery plan in this same transaction, and
        # its post-mortem falls due with the plan's post-mortem task.
        event = plan_on_resolution(ctx, case, event, actor=actor, now=now)
        post_mortem_due(case, event, now)
        return event

    return change


def reopen(
    *, ctx: Context, actor: Actor, case_id: str, reason: str | None = None,
    expected_version: int | None = None,
) -> CaseView:
    """The issue is back after the resolution: the case is worked again (its resolution
    clock runs from its opening, as before) and counts in its account's reopen rate."""

    def change(case: CaseRow, now: datetime) -> Event:
        resolved_at = case.resolved_at
        case.status = case_status.reopened(case.ref, case.status, reason).value
        case.resolved_at = None
        return Event("reopened", Words("case reopened after its resolution"), reason,
                     {"resolved_at": None if resolved_at is None else resolved_at.isoformat()})

    return change_case(ctx, actor=actor, case_id=case_id, expected_version=expected_version,
                       change=change, open_only=False)


def close(
    *, ctx: Context, actor: Actor, case_id: str, reason: str | None = None,
    expected_version: int | None = None,
) -> CaseView:
    """Close a resolved case."""

    def change(case: CaseRow, now: datetime) -> Event:
        case.status, case.closed_at = case_status.closed(case.ref, case.status).value, now
        return Event("closed", Words("case closed"), reason)

    return change_case(ctx, actor=actor, case_id=case_id, expected_version=expected_version,
                       change=change, open_only=False)
