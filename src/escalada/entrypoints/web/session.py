"""Who is signed in to the console, in which language, and the CSRF check of its forms.

`ConsoleUser` is a route's signed-in user (from the session cookie; anyone else is sent to
`/sign-in?next=...`); a POST route also depends on `CsrfChecked` (403 unless the form's
`csrf_token` field, or the `X-CSRF-Token` header htmx sends, is the session's token)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from escalada.adapters.catalogs import LANGUAGES, accept_language, choose_language
from escalada.domain.errors import Unauthenticated
from escalada.services.console_sessions import SignedIn, csrf_matches, session_user
from escalada.services.context import Actor, Context

COOKIE = "escalada_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


class SignInNeeded(Exception):
    """Nobody (alive) is signed in: go to the sign-in page, then back to `next`."""

    def __init__(self, next_url: str) -> None:
        self.next_url = next_url
        super().__init__(next_url)


class CsrfRefused(Exception):
    """A console form came without its session's CSRF token (or with another one)."""


def context_of(request: Request) -> Context:
    context: Context = request.app.state.context
    return context


def signed_in_of(request: Request) -> SignedIn | None:
    signed_in: SignedIn | None = getattr(request.state, "signed_in", None)
    return signed_in


def language_of(request: Request) -> str:
    """The session's chosen language, else the person's own, else `?lang=`, else
    Accept-Language, else English."""
    signed_in = signed_in_of(request)
    if signed_in is not None:
        for chosen in (signed_in.language, signed_in.actor.language):
            if chosen in LANGUAGES:
                return chosen
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    return choose_language(accept_language(request.headers.get("accept-language")))


def console_actor(request: Request) -> Actor:
    """The signed-in user of this request, or SignInNeeded (handled as a redirect)."""
    try:
        signed_in = session_user(ctx=context_of(request), token=request.cookies.get(COOKIE))
    except Unauthenticated as error:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInNeeded(target) from error
    request.state.signed_in = signed_in
    return signed_in.actor


ConsoleUser = Annotated[Actor, Depends(console_actor)]


async def csrf_checked(request: Request, _user: ConsoleUser) -> None:
    signed_in = signed_in_of(request)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.method == "POST":
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if signed_in is None or not csrf_matches(signed_in, sent):
        raise CsrfRefused


CsrfChecked = Annotated[None, Depends(csrf_checked)]
