"""Who acknowledges a step: always the authenticated actor, with their own authority;
acknowledging for someone else names them too, and they must be an enabled user."""

from __future__ import annotations

import pytest
from case_support import open_case as open_acme_case
from examples import ADMIN, ANA, MARIA

from escalada.domain.errors import InvalidInput, NotPermitted
from escalada.services import cases, people
from escalada.services.context import Actor, Context
from escalada.services.escalations import acknowledge, escalate

DINA = Actor("dina", "support_director")


@pytest.fixture
def l2_case(ctx: Context) -> str:
    """An enterprise P1 case at L2, and the people who may answer for it."""
    people.add_user(ctx=ctx, actor=None, name="admin", role="admin")
    for who in (ANA, MARIA, DINA):
        people.add_user(ctx=ctx, actor=ADMIN, name=who.name, role=who.role or "")
    people.add_user(ctx=ctx, actor=ADMIN, name="gone", role="support_director")
    people.disable_user(ctx=ctx, actor=ADMIN, name="gone")
    case_id = open_acme_case(ctx, name="Acme", title="Down").snapshot.id
    escalate(ctx=ctx, actor=ANA, case_id=case_id, to="L2", reason="customer asked")
    return case_id


def test_the_acknowledger_is_the_authenticated_actor(ctx: Context, l2_case: str) -> None:
    view = acknowledge(ctx=ctx, actor=MARIA, case_id=l2_case, step=1)

    [step] = view.escalations
    assert (step.acknowledged_by, step.acknowledged_on_behalf_of) == ("maria", None)
    entry = view.timeline[-1]
    assert (entry.actor, entry.summary) == ("maria", "step 1 (L2) acknowledged by maria")


def test_acknowledging_on_someone_s_behalf_names_both(ctx: Context, l2_case: str) -> None:
    view = acknowledge(ctx=ctx, actor=DINA, case_id=l2_case, step=1, on_behalf_of="maria")

    [step] = view.escalations
    assert (step.acknowledged_by, step.acknowledged_on_behalf_of) == ("dina", "maria")
    entry = view.timeline[-1]
    assert (entry.actor, entry.summary) == (
        "dina", "step 1 (L2) acknowledged by dina on behalf of maria")
    assert (entry.data["by"], entry.data["on_behalf_of"]) == ("dina", "maria")


@pytest.mark.parametrize(("named", "reason"), [
    ("ghost-user", "no user 'ghost-user': name an escalada user"),
    ("gone", "gone is disabled"),
])
def test_acknowledging_for_someone_who_is_not_an_enabled_user_is_refused(
    ctx: Context, l2_case: str, named: str, reason: str,
) -> None:
    with pytest.raises(InvalidInput, match=reason) as refused:
        acknowledge(ctx=ctx, actor=MARIA, case_id=l2_case, step=1, on_behalf_of=named)

    assert refused.value.problems == [("on_behalf_of", reason)]
    assert cases.show_case(ctx=ctx, case_id=l2_case).escalations[0].acknowledged_by is None


def test_the_authority_is_the_actor_s_not_the_person_named(
    ctx: Context, l2_case: str,
) -> None:
    with pytest.raises(NotPermitted, match="acknowledging an L2 escalation needs the role "
                                           "support manager or above; ana is engineer"):
        acknowledge(ctx=ctx, actor=ANA, case_id=l2_case, step=1, on_behalf_of="dina")

    assert cases.show_case(ctx=ctx, case_id=l2_case).escalations[0].acknowledged_by is None
