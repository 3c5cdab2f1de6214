"""A war room in Slack: its channel (the slug the playbook computed, e.g.
#exec-escalation-acme-corp) created with its seated people invited, and every change to
the case posted there through the outbox, in the transaction of the change."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalada.adapters.catalogs import LANGUAGES, SOURCE_LANGUAGE, translations
from escalada.adapters.db.tables import (
    AccountRow,
    CaseRow,
    CommunicationRow,
    OutboxRow,
    TimelineRow,
    UserRow,
    WarRoomRow,
)
from escalada.adapters.slack_workspace import SlackWorkspace
from escalada.domain.delivery import PENDING
from escalada.domain.errors import InvalidTransition
from escalada.domain.policy import Policy
from escalada.domain.words import Words
from escalada.services.authz import can_manage_slack_channel
from escalada.services.context import Actor, Context
from escalada.services.policies import policy_of
from escalada.services.records import RECORDED, record
from escalada.services.repositories import load_case
from escalada.services.views import View, summary_in, text_in
from escalada.services.war_room_playbook import room_of

WAR_ROOM_UPDATE = "war_room_update"  # the kind of a post of the case's changes


class SlackChannelView(View):
    """The war room's Slack channel and who was invited to it."""

    case: str
    channel: str  # e.g. #exec-escalation-acme-corp
    channel_id: str  # e.g. C0123ABC
    created: bool  # False: the room had its channel already (its people invited again)
    invited: list[str]  # the seated people invited (escalada user names)
    not_in_slack: list[str]  # the seated people with no Slack user id (not invited)


def create_slack_channel(*, ctx: Context, actor: Actor, case_id: str) -> SlackChannelView:
    """Create the case's war room channel in Slack (or find the one of that name) and
    invite its seated people and executive who have a Slack user id; from then on the
    case's changes are posted there. Again, it invites anyone seated since."""
    can_manage_slack_channel(actor)
    workspace = SlackWorkspace.from_settings(ctx.settings())
    with ctx.reading() as uow:
        case = load_case(uow.session, case_id)
        room = _open_room(uow.session, case)
        seated = list(dict.fromkeys(
            [seat.user_name for seat in room.attendees if seat.user_name]
            + ([room.executive] if room.executive else [])))
        slack_ids = {name: slack_id for name, slack_id in uow.session.execute(
            select(UserRow.name, UserRow.slack_user_id).where(
                UserRow.name.in_(seated), UserRow.disabled_at.is_(None),
                UserRow.slack_user_id.is_not(None))) if slack_id}
        known, name = case.slack_channel_id, room.channel
    # Slack is called outside any transaction; a second run finds the channel by name.
    channel_id = known or workspace.create_channel(name.lstrip("#"))
    invited = [person for person in seated if person in slack_ids]
    workspace.invite(channel_id, [slack_ids[person] for person in invited])
    missing = [person for person in seated if person not in slack_ids]
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        case = load_case(uow.session, case_id)
        room = _open_room(uow.session, case)
        case.slack_channel_id = channel_id
        said = {"channel": room.channel, "id": channel_id,
                "who": ", ".join(invited) or Words("nobody")}
        summary = (Words("Slack channel {channel} ({id}) linked: invited {who}", **said)
                   if known else
                   Words("Slack channel {channel} ({id}) created: invited {who}", **said))
        if missing:
            summary = Words("{done}; not in Slack: {missing}", done=summary,
                            missing=", ".join(missing))
        record(uow.session, case, actor=actor, at=now, kind="war_room_slack_channel",
               summary=summary, data={"channel": room.channel, "channel_id": channel_id,
                                      "invited": invited, "not_in_slack": missing})
        uow.commit()
    return SlackChannelView(case=case.ref, channel=name, channel_id=channel_id,
                            created=known is None, invited=invited, not_in_slack=missing)


def _open_room(session: Session, case: CaseRow) -> WarRoomRow:
    room = room_of(session, case)
    if room is None or room.closed_at is not None:
        raise InvalidTransition.of("{case} has no open war room: open it first (`escalada "
                                   "war-room open {case}`)", case=case.ref)
    return room


def post_changes(session: Session, policy: Policy, now: datetime) -> None:
    """Queue one Slack post per case with a war-room channel that this transaction
    recorded entries on, listing them (before it commits, so that what is kept is posted
    exactly once). The cases' rows are those the entries were recorded on: nothing is
    read to find that most cases have no channel."""
    recorded: dict[int, tuple[CaseRow, tuple[TimelineRow, ...]]] = (
        session.info.pop(RECORDED, None) or {})
    for case, entries in recorded.values():
        posted = tuple(entry for entry in entries if _postable(entry))
        if case.slack_channel_id is not None and posted:
            _queue_post(session, case, case.slack_channel_id, posted,
                        policy_of(session, case, policy), now)


def _postable(entry: TimelineRow) -> bool:
    """Every entry but the outcome of a post's own delivery (which would be posted in
    turn, and so on)."""
    return not (entry.kind.startswith("message_")
                and (entry.data or {}).get("kind") == WAR_ROOM_UPDATE)


def _queue_post(session: Session, case: CaseRow, channel: str,
                entries: tuple[TimelineRow, ...], policy: Policy, now: datetime) -> None:
    """The post, in the account's language: the room works that customer's case, and its
    people are the ones who speak with that customer (the account's language is the one
    its messages go out in)."""
    language = _room_language(session, case)
    said = translations(language)
    lines = [f"• {entry.actor}: {summary_in(entry.summary, entry.words, said)}"
             + (f" ({text_in(entry.reason, entry.reason_words, said)})" if entry.reason
                else "") for entry in entries]
    why = Words("the account's language")
    draft = CommunicationRow(
        case_number=case.number, kind=WAR_ROOM_UPDATE, audience="internal", language=language,
        language_reason=str(why), language_reason_words=why.as_json(), timezone="UTC",
        subject=f"{case.ref}: {case.title}", body="\n".join(lines), template="",
        fields={}, missing=[], created_by=entries[-1].actor, created_at=now)
    session.add(draft)
    session.flush()
    session.add(OutboxRow(
        communication_id=draft.id, case_number=case.number, channel="slack",
        recipient=channel, idempotency_key=f"escalada-war-room-{uuid.uuid4().hex}",
        state=PENDING,
        attempts=0, max_attempts=policy.communications.delivery.max_attempts,
        available_at=now, created_by=entries[-1].actor, created_at=now))


def _room_language(session: Session, case: CaseRow) -> str:
    """The account's language, when escalada speaks it (else English)."""
    account = session.get(AccountRow, case.account_id)
    language = account.language if account is not None else SOURCE_LANGUAGE
    return language if language in LANGUAGES else SOURCE_LANGUAGE
