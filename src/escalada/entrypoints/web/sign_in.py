"""Signing in and out, and the language switch: `/sign-in`, `/sign-out`, `/language`;
`/` goes to the board."""

from __future__ import annotations

import math
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from escalada.domain.errors import InvalidInput, TooManyAttempts, Unauthenticated
from escalada.entrypoints.web.rendering import render
from escalada.entrypoints.web.session import (
    COOKIE,
    ConsoleUser,
    CsrfChecked,
    context_of,
    language_of,
)
from escalada.entrypoints.web.translate import gettext, ngettext
from escalada.services.console_sessions import choose_session_language, sign_in, sign_out

router = APIRouter(include_in_schema=False)

# Signing in has no session yet: its form is tied to the browser by a cookie of its own
# (double submit), so another site cannot sign a browser in to someone else's account.
SIGN_IN_COOKIE = "escalada_sign_in"


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this site only, else the board."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/board"


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/board", status_code=303)


@router.get("/sign-in")
def sign_in_form(request: Request, next: str | None = None) -> Response:
    return _form(request, safe_next(next))


def _form(request: Request, next_url: str, *, error: str | None = None,
          status_code: int = 200, headers: dict[str, str] | None = None,
          username: str = "") -> Response:
    nonce = secrets.token_urlsafe(24)
    response = render(request, "sign_in.html", status_code=status_code, headers=headers,
                      next_url=next_url, nonce=nonce, error=error, username=username)
    response.set_cookie(SIGN_IN_COOKIE, nonce, httponly=True, samesite="lax",
                        secure=_secure(request), path="/sign-in")
    return response


def _secure(request: Request) -> bool:
    return context_of(request).settings().flag("cookie_secure")


@router.post("/sign-in")
def sign_in_post(
    request: Request,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=2048)] = "",
    nonce: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/board",
) -> Response:
    language = language_of(request)
    target = safe_next(next)
    cookie = request.cookies.get(SIGN_IN_COOKIE)
    if not cookie or not secrets.compare_digest(cookie.encode(), nonce.encode()):
        return _form(request, target, status_code=403, username=username,
                     error=gettext(language, "The sign-in form expired or came from "
                                             "elsewhere: please try again."))
    client = request.client.host if request.client else "unknown"
    ctx = context_of(request)
    try:
        made = sign_in(ctx=ctx, username=username, password=password, client=client,
                       language=request.query_params.get("lang"))
    except TooManyAttempts as error:
        minutes = math.ceil(error.retry_after / 60)
        return _form(request, target, status_code=429, username=username,
                     headers={"Retry-After": str(error.retry_after)},
                     error=ngettext(language,
                                    "Too many failed sign-ins: try again in %(num)d minute.",
                                    "Too many failed sign-ins: try again in %(num)d minutes.",
                                    minutes))
    except (Unauthenticated, InvalidInput):
        return _form(request, target, status_code=401, username=username,
                     error=gettext(language, "Wrong user name or password."))
    response = RedirectResponse(target, status_code=303)
    lifetime = ctx.settings().session_lifetime()
    response.set_cookie(COOKIE, made.token, httponly=True, samesite="lax",
                        secure=_secure(request), path="/",
                        max_age=int(lifetime.total_seconds()))
    response.delete_cookie(SIGN_IN_COOKIE, path="/sign-in")
    return response


@router.post("/sign-out")
def sign_out_post(request: Request, _user: ConsoleUser, _csrf: CsrfChecked) -> Response:
    sign_out(ctx=context_of(request), token=request.cookies.get(COOKIE))
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.post("/language")
def language_post(
    request: Request, _user: ConsoleUser, _csrf: CsrfChecked,
    language: Annotated[str, Form(max_length=5)],
    next: Annotated[str, Form(max_length=2000)] = "/board",
) -> Response:
    choose_session_language(ctx=context_of(request), token=request.cookies.get(COOKIE) or "",
                            language=language)
    return RedirectResponse(safe_next(next), status_code=303)
