"""`escalada war-room ...`: the executive playbook of an L3, L4 or C-level escalation."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from escalada.entrypoints.cli.output import (
    FORMAT_OPTION,
    LABEL,
    NOTE,
    Format,
    actor,
    check_version,
    context,
    emit_json,
)

if TYPE_CHECKING:
    from escalada.services.war_room_actions import WarRoomView

app = typer.Typer(
    help="War rooms (executive playbook): opened on L3, L4 or a C-level escalation; "
         "attendees, channel, checklists, the executive acknowledgment, update cadence.",
    no_args_is_help=True,
)

CASE = typer.Argument(..., help="case id, e.g. CASE-1042")
VERSION = typer.Option(
    None, "--expected-version", help="refuse if the case changed since you read this version",
    callback=check_version,
)


def _done(view: WarRoomView, fmt: Format) -> None:
    emit_json(view) if fmt is Format.json else _panel(view)


@app.command("show")
def show(case_id: str = CASE, fmt: Format = FORMAT_OPTION) -> None:
    """Attendees, channel, checklists (what is overdue now), executive, cadence."""
    from escalada.services.war_room_actions import show_war_room

    _done(show_war_room(ctx=context(), case_id=case_id), fmt)


@app.command("open")
def open_(
    case_id: str = CASE,
    reason: str = typer.Option(None, "--reason", help="why (goes on the timeline)",
                               callback=NOTE),
    expected_version: int = VERSION, fmt: Format = FORMAT_OPTION,
) -> None:
    """Open the case's war room by hand (team lead and above), when none is open."""
    from escalada.services.war_room_actions import open_war_room

    _done(open_war_room(ctx=context(), actor=actor(), case_id=case_id, reason=reason,
                        expected_version=expected_version), fmt)


@app.command("tick")
def tick(
    case_id: str = CASE,
    item: str = typer.Argument(..., help="the checklist item's key, e.g. notify_legal",
                               callback=LABEL),
    note: str = typer.Option(None, "--note", help="what was done", callback=NOTE),
    expected_version: int = VERSION, fmt: Format = FORMAT_OPTION,
) -> None:
    """Tick a checklist item as done by you, now (once per item)."""
    from escalada.services.war_room_actions import tick as tick_item

    _done(tick_item(ctx=context(), actor=actor(), case_id=case_id, item=item, note=note,
                    expected_version=expected_version), fmt)


@app.command("assign")
def assign(
    case_id: str = CASE,
    role: str = typer.Option(..., "--role", help="the seat, e.g. escalation_coordinator",
                             callback=LABEL),
    user: str = typer.Option(..., "--user", help="who takes it", callback=LABEL),
    expected_version: int = VERSION, fmt: Format = FORMAT_OPTION,
) -> None:
    """Seat a person in one of the room's attendee roles (team lead and above)."""
    from escalada.services.war_room_actions import assign as assign_seat

    _done(assign_seat(ctx=context(), actor=actor(), case_id=case_id, role=role, user=user,
                      expected_version=expected_version), fmt)


@app.command("ack")
def ack(
    case_id: str = CASE,
    note: str = typer.Option(None, "--note", callback=NOTE),
    expected_version: int = VERSION, fmt: Format = FORMAT_OPTION,
) -> None:
    """Give the executive acknowledgment: the matched executive, or a vp and above."""
    from escalada.services.war_room_actions import acknowledge

    _done(acknowledge(ctx=context(), actor=actor(), case_id=case_id, note=note,
                      expected_version=expected_version), fmt)


@app.command("slack")
def slack(case_id: str = CASE, fmt: Format = FORMAT_OPTION) -> None:
    """Create the war room's Slack channel and invite its seated people who have a Slack
    user id (team lead and above); again, it invites anyone seated since. The case's
    changes are posted there from then on. Needs SLACK_BOT_TOKEN."""
    from escalada.entrypoints.cli.output import console
    from escalada.entrypoints.cli.words import tr
    from escalada.services.war_room_slack import create_slack_channel

    view = create_slack_channel(ctx=context(), actor=actor(), case_id=case_id)
    if fmt is Format.json:
        emit_json(view)
        return
    out = console()
    done = (tr("Slack channel {channel} ({channel_id}) created for {case}", channel=view.channel,
               channel_id=view.channel_id, case=view.case) if view.created else
            tr("Slack channel {channel} ({channel_id}) of {case}", channel=view.channel,
               channel_id=view.channel_id, case=view.case))
    out.print(done, markup=False)
    out.print(tr("invited: {names}", names=", ".join(view.invited) or "-"), markup=False)
    if view.not_in_slack:
        out.print(tr("not invited, no Slack user id: {names} (`escalada user update NAME "
                     "--slack-user-id U...`)", names=", ".join(view.not_in_slack)),
                  markup=False)


def _panel(view: WarRoomView) -> None:
    from rich.table import Table

    from escalada.entrypoints.cli.output import console, styled, when
    from escalada.entrypoints.cli.words import named, ntr, policy_said, tr, trc

    out, zone = console(), view.timezone
    out.print(styled((view.case, "bold"), " " + tr(
        "war room {channel}  (opened by {who} {at}, trigger {trigger})", channel=view.channel,
        who=view.opened_by, at=when(view.opened_at, zone), trigger=named(view.trigger))))
    if view.executive_ack_at is not None:
        ack = (tr("acknowledged by {who} {at} (late)") if view.executive_ack_late
               else tr("acknowledged by {who} {at}")).format(
            who=view.executive_ack_by, at=when(view.executive_ack_at, zone))
    else:
        due = when(view.executive_ack_due_at, zone)
        ack = (tr("not given, was due {due}", due=due) if view.closed_at is not None
               else tr("OVERDUE, was due {due}", due=due) if view.executive_ack_overdue
               else tr("due {due}", due=due))
    executive = view.executive or tr("none matched")
    if view.customer_contact:
        out.print(tr("executive: {executive} for the customer's {contact}; acknowledgment "
                     "{ack}", executive=executive, contact=view.customer_contact, ack=ack))
    else:
        out.print(tr("executive: {executive}; acknowledgment {ack}", executive=executive,
                     ack=ack))
    if view.closed_at is not None or view.next_update_due_at is None:
        out.print(tr("closed {at} with the case's resolution: no customer updates are due "
                     "from the room", at=when(view.closed_at, zone)))
    else:
        out.print(ntr("customer updates every {count} min; next due {due}",
                      "customer updates every {count} min; next due {due}",
                      view.update_every_minutes, due=when(view.next_update_due_at, zone)))
    seats = Table(title=tr("Attendees"), title_justify="left")
    for column in (tr("role"), tr("seat"), tr("who")):
        seats.add_column(column)
    for seat in view.attendees:
        lead = " " + tr("(lead)") if seat.lead else ""
        seats.add_row(seat.role, policy_said(seat.label) + lead, seat.user or tr("— unassigned"))
    out.print(seats)
    items = Table(title=tr("Checklist"), title_justify="left")
    for column in (tr("list"), tr("item"), tr("what"), tr("due"), tr("state")):
        items.add_column(column)
    for item in view.checklist:
        if item.done_at is not None:
            state = (tr("done by {who} {at} (late)") if item.late
                     else tr("done by {who} {at}")).format(who=item.done_by,
                                                          at=when(item.done_at))
        else:
            state = (trc("checklist item", "not done") if view.closed_at is not None
                     else trc("checklist item", "OVERDUE") if item.overdue
                     else named("open", "checklist item"))
        items.add_row(named(item.checklist), item.key, policy_said(item.text),
                      when(item.due_at, zone), state)
    out.print(items)
