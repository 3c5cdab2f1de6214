"""How people sign letters: display names (and emails) set and changed by themselves or
an admin; executive titles, which match them to customers' executives, by an admin."""

from __future__ import annotations

import pytest
from examples import ADMIN

from escalada.domain.errors import InvalidInput, NotFound, NotPermitted
from escalada.services import people
from escalada.services.context import Actor, Context
from escalada.services.people_lists import user_page

ANA = Actor("a.smirnova", "engineer")


@pytest.fixture
def staffed(ctx: Context) -> Context:
    people.add_user(ctx=ctx, actor=None, name="admin", role="admin")
    people.add_user(ctx=ctx, actor=ADMIN, name="a.smirnova", role="engineer")
    people.add_user(ctx=ctx, actor=ADMIN, name="n.lebedev", role="vp", title="CEO")
    return ctx


def test_a_person_sets_and_changes_their_own_display_name_and_email(staffed: Context) -> None:
    people.update_user(ctx=staffed, actor=ANA, name="a.smirnova",
                       changes={"display_name": "Anna Smirnova"})

    user = people.update_user(ctx=staffed, actor=ANA, name="a.smirnova",
                              changes={"display_name": "Анна Смирнова",
                                       "email": "a.smirnova@escalada.example"})

    assert (user.display_name, user.email) == ("Анна Смирнова", "a.smirnova@escalada.example")


def test_an_admin_changes_anyones_title_and_clears_a_display_name(staffed: Context) -> None:
    people.update_user(ctx=staffed, actor=ADMIN, name="n.lebedev",
                       changes={"display_name": "Nikolai Lebedev"})

    user = people.update_user(ctx=staffed, actor=ADMIN, name="n.lebedev",
                              changes={"title": "President", "display_name": None})

    assert (user.title, user.display_name) == ("President", None)


def test_nobody_but_an_admin_changes_a_title_or_someone_elses_name(staffed: Context) -> None:
    with pytest.raises(NotPermitted, match="changing your own title needs the role admin"):
        people.update_user(ctx=staffed, actor=ANA, name="a.smirnova", changes={"title": "CEO"})
    with pytest.raises(NotPermitted, match=r"changing someone else's display name, title or "
                                           r"email needs the role admin; a\.smirnova is engineer"):
        people.update_user(ctx=staffed, actor=ANA, name="n.lebedev",
                           changes={"display_name": "Boss"})
    assert user_page(ctx=staffed).items[2].title == "CEO"


@pytest.mark.parametrize(("changes", "problem"), [
    ({"email": "nope"}, "email: must match"),
    ({"display_name": "x" * 201}, r"display_name: .*at most 200"),
    ({"role": "vp"}, "role: is not a known field"),
    ({}, "changes: name at least one of display_name, title, email"),
])
def test_a_bad_profile_change_names_the_field(
    staffed: Context, changes: dict[str, object], problem: str
) -> None:
    with pytest.raises(InvalidInput, match=problem):
        people.update_user(ctx=staffed, actor=ADMIN, name="a.smirnova", changes=changes)


def test_changing_an_unknown_person_is_not_found(staffed: Context) -> None:
    with pytest.raises(NotFound, match="no user 'ghost'"):
        people.update_user(ctx=staffed, actor=ADMIN, name="ghost",
                           changes={"display_name": "Ghost"})
