"""People and tokens, for admins: `/people` lists the users with their roles, states and
console passwords, a page at a time (filtered by role, state and name), and adds,
promotes, disables, enables and sets passwords; `/people/tokens` lists the API tokens, a
page at a time (filtered by owner and whether they work), creates one for the admin (its
secret shown once, on the answer to the form, never again) and revokes any. Every change
goes through the same service functions as `escalada user ...` / `escalada token ...`
and /api/v1/users|tokens, which check the roles; the pages are read by
services.people_directory (admins only)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from escalada.adapters.catalogs import translations
from escalada.domain.errors import EscaladaError
from escalada.domain.model import Role
from escalada.domain.validation import existing_id
from escalada.entrypoints.errors import http_status
from escalada.entrypoints.web.paging import filters_of, pager
from escalada.entrypoints.web.rendering import render
from escalada.entrypoints.web.session import (
    ConsoleUser,
    CsrfChecked,
    context_of,
    language_of,
)
from escalada.services import people
from escalada.services.authz import allowed, require_admin
from escalada.services.context import Actor
from escalada.services.passwords import set_password
from escalada.services.people_directory import people_directory
from escalada.services.views import TokenCreatedView

router = APIRouter(include_in_schema=False)
PEOPLE, TOKENS = "/people", "/people/tokens"

Field = Annotated[str, Form(max_length=200)]
Secret = Annotated[str, Form(max_length=2048)]


def page(request: Request, user: Actor, template: str, *, problem: str | None = None,
         status_code: int = 200, created: TokenCreatedView | None = None) -> Response:
    """The people or the tokens page: a page of each list, filtered as its URL asks."""
    users = filters_of(request, "role", "disabled", "name", "cursor")
    tokens = filters_of(request, "user", "active", "cursor")
    on_people = template == "people.html"
    directory = people_directory(ctx=context_of(request), actor=user, users=users,
                                 tokens=tokens, only="users" if on_people else "tokens")
    following = directory.users_next if on_people else directory.tokens_next
    return render(request, template, status_code=status_code, directory=directory,
                  roles=[role.value for role in Role], problem=problem, created=created,
                  filters=users if on_people else tokens, pager=pager(request, following))


@router.get(PEOPLE)
def people_page(request: Request, user: ConsoleUser) -> Response:
    return page(request, user, "people.html")


@router.get(TOKENS)
def tokens_page(request: Request, user: ConsoleUser) -> Response:
    return page(request, user, "tokens.html")


def _act(request: Request, user: Actor, template: str, action: Callable[[], object]
         ) -> Response:
    """Do the change, then show the page again (a refusal on it, with its status)."""
    try:
        action()
    except EscaladaError as error:
        if not allowed(lambda: require_admin(user, "managing people and tokens")):
            raise  # not an admin's page to show it on: the error page says why
        told = error.told(translations(language_of(request)))
        return page(request, user, template, problem=told, status_code=http_status(error))
    target = TOKENS if template == "tokens.html" else PEOPLE
    return RedirectResponse(target, status_code=303)


def _blank_is_none(value: str) -> str | None:
    return value.strip() or None


@router.post(f"{PEOPLE}/add")
def add_person(request: Request, user: ConsoleUser, _csrf: CsrfChecked, name: Field,
               role: Field, display_name: Field = "", title: Field = "",
               email: Field = "") -> Response:
    ctx = context_of(request)
    return _act(request, user, "people.html", lambda: people.add_user(
        ctx=ctx, actor=user, name=name.strip(), role=role, title=_blank_is_none(title),
        display_name=_blank_is_none(display_name), email=_blank_is_none(email)))


@router.post(PEOPLE + "/{name}/role")
def change_role(request: Request, user: ConsoleUser, _csrf: CsrfChecked, name: str,
                role: Field) -> Response:
    ctx = context_of(request)
    return _act(request, user, "people.html", lambda: people.change_role(
        ctx=ctx, actor=user, name=name, role=role))


@router.post(PEOPLE + "/{name}/disable")
def disable(request: Request, user: ConsoleUser, _csrf: CsrfChecked, name: str) -> Response:
    ctx = context_of(request)
    return _act(request, user, "people.html",
                lambda: people.disable_user(ctx=ctx, actor=user, name=name))


@router.post(PEOPLE + "/{name}/enable")
def enable(request: Request, user: ConsoleUser, _csrf: CsrfChecked, name: str) -> Response:
    ctx = context_of(request)
    return _act(request, user, "people.html",
                lambda: people.enable_user(ctx=ctx, actor=user, name=name))


@router.post(PEOPLE + "/{name}/password")
def password(request: Request, user: ConsoleUser, _csrf: CsrfChecked, name: str,
             new_password: Secret) -> Response:
    ctx = context_of(request)
    return _act(request, user, "people.html", lambda: set_password(
        ctx=ctx, actor=user, name=name, password=new_password))


@router.post(TOKENS)
def create_token(request: Request, user: ConsoleUser, _csrf: CsrfChecked,
                 label: Field = "", expires_in_days: Field = "") -> Response:
    """A token for the admin signed in (nobody mints one for someone else): its secret is
    on this answer only (201), never in a link or on a later page."""
    ctx = context_of(request)
    people_directory(ctx=ctx, actor=user)  # an admin's page: nobody else mints one here
    try:
        days = int(expires_in_days) if expires_in_days.strip() else None
    except ValueError:
        days = 0  # refused by the service, naming the field and the range
    try:
        created = people.create_token(ctx=ctx, actor=user, expires_in_days=days,
                                      label=_blank_is_none(label))
    except EscaladaError as error:
        told = error.told(translations(language_of(request)))
        return page(request, user, "tokens.html", problem=told,
                    status_code=http_status(error))
    return page(request, user, "tokens.html", status_code=201, created=created)


@router.post(TOKENS + "/{token_id}/revoke")
def revoke_token(request: Request, user: ConsoleUser, _csrf: CsrfChecked,
                 token_id: int) -> Response:
    ctx = context_of(request)
    return _act(request, user, "tokens.html", lambda: people.revoke_token(
        ctx=ctx, actor=user, token_id=existing_id(token_id, "token")))
