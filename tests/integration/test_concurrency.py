"""Optimistic concurrency on real SQLite and PostgreSQL: two people changing one case
at once never lose an update; the loser gets a clear Conflict and nothing is half-written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from case_support import open_case as open_acme_case
from concurrency_support import run_at_once
from examples import ANA, T2_HANDOFF

from escalada.domain.errors import Conflict, InvalidTransition
from escalada.services import cases
from escalada.services.context import Actor, Context
from escalada.services.escalations import escalate
from escalada.services.records import record
from escalada.services.repositories import load_case
from escalada.services.unit_of_work import UnitOfWork
from escalada.services.views import CaseView

BORIS = Actor("boris", "engineer")



def open_case(ctx: Context, **fields: Any) -> CaseView:
    return open_acme_case(ctx, flags=["customer_requested_escalation"], **fields)


def timeline_length(ctx: Context) -> int:
    return len(cases.case_timeline(ctx=ctx, case_id="CASE-1"))




# A stale version


@pytest.mark.parametrize(
    "change",
    [
        lambda ctx, v: cases.respond(ctx=ctx, actor=ANA, case_id="CASE-1", expected_version=v),
        lambda ctx, v: cases.set_flags(ctx=ctx, actor=ANA, case_id="CASE-1",
                                       flags=["churn_threat"], expected_version=v),
        lambda ctx, v: cases.pause(ctx=ctx, actor=ANA, case_id="CASE-1", expected_version=v),
        lambda ctx, v: cases.update_case(ctx=ctx, actor=ANA, case_id="CASE-1", csat=2,
                                         expected_version=v),
        lambda ctx, v: cases.resolve(ctx=ctx, actor=ANA, case_id="CASE-1", expected_version=v),
        lambda ctx, v: escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="T2",
                                handoff=T2_HANDOFF, expected_version=v),
        lambda ctx, v: escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="T2",
                                expected_version=v),
    ],
    ids=["respond", "flag", "pause", "update", "resolve", "escalate", "refused-escalate"],
)
def test_a_stale_expected_version_is_a_conflict_and_writes_nothing(
    ctx: Context, change: Callable[[Context, int], CaseView]
) -> None:
    opened = open_case(ctx)
    cases.respond(ctx=ctx, actor=BORIS, case_id="CASE-1")
    before = cases.show_case(ctx=ctx, case_id="CASE-1")
    assert before.version == opened.version + 1

    with pytest.raises(Conflict, match="CASE-1 is at version 2, not 1"):
        change(ctx, opened.version)

    after = cases.show_case(ctx=ctx, case_id="CASE-1")
    assert timeline_length(ctx) == 2
    assert after.version == before.version
    assert after.snapshot == before.snapshot
    assert after.escalations == []


def test_the_current_expected_version_is_accepted_and_bumped(ctx: Context) -> None:
    opened = open_case(ctx)

    view = cases.respond(ctx=ctx, actor=ANA, case_id="CASE-1", expected_version=opened.version)

    assert view.version == opened.version + 1


# Two people at once


@pytest.mark.parametrize("target", ["T2", "L2"])
def test_two_people_escalating_one_case_at_once_leave_exactly_one_step(
    ctx: Context, target: str
) -> None:
    open_case(ctx)

    outcomes = run_at_once([
        lambda actor=actor: escalate(ctx=ctx, actor=actor, case_id="CASE-1", to=target,
                                     handoff=T2_HANDOFF)
        for actor in (ANA, BORIS)
    ])

    won = [o for o in outcomes if isinstance(o, CaseView)]
    lost = [o for o in outcomes if not isinstance(o, CaseView)]
    assert len(won) == 1, outcomes
    assert len(lost) == 1 and isinstance(lost[0], Conflict | InvalidTransition), outcomes
    view = cases.show_case(ctx=ctx, case_id="CASE-1")
    assert len(view.escalations) == 1
    assert view.escalations[0].requested_by == won[0].escalations[0].requested_by
    assert [e.kind for e in cases.case_timeline(ctx=ctx, case_id="CASE-1")] == [
        "case_opened", "escalated"]
    assert view.version == 2


def test_many_people_changing_one_case_at_once_lose_no_update(ctx: Context) -> None:
    open_case(ctx)
    flags = ["churn_threat", "legal_action_threatened", "public_relations_crisis",
             "potential_product_bug"]

    outcomes = run_at_once([
        lambda flag=flag: cases.set_flags(ctx=ctx, actor=ANA, case_id="CASE-1", flags=[flag])
        for flag in flags
    ])

    succeeded = {flag for flag, o in zip(flags, outcomes, strict=True)
                 if isinstance(o, CaseView)}
    assert all(isinstance(o, CaseView | Conflict) for o in outcomes), outcomes
    assert succeeded, outcomes  # a conflict means another writer got there first
    view = cases.show_case(ctx=ctx, case_id="CASE-1")
    assert view.snapshot.flags == {"customer_requested_escalation"} | succeeded
    assert view.version == 1 + len(succeeded)
    assert timeline_length(ctx) == 1 + len(succeeded)


def test_the_second_of_two_sessions_that_changed_one_case_gets_a_conflict_on_commit(
    postgres_ctx: Context,
) -> None:
    # PostgreSQL only: SQLite takes the write lock when a transaction begins, so there a
    # second writer waits instead of loading the same version.
    ctx = postgres_ctx
    open_case(ctx)
    now = ctx.clock()

    with UnitOfWork(ctx.sessions) as first, UnitOfWork(ctx.sessions) as second:
        mine = load_case(first.session, "CASE-1")
        theirs = load_case(second.session, "CASE-1")
        assert mine.version == theirs.version == 1

        mine.title = "Volumes detach under load (EU only)"
        record(first.session, mine, actor=ANA, at=now, kind="updated", summary="title")
        first.commit()

        theirs.csat = 2
        record(second.session, theirs, actor=BORIS, at=now, kind="updated", summary="csat")
        with pytest.raises(Conflict, match="someone else changed this case"):
            second.commit()

    view = cases.show_case(ctx=ctx, case_id="CASE-1")
    assert view.title == "Volumes detach under load (EU only)"
    assert view.snapshot.csat is None
    assert view.version == 2
    assert [(e.actor, e.summary) for e in cases.case_timeline(ctx=ctx, case_id="CASE-1")][1:] == [
        ("ana", "title")]
