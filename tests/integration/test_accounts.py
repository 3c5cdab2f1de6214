"""Accounts after they are added: changing them (with the authority and validation of
adding one, on the account's log and on its open cases' timelines), their contacts, and
cases naming the contact who escalates."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from case_support import open_case as open_acme_case
from examples import ADMIN, ANA, LENA

from escalada.domain.errors import AlreadyExists, InvalidInput, NotFound, NotPermitted
from escalada.services import cases
from escalada.services.account_log import account_history
from escalada.services.accounts import add_account, get_account, update_account
from escalada.services.case_board import list_page
from escalada.services.contacts import add_contact, contact_page, remove_contact
from escalada.services.context import Actor, Context
from escalada.services.credits import propose_credit
from escalada.services.timer_views import timer_page
from escalada.testing import FakeClock

OLGA = Actor("olga", "support_manager")


def acme(ctx: Context, **fields: Any) -> None:
    add_account(ctx=ctx, actor=ADMIN, id="acme", name="Acme Corp", tier="enterprise",
                support_plan="business", timezone="Europe/Moscow", country="RU",
                language="ru", **fields)


def open_case(ctx: Context, **fields: Any) -> str:
    """A P1 case of the account `acme` the test added."""
    return open_acme_case(ctx, new_account=False, title="Checkout down", **fields).snapshot.id


# Changing an account


def test_a_support_manager_sets_the_monthly_fee_and_the_change_is_on_the_accounts_log(
    ctx: Context, clock: FakeClock
) -> None:
    acme(ctx)
    clock.advance(minutes=5)

    account = update_account(ctx=ctx, actor=OLGA, account_id="acme",
                             changes={"monthly_fee_usd": "12000.50", "tier": "strategic"},
                             reason="renewed on the strategic programme")

    assert (account.monthly_fee_usd, account.tier) == (Decimal("12000.50"), "strategic")
    assert get_account(ctx=ctx, account_id="acme").monthly_fee_usd == Decimal("12000.50")
    added, changed = account_history(ctx=ctx, account_id="acme")
    assert added.kind == "account_added"
    assert (changed.kind, changed.actor, changed.reason) == (
        "account_updated", "olga", "renewed on the strategic programme")
    assert changed.data["changes"] == {
        "monthly_fee_usd": {"before": None, "after": 12000.5},
        "tier": {"before": "enterprise", "after": "strategic"}}


def test_a_changed_plan_goes_on_each_open_cases_timeline_and_plans_its_timers_again(
    ctx: Context, clock: FakeClock
) -> None:
    acme(ctx)
    case = open_case(ctx)
    resolved = open_case(ctx)
    cases.resolve(ctx=ctx, actor=ANA, case_id=resolved)
    before = {t.key for t in timer_page(ctx=ctx, case=case, state="pending").items}

    update_account(ctx=ctx, actor=ADMIN, account_id="acme",
                   changes={"support_plan": "enterprise"})

    entry = cases.case_timeline(ctx=ctx, case_id=case)[-1]
    assert (entry.kind, entry.actor) == ("account_updated", "admin")
    assert entry.summary == "account changed: support_plan business -> enterprise"
    assert cases.case_timeline(ctx=ctx, case_id=resolved)[-1].kind == "resolved"
    # Enterprise P1: first response within 15 minutes, not the business plan's hour.
    first = next(c for c in cases.evaluate_case(ctx=ctx, case_id=case).sla
                 if c.target == "first_response")
    assert (first.due_at - clock()).total_seconds() == 15 * 60
    after = {t.key for t in timer_page(ctx=ctx, case=case, state="pending").items}
    assert after != before


def test_only_an_admin_or_a_support_manager_and_above_changes_an_account(ctx: Context) -> None:
    acme(ctx)

    with pytest.raises(NotPermitted, match="changing accounts needs the role admin or "
                                           "support manager and above; lena is team lead"):
        update_account(ctx=ctx, actor=LENA, account_id="acme",
                       changes={"monthly_fee_usd": "1"})
    assert get_account(ctx=ctx, account_id="acme").monthly_fee_usd is None


@pytest.mark.parametrize(("changes", "problem"), [
    ({"tier": "gold"}, "tier: must be one of 'standard', 'enterprise' or 'strategic'"),
    ({"monthly_fee_usd": "-5"}, "monthly_fee_usd: must be >= 0"),
    ({"timezone": "Mars/Olympus"}, "timezone:"),
    ({"name": None}, "name:"),
    ({"id": "acme2"}, "id: cannot be changed"),
    ({}, "changes: name at least one of name, tier"),
    ({"tier": "enterprise"}, "changes: account acme has these values already"),
])
def test_a_bad_change_names_the_field_and_changes_nothing(
    ctx: Context, changes: dict[str, Any], problem: str
) -> None:
    acme(ctx)

    with pytest.raises(InvalidInput, match=problem):
        update_account(ctx=ctx, actor=ADMIN, account_id="acme", changes=changes)
    assert [e.kind for e in account_history(ctx=ctx, account_id="acme")] == ["account_added"]


def test_null_clears_an_optional_field(ctx: Context) -> None:
    acme(ctx, monthly_fee_usd="100")

    account = update_account(ctx=ctx, actor=ADMIN, account_id="acme",
                             changes={"monthly_fee_usd": None})

    assert account.monthly_fee_usd is None


def test_changing_an_unknown_account_is_not_found(ctx: Context) -> None:
    with pytest.raises(NotFound, match="no account 'nowhere'"):
        update_account(ctx=ctx, actor=ADMIN, account_id="nowhere", changes={"name": "X"})


def test_a_credit_from_the_breach_without_a_fee_names_the_command_that_sets_it(
    ctx: Context, clock: FakeClock
) -> None:
    acme(ctx)
    case = open_case(ctx)
    clock.advance(hours=10)

    with pytest.raises(InvalidInput, match="`escalada account update acme --monthly-fee-usd USD`"):
        propose_credit(ctx=ctx, actor=ANA, case_id=case, from_breach=True)


# Contacts


def test_contacts_are_added_listed_and_removed_on_the_accounts_log(ctx: Context) -> None:
    acme(ctx)
    ivan = add_contact(ctx=ctx, actor=ANA, account_id="acme", name="Иван Петрович Сидоров",
                       address_as="Иван Петрович", title="Технический директор",
                       email="i.sidorov@acme.example", language="ru", level="c_level")
    add_contact(ctx=ctx, actor=ANA, account_id="acme", name="Olga Berg", level="manager")

    removed = remove_contact(ctx=ctx, actor=ANA, account_id="acme",
                             contact="I.Sidorov@acme.example", reason="left the company")

    assert removed.id == ivan.id and removed.removed_at is not None
    assert [c.name for c in contact_page(ctx=ctx, account_id="acme").items] == ["Olga Berg"]
    assert len(contact_page(ctx=ctx, account_id="acme", removed=True).items) == 2
    assert [(e.kind, e.reason) for e in account_history(ctx=ctx, account_id="acme")][1:] == [
        ("contact_added", None), ("contact_added", None),
        ("contact_removed", "left the company")]


@pytest.mark.parametrize(("fields", "problem"), [
    ({"name": "  "}, "name: must not be blank"),
    ({"name": "Ivan", "level": "boss"}, "level: must be one of"),
    ({"name": "Ivan", "email": "not-an-email"}, "email: must match"),
    ({"name": "Ivan", "language": "de"}, "language: must be one of"),
])
def test_a_bad_contact_names_the_field(
    ctx: Context, fields: dict[str, Any], problem: str
) -> None:
    acme(ctx)

    with pytest.raises(InvalidInput, match=problem):
        add_contact(ctx=ctx, actor=ANA, account_id="acme", **fields)
    assert contact_page(ctx=ctx, account_id="acme").items == []


def test_two_current_contacts_of_an_account_cannot_share_an_email(ctx: Context) -> None:
    acme(ctx)
    add_contact(ctx=ctx, actor=ANA, account_id="acme", name="A", email="cto@acme.example")

    with pytest.raises(AlreadyExists, match=r"has a contact with email CTO@acme\.example"):
        add_contact(ctx=ctx, actor=ANA, account_id="acme", name="B", email="CTO@acme.example")


def test_a_viewer_cannot_add_contacts(ctx: Context) -> None:
    acme(ctx)

    with pytest.raises(NotPermitted, match="adding a contact needs the role engineer"):
        add_contact(ctx=ctx, actor=Actor("vic", "viewer"), account_id="acme", name="A")


# A case names its escalating contact


def test_a_case_opened_with_a_contact_by_email_takes_their_level_and_title(
    ctx: Context
) -> None:
    acme(ctx)
    vp = add_contact(ctx=ctx, actor=ANA, account_id="acme", name="Ivan Petrov", level="vp",
                     email="ivan@acme.example")

    view = cases.show_case(ctx=ctx, case_id=open_case(ctx, contact="ivan@acme.example"))

    assert view.contact is not None and view.contact.id == vp.id
    assert view.snapshot.escalating_contact_level == "vp"
    assert view.contact_title is None


def test_the_level_and_title_given_on_opening_win_over_the_contacts(ctx: Context) -> None:
    acme(ctx)
    contact = add_contact(ctx=ctx, actor=ANA, account_id="acme", name="Ivan Petrov",
                          level="manager", title="Head of IT")

    view = cases.show_case(ctx=ctx, case_id=open_case(
        ctx, contact=str(contact.id), contact_level="c_level", contact_title="CIO"))

    assert (view.snapshot.escalating_contact_level, view.contact_title) == ("c_level", "CIO")


def test_a_case_without_a_contact_keeps_the_level_options_of_old(ctx: Context) -> None:
    acme(ctx)

    view = cases.show_case(ctx=ctx, case_id=open_case(ctx, contact_level="vp",
                                                      contact_title="VP Engineering"))
    plain = cases.show_case(ctx=ctx, case_id=open_case(ctx))

    assert (view.contact, view.snapshot.escalating_contact_level) == (None, "vp")
    assert plain.snapshot.escalating_contact_level == "staff"


def test_a_contact_of_another_account_or_removed_cannot_be_named(ctx: Context) -> None:
    acme(ctx)
    add_account(ctx=ctx, actor=ADMIN, id="other", name="Other", tier="standard",
                support_plan="business")
    theirs = add_contact(ctx=ctx, actor=ANA, account_id="other", name="Them")
    gone = add_contact(ctx=ctx, actor=ANA, account_id="acme", name="Gone")
    remove_contact(ctx=ctx, actor=ANA, account_id="acme", contact=str(gone.id))

    for reference in (str(theirs.id), str(gone.id), "nobody@acme.example"):
        with pytest.raises(NotFound, match=f"account acme has no contact '{reference}'"):
            open_case(ctx, contact=reference)
    with pytest.raises(InvalidInput, match="contact: 'x y' is neither a contact id nor an email"):
        open_case(ctx, contact="x y")
    assert list_page(ctx=ctx).items == []


def test_updating_a_case_to_a_new_contact_records_it_and_takes_their_level(
    ctx: Context
) -> None:
    acme(ctx)
    case = open_case(ctx)
    cfo = add_contact(ctx=ctx, actor=ANA, account_id="acme", name="Anna Volk",
                      title="CFO", level="c_level")

    view = cases.update_case(ctx=ctx, actor=ANA, case_id=case, contact=str(cfo.id),
                             reason="the CFO called")

    assert view.contact is not None and view.contact.name == "Anna Volk"
    assert (view.snapshot.escalating_contact_level, view.contact_title) == ("c_level", "CFO")
    entry = cases.case_timeline(ctx=ctx, case_id=case)[-1]
    assert entry.data["after"] == {"contact": cfo.id, "contact_level": "c_level",
                                   "contact_title": "CFO"}


# Letters greet the contact and are signed by name


def test_a_draft_greets_the_cases_contact_in_their_language_and_is_signed_by_display_name(
    ctx: Context
) -> None:
    from escalada.services.drafting import draft_message
    from escalada.services.people import add_user

    add_user(ctx=ctx, actor=None, name="admin", role="admin")
    add_user(ctx=ctx, actor=ADMIN, name="ana", role="engineer", display_name="Anna Smirnova")
    add_account(ctx=ctx, actor=ADMIN, id="acme", name="Acme Corp", tier="enterprise",
                support_plan="business", language="en")
    add_contact(ctx=ctx, actor=ANA, account_id="acme", name="Иван Петрович Сидоров",
                address_as="Иван Петрович", language="ru", level="vp",
                email="ivan@acme.example")
    case = open_case(ctx, contact="ivan@acme.example")

    draft = draft_message(ctx=ctx, actor=ANA, case_id=case, kind="acknowledgment")

    assert draft.language == "ru"
    assert draft.body.startswith("Здравствуйте, Иван Петрович!\n")
    assert draft.body.endswith("С уважением,\nAnna Smirnova\nИнженер службы поддержки")
    assert "ana\n" not in draft.body
