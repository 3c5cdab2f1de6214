"""Routes of /api/v1 for Slack: a war room's channel (created, its people invited), and
the `/escalada` slash command Slack sends (signed by Slack, not by a bearer token)."""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool

from escalada.adapters.slack_workspace import verify_request
from escalada.domain.errors import InvalidInput
from escalada.entrypoints.api.deps import ActorDep, ContextDep, current_actor
from escalada.services import slack_commands, war_room_slack
from escalada.services.slack_commands import SlackReply
from escalada.services.war_room_slack import SlackChannelView

router = APIRouter(tags=["slack"])
# Slack's form fields a command needs (https://api.slack.com/interactivity/slash-commands).
_FIELDS = ("user_id", "channel_id")
_LONGEST_BODY = 64 * 1024


@router.post("/cases/{case_id}/war-room/slack", dependencies=[Depends(current_actor)])
def create_slack_channel(ctx: ContextDep, actor: ActorDep, case_id: str) -> SlackChannelView:
    """Create the war room's Slack channel (its computed name) and invite its seated
    people who have a Slack user id (team lead and above); again, it invites anyone
    seated since. The case's changes are posted there from then on."""
    return war_room_slack.create_slack_channel(ctx=ctx, actor=actor, case_id=case_id)


@router.post("/slack/commands")
async def slack_command(ctx: ContextDep, request: Request) -> SlackReply:
    """Slack's `/escalada status CASE` and `/escalada ack STEP` (Slack's form body: user_id,
    channel_id, text, ...), as the escalada user mapped to the Slack user. Verified by
    X-Slack-Signature (v0 HMAC-SHA256 under SLACK_SIGNING_SECRET) and
    X-Slack-Request-Timestamp (within 5 minutes): 401 otherwise. Refusals (an unmapped
    user, a role too low) are replies only the asker sees."""
    body = await request.body()
    if len(body) > _LONGEST_BODY:
        raise InvalidInput.of("(request)", "the body is larger than {limit} bytes",
                              limit=_LONGEST_BODY)
    verify_request(ctx.settings(), body=body,
                   timestamp=request.headers.get("X-Slack-Request-Timestamp"),
                   signature=request.headers.get("X-Slack-Signature"), now=ctx.clock)
    form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    missing = [name for name in _FIELDS if not form.get(name)]
    if missing:
        raise InvalidInput([(name, "needed (Slack sends it with every command)")
                            for name in missing])
    return await run_in_threadpool(
        slack_commands.run_command, ctx=ctx, slack_user_id=form["user_id"],
        channel_id=form["channel_id"], text=form.get("text", ""))
