"""Endpoints: the only places webhook and Slack deliveries go.

An admin names each destination (`ops-webhook` → its URL); people sending a message
give the name, never a URL, so the server calls only what an admin chose, and a
secret URL (a Slack incoming webhook's path is its credential) is never shown: lists
show its scheme and host, deliveries and the timeline its name. Adding, replacing and
removing one is written to the audit log (`escalada.audit`, structlog).
"""

from __future__ import annotations

from typing import Any, Literal

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalada.adapters.channels import check_recipient, http_url, is_slack_channel
from escalada.adapters.db.tables import EndpointRow
from escalada.domain.endpoints import (
    ENDPOINT_CHANNELS,
    is_endpoint_name,
    looks_like_url,
    masked,
)
from escalada.domain.errors import AlreadyExists, InvalidInput, NotFound
from escalada.domain.snapshot import AwareDatetime
from escalada.domain.words import Words
from escalada.services.authz import require_admin
from escalada.services.context import Actor, Context
from escalada.services.paging import Order, Page, PageQuery, sql_page, validated
from escalada.services.views import View

audit_log = structlog.get_logger("escalada.audit")
_LONGEST_URL = 2000
HOW_TO_ADD = ("an admin configures it: `escalada endpoint add NAME --channel {channel} "
              "--url URL` or POST /api/v1/endpoints")


class EndpointView(View):
    """A destination as anyone may see it: the URL masked."""

    name: str
    channel: str
    url: str  # scheme and host only, e.g. https://hooks.slack.com/…/****
    created_by: str
    created_at: AwareDatetime


def _view(row: EndpointRow) -> EndpointView:
    return EndpointView(name=row.name, channel=row.channel, url=masked(row.url),
                        created_by=row.created_by, created_at=row.created_at)


def add_endpoint(
    *, ctx: Context, actor: Actor, name: str, channel: str, url: str, replace: bool = False,
) -> EndpointView:
    """Name a destination for webhook or Slack deliveries (admins only); `replace`
    points an existing name elsewhere (e.g. a rotated Slack webhook)."""
    require_admin(actor, "configuring endpoints")
    name, url = _checked(name, channel, url)
    now = ctx.clock()
    with ctx.unit_of_work() as uow:
        row = uow.session.get(EndpointRow, name)
        existed = row is not None
        if row is not None and not replace:
            raise AlreadyExists.of(
                "endpoint {name!r} exists already (replace it to change its URL)", name=name)
        if row is None:
            row = EndpointRow(name=name)
            uow.session.add(row)
        row.channel, row.url, row.created_by, row.created_at = channel, url, actor.name, now
        uow.commit()
        view = _view(row)
    audit_log.info("endpoint_replaced" if existed else "endpoint_added", actor=actor.name,
                   endpoint=name, channel=channel, url=view.url)
    return view


def _checked(name: str, channel: str, url: str) -> tuple[str, str]:
    problems = []
    if not is_endpoint_name(name):
        problems.append(("name", Words("{name!r} is not a name: 1 to 63 lowercase letters, "
                                       "digits, '.', '_' or '-', starting with a letter or "
                                       "digit", name=name)))
    if channel not in ENDPOINT_CHANNELS:
        problems.append(("channel", Words("must be one of {channels} (email goes to "
                                          "addresses, not endpoints)",
                                          channels=", ".join(ENDPOINT_CHANNELS))))
    try:
        url = http_url(url)
        if len(url) > _LONGEST_URL:
            problems.append(("url", Words("longer than {longest} characters",
                                          longest=_LONGEST_URL)))
    except InvalidInput as error:
        problems.append(("url", error.reasons[0][1]))
    if problems:
        raise InvalidInput(problems)
    return name, url


class EndpointsQuery(PageQuery):
    channel: Literal["webhook", "slack"] | None = None


_BY_NAME = Order("endpoints", (EndpointRow.name,), ("text",))


def endpoint_page(*, ctx: Context, **query: Any) -> Page[EndpointView]:
    """A page of the destinations by name (`channel` to filter), their URLs masked."""
    wanted = validated(EndpointsQuery, query)
    rows = select(EndpointRow)
    if wanted.channel is not None:
        rows = rows.where(EndpointRow.channel == wanted.channel)
    with ctx.reading() as uow:
        return sql_page(uow.session, rows, _BY_NAME, wanted, _view, lambda row: [row.name])


def remove_endpoint(*, ctx: Context, actor: Actor, name: str) -> EndpointView:
    """Remove a destination (admins only); deliveries still waiting for it are
    dead-lettered at their next attempt."""
    require_admin(actor, "configuring endpoints")
    with ctx.unit_of_work() as uow:
        row = uow.session.get(EndpointRow, name)
        if row is None:
            raise NotFound.of("no endpoint {name!r}", name=name)
        view = _view(row)
        uow.session.delete(row)
        uow.commit()
    audit_log.info("endpoint_removed", actor=actor.name, endpoint=name, channel=view.channel,
                   url=view.url)
    return view


# Sending to them


def recipient_of(session: Session, channel: str, to: str) -> str:
    """What a delivery over `channel` records as its recipient: the checked email
    addresses, a Slack #channel or channel id, or a configured endpoint's name."""
    if channel == "email" or (channel == "slack" and is_slack_channel(to)):
        return check_recipient(channel, to)
    name = to.strip()
    if looks_like_url(name):
        raise InvalidInput.of("to", "a URL is not accepted for {channel}: give the name of an "
                              "endpoint; {format}", channel=channel,
                              format=HOW_TO_ADD.format(channel=channel))
    row = session.get(EndpointRow, name) if is_endpoint_name(name) else None
    if row is None:
        slack = "a #channel, a channel id (C0123ABC) or " if channel == "slack" else ""
        raise InvalidInput.of("to", f"no endpoint named {name!r}: give {slack}the name of a "
                              f"{channel} endpoint (`escalada endpoint list`); "
                              + HOW_TO_ADD.format(channel=channel))
    if row.channel != channel:
        raise InvalidInput.of("to", "endpoint {name!r} is for {channel}, not {channel2}", name=name,
                              channel=row.channel, channel2=channel)
    return row.name


def destination_of(session: Session, channel: str, recipient: str) -> str:
    """Where a delivery's recipient is reached now: the endpoint's URL for a name.
    InvalidInput when the endpoint is gone (or the recipient is a URL from before
    endpoints)."""
    if channel in ("email", "zendesk", "jira") or (
            channel == "slack" and is_slack_channel(recipient)):
        return recipient
    row = session.get(EndpointRow, recipient)
    if row is None or row.channel != channel:
        raise InvalidInput.of("to", "no {channel} endpoint {recipient!r} any more: {format}, then "
                              "retry", channel=channel, recipient=recipient,
                              format=HOW_TO_ADD.format(channel=channel))
    return row.url
