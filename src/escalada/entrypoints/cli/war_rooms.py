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


def _panel(view: WarRoomView) -> None:
    from rich.table import Table

    from escalada.entrypoints.cli.output import console, styled, when

    out, zone = console(), view.timezone
    out.print(styled((view.case, "bold"), f" war room {view.channel}  (opened by "
                     f"{view.opened_by} {when(view.opened_at, zone)}, trigger {view.trigger})"))
    if view.executive_ack_at is not None:
        ack = (f"acknowledged by {view.executive_ack_by} {when(view.executive_ack_at, zone)}"
               + (" (late)" if view.executive_ack_late else ""))
    else:
        ack = ("not given, was due " if view.closed_at is not None
               else "OVERDUE, was due " if view.executive_ack_overdue else "due ") + when(
            view.executive_ack_due_at, zone)
    contact = f" for the customer's {view.customer_contact}" if view.customer_contact else ""
    out.print(f"executive: {view.executive or 'none matched'}{contact}; acknowledgment {ack}")
    if view.closed_at is not None or view.next_update_due_at is None:
        out.print(f"closed {when(view.closed_at, zone)} with the case's resolution: no "
                  "customer updates are due from the room")
    else:
        out.print(f"customer updates every {view.update_every_minutes} min; next due "
                  f"{when(view.next_update_due_at, zone)}")
    seats = Table(title="Attendees", title_justify="left")
    for column in ("role", "seat", "who"):
        seats.add_column(column)
    for seat in view.attendees:
        seats.add_row(seat.role, seat.label + (" (lead)" if seat.lead else ""),
                      seat.user or "— unassigned")
    out.print(seats)
    items = Table(title="Checklist", title_justify="left")
    for column in ("list", "item", "what", "due", "state"):
        items.add_column(column)
    for item in view.checklist:
        if item.done_at is not None:
            state = f"done by {item.done_by} {when(item.done_at)}" + (
                " (late)" if item.late else "")
        else:
            state = ("not done" if view.closed_at is not None
                     else "OVERDUE" if item.overdue else "open")
        items.add_row(item.checklist, item.key, item.text, when(item.due_at, zone), state)
    out.print(items)
