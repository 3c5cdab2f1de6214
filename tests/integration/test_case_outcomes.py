"""A case's root cause and the commitments made to its customer, on SQLite and
PostgreSQL: entered, revised, judged met or missed (by closing, or by their timer, also
after the case resolved), all on the timeline, and nothing written by a refused request."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from examples import ANA, MARIA
from timer_support import drain, open_case, timeline, timers

from escalada.domain.errors import InvalidInput, InvalidTransition, NotFound, NotPermitted
from escalada.services import cases
from escalada.services.commitments import (
    close_commitment,
    commitment_page,
    make_commitment,
)
from escalada.services.context import Actor, Context
from escalada.services.people import add_user
from escalada.services.root_cause import record_root_cause, root_cause
from escalada.testing import FakeClock

VIEWER = Actor("vera", "viewer")
MOSCOW = {"timezone": "Europe/Moscow", "country": "RU", "language": "ru"}


def test_the_root_cause_is_entered_then_revised_part_by_part(ctx: Context) -> None:
    case = open_case(ctx).snapshot.id

    first = record_root_cause(ctx=ctx, actor=ANA, case_id=case,
                              technical="The storage controller's firmware leaked handles.")
    revised = record_root_cause(ctx=ctx, actor=MARIA, case_id=case,
                                process="No alert on handle counts.", reason="post-review")
    unchanged = record_root_cause(ctx=ctx, actor=MARIA, case_id=case,
                                  process="No alert on handle counts.")

    assert (first.technical, first.process) == (
        "The storage controller's firmware leaked handles.", None)
    shown = root_cause(ctx=ctx, case_id=case)
    assert shown == revised == unchanged
    assert (shown.technical, shown.process) == (first.technical, "No alert on handle counts.")
    assert (shown.entered_by, shown.updated_by) == ("ana", "maria")
    entries = [e for e in timeline(ctx, case) if e.kind.startswith("root_cause")]
    assert [e.kind for e in entries] == ["root_cause_recorded", "root_cause_revised"]
    assert entries[1].reason == "post-review" and entries[1].data["changed"] == ["process"]


def test_a_root_cause_without_text_or_from_a_viewer_is_refused_and_nothing_written(
    ctx: Context,
) -> None:
    case = open_case(ctx).snapshot.id
    before = len(timeline(ctx, case))

    with pytest.raises(InvalidInput) as nothing:
        record_root_cause(ctx=ctx, actor=ANA, case_id=case)
    with pytest.raises(InvalidInput) as blank:
        record_root_cause(ctx=ctx, actor=ANA, case_id=case, technical="   ")
    with pytest.raises(NotPermitted, match="recording a root cause needs the role engineer"):
        record_root_cause(ctx=ctx, actor=VIEWER, case_id=case, technical="x")
    with pytest.raises(NotFound, match="escalada case rca"):
        root_cause(ctx=ctx, case_id=case)

    assert nothing.value.problems[0][0] == "technical"
    assert blank.value.problems == [("technical", "must not be empty")]
    assert len(timeline(ctx, case)) == before


def test_a_commitment_closed_in_time_is_met_and_its_timer_dropped(
    ctx: Context, clock: FakeClock,
) -> None:
    case = open_case(ctx, account_fields=MOSCOW).snapshot.id

    made = make_commitment(ctx=ctx, actor=ANA, case_id=case, what="Written RCA",
                           due_at="2026-11-27T10:00:00+00:00")
    clock.advance(hours=20)
    closed = close_commitment(ctx=ctx, actor=ANA, case_id=case, commitment_id=made.id,
                              note="sent to Olga")

    assert (made.state, made.owner, made.timezone) == ("open", "ana", "Europe/Moscow")
    assert (closed.state, closed.closed_by, closed.note) == ("met", "ana", "sent to Olga")
    timer = next(t for t in timers(ctx, case) if t.kind == "commitment_due")
    assert (timer.state, timer.outcome) == ("dropped", "commitment closed")
    kinds = [e.kind for e in timeline(ctx, case)]
    assert kinds[-2:] == ["commitment_made", "commitment_closed"]
    with pytest.raises(InvalidTransition, match="closed already"):
        close_commitment(ctx=ctx, actor=ANA, case_id=case, commitment_id=made.id)


def test_a_commitment_still_open_at_its_due_time_is_missed_by_its_timer_even_after_the_case_resolved(  # noqa: E501
    ctx: Context, clock: FakeClock,
) -> None:
    case = open_case(ctx, account_fields=MOSCOW).snapshot.id
    made = make_commitment(ctx=ctx, actor=ANA, case_id=case, what="Patch in the next release",
                           due_at="2026-11-28")  # the end of that day in Moscow
    cases.resolve(ctx=ctx, actor=ANA, case_id=case)

    clock.now = datetime(2026, 11, 28, 21, 0, tzinfo=UTC)
    drain(ctx)

    assert made.due_at == datetime(2026, 11, 28, 20, 59, tzinfo=UTC)
    [shown] = commitment_page(ctx=ctx, case_id=case).items
    assert shown.state == "missed"
    missed = [e for e in timeline(ctx, case) if e.kind == "commitment_missed"]
    assert len(missed) == 1 and missed[0].actor == "escalada"
    closed = close_commitment(ctx=ctx, actor=ANA, case_id=case, commitment_id=made.id)
    assert closed.state == "missed"  # delivered late is still missed


def test_bad_commitments_are_refused_naming_the_field(ctx: Context, clock: FakeClock) -> None:
    case = open_case(ctx).snapshot.id
    add_user(ctx=ctx, actor=None, name="admin", role="admin")
    add_user(ctx=ctx, actor=Actor("admin", "admin"), name="lena", role="team_lead")
    before = len(timeline(ctx, case))

    def problem(**fields: object) -> str:
        with pytest.raises(InvalidInput) as refused:
            make_commitment(ctx=ctx, actor=ANA, case_id=case, **fields)
        return refused.value.problems[0][0]

    assert problem(what="x", due_at="2026-11-25") == "due_at"  # in the past
    assert problem(what="x", due_at="tomorrow") == "due_at"
    assert problem(what="", due_at="2026-12-01") == "what"
    assert problem(what="x", due_at="2026-12-01", owner="ghost") == "owner"
    assert problem(what="x") == "due_at"
    with pytest.raises(NotPermitted, match="making a commitment needs the role engineer"):
        make_commitment(ctx=ctx, actor=VIEWER, case_id=case, what="x", due_at="2026-12-01")
    with pytest.raises(NotFound, match="has no commitment 99"):
        close_commitment(ctx=ctx, actor=ANA, case_id=case, commitment_id=99)
    assert len(timeline(ctx, case)) == before
    assert [t for t in timers(ctx, case) if t.kind == "commitment_due"] == []
    owned = make_commitment(ctx=ctx, actor=ANA, case_id=case, what="x", due_at="2026-12-01",
                            owner="lena")
    assert owned.owner == "lena"
