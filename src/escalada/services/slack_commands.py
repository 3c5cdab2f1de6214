"""The `/escalada` slash command in Slack: `status [CASE]` and `ack [CASE] STEP`, acting as
the escalada user mapped to the Slack user (users.slack_user_id) with that user's role,
through the same service functions as the CLI and the API. In a war room's channel the
case may be left out: it is the room's. The answer is in the user's language; a refusal
(an unmapped or disabled Slack user, a role too low, no such case) is an answer only
the asker sees, saying why."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from sqlalchemy import select

from escalada.adapters.catalogs import translations
from escalada.adapters.db.tables import CaseRow, UserRow
from escalada.domain.case_words import CASE_WORDS
from escalada.domain.errors import EscaladaError, InvalidInput, Unauthenticated
from escalada.domain.model import case_label
from escalada.domain.words import ENGLISH, Translator, Words
from escalada.services import cases, escalations
from escalada.services.authz import can_read
from escalada.services.context import Actor, Context
from escalada.services.views import CaseView, View

_CASE = re.compile(r"(?i)case-\d{1,9}")
USAGE = Words("Commands: `/escalada status CASE-12` shows a case; `/escalada ack STEP` (or "
              "`ack CASE-12 STEP`) takes an escalation step. In a war room's channel the case "
              "may be left out.")


class SlackReply(View):
    """What Slack shows: to the asker only (`ephemeral`) or to the channel."""

    response_type: Literal["ephemeral", "in_channel"]
    text: str


def slack_actor(*, ctx: Context, slack_user_id: str) -> Actor:
    """The enabled escalada user a Slack user is mapped to; Unauthenticated otherwise,
    saying how to map them."""
    with ctx.reading() as uow:
        user = uow.session.execute(
            select(UserRow.name, UserRow.role, UserRow.language, UserRow.disabled_at)
            .where(UserRow.slack_user_id == slack_user_id)).first()
    if user is None:
        raise Unauthenticated.of("your Slack user {slack_user_id} is not mapped to an escalada "
                                 "user: ask an admin to run `escalada user update NAME "
                                 "--slack-user-id {slack_user_id}`",
                                 slack_user_id=slack_user_id)
    if user.disabled_at is not None:
        raise Unauthenticated.of("user {name} is disabled", name=user.name)
    return Actor(user.name, user.role, user.language)


def run_command(*, ctx: Context, slack_user_id: str, channel_id: str, text: str) -> SlackReply:
    """Run one `/escalada` command for the Slack user; every outcome is a reply."""
    language: Translator = ENGLISH
    try:
        actor = slack_actor(ctx=ctx, slack_user_id=slack_user_id)
        language = translations(actor.language or "en")
        return _run(ctx, actor, channel_id, text.split(), language)
    except EscaladaError as error:
        return SlackReply(response_type="ephemeral", text=error.told(language))


def _run(ctx: Context, actor: Actor, channel_id: str, words: list[str],
         language: Translator) -> SlackReply:
    verb, rest = (words[0].lower(), words[1:]) if words else ("help", [])
    if verb == "status" and len(rest) <= 1:
        can_read(actor)
        view = cases.show_case(ctx=ctx, case_id=_case(ctx, rest, channel_id))
        return SlackReply(response_type="ephemeral", text=status_text(view, language))
    if verb == "ack" and 1 <= len(rest) <= 2:
        if not rest[-1].isdigit():
            raise InvalidInput.of("step", "must be the step's number, e.g. `/escalada ack 2`")
        step = int(rest[-1])
        case_id = _case(ctx, rest[:-1], channel_id)
        view = escalations.acknowledge(ctx=ctx, actor=actor, case_id=case_id, step=step,
                                       note=Words("via Slack"))
        taken = next(s for s in view.escalations if s.step == step)
        return SlackReply(response_type="in_channel", text=Words(
            "{name} acknowledged step {step} of {case} ({step_from} -> {step_to})",
            name=actor.name, step=step, case=view.snapshot.id,
            step_from=taken.from_ or Words("none"), step_to=taken.to or "").render(language))
    if verb == "help":
        return SlackReply(response_type="ephemeral", text=USAGE.render(language))
    return SlackReply(response_type="ephemeral", text=Words(
        "Unknown command {command!r}. {usage}", command=" ".join(words),
        usage=USAGE).render(language))


def _case(ctx: Context, given: list[str], channel_id: str) -> str:
    """The case named, or the case of the war room whose channel this is."""
    if given:
        if not _CASE.fullmatch(given[0]):
            raise InvalidInput.of("case", "must be a case id such as CASE-12, not {value!r}",
                                  value=given[0])
        return given[0].upper()
    with ctx.reading() as uow:
        number = uow.session.scalar(select(CaseRow.number).where(
            CaseRow.slack_channel_id == channel_id))
    if number is None:
        raise InvalidInput.of("case", "name the case (e.g. `/escalada status CASE-12`): this "
                              "channel is no war room's")
    return case_label(number)


def status_text(view: CaseView, language: Translator) -> str:
    """A case in a few lines of Slack mrkdwn."""
    case = view.snapshot
    level = case.exec_level.value if case.exec_level else Words("none")
    lines = [Words("*{case}* {title} ({account})", case=case.id, title=view.title,
                   account=case.account.name),
             Words("{severity}, {status}; tier {tier}, executive level {level}",
                   severity=case.severity.value, status=CASE_WORDS.get(case.status.value,
                                                                   case.status.value),
                   tier=case.tier.value,
                   level=level)]
    for clock in view.evaluation.sla:
        lines.append(Words("SLA {target}: due {due} ({used}% used{breached})",
                           target=CASE_WORDS.get(clock.target, clock.target),
                           due=_when(clock.due_at),
                           used=round(clock.consumed * 100),
                           breached=Words(", breached") if clock.breached else ""))
    for step in view.escalations:
        if step.direction == "up" and step.acknowledged_at is None:
            lines.append(Words("step {step} ({step_from} -> {step_to}) waits for "
                               "acknowledgment, due {due}", step=step.step,
                               step_from=step.from_ or Words("none"), step_to=step.to or "",
                               due=_when(step.response_due_at) if step.response_due_at
                               else Words("no due time")))
    for recommendation in view.evaluation.recommendations:
        lines.append(Words("recommended: {step_from} -> {step_to} ({criteria})",
                           step_from=recommendation.from_ or Words("none"),
                           step_to=recommendation.to, criteria=recommendation.criteria))
    return "\n".join(line.render(language) for line in lines)




def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")
