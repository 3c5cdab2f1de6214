"""The web console: server-rendered pages (Jinja2, htmx) over the same services as the
API and the CLI, served by the API's app. Each page is a module with a `router`, listed
in `PAGES`; static files (htmx, the style sheet) ship in the package."""

from __future__ import annotations

import inspect
from importlib.resources import files
from types import ModuleType
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.types import ExceptionHandler

from escalada.adapters.catalogs import translations
from escalada.domain.errors import EscaladaError, InvalidInput
from escalada.domain.validation import field_path, reason_of
from escalada.entrypoints.errors import http_status
from escalada.entrypoints.web import (
    account,
    board,
    case,
    hooks,
    incidents,
    people,
    report,
    sign_in,
    war_room,
)
from escalada.entrypoints.web.rendering import render
from escalada.entrypoints.web.session import (
    COOKIE,
    CsrfRefused,
    SignInNeeded,
    context_of,
    language_of,
)
from escalada.entrypoints.web.translate import gettext

# Every page of the console (a page helper adds its module here).
PAGES: tuple[ModuleType, ...] = (sign_in, board, case, war_room, account, report, people,
                                  incidents, hooks)


def _console_request(request: Request) -> None:
    """Marks a request as the console's: its errors are pages, not JSON."""
    request.state.console = True


def install_console(app: FastAPI) -> None:
    """Mount the static files and every page, and show the console's errors as pages.
    Call after the API's error handlers are installed (it wraps them)."""
    static = files("escalada.entrypoints.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    for page in PAGES:
        app.include_router(page.router, dependencies=[Depends(_console_request)])
    _install_error_pages(app)


# Paths whose answers are for programs (their errors stay RFC 9457 problem documents,
# whatever a client's Accept header says).
_PROGRAM_PATHS = ("/api/", "/mcp", "/metrics", "/healthz", "/readyz", "/openapi.json",
                  "/docs", "/static/")


def wants_page(request: Request) -> bool:
    """A browser's request for a page: the console's own routes, or any other path
    outside the API's that asks for HTML; an error there is a page, not JSON."""
    if getattr(request.state, "console", False):
        return True
    path = request.url.path
    if path.startswith(_PROGRAM_PATHS) or path in ("/api", "/mcp"):
        return False
    return "text/html" in request.headers.get("accept", "")


def _reader_known(request: Request) -> None:
    """Before an error page: whose session the request carries, when no page read it
    (an unknown path), so the page is in that person's language; nothing when it cannot
    be told (no cookie, a dead session, the database down)."""
    if getattr(request.state, "signed_in", None) is not None or COOKIE not in request.cookies:
        return
    from escalada.services.console_sessions import session_user

    try:
        request.state.signed_in = session_user(ctx=context_of(request),
                                               token=request.cookies.get(COOKIE))
    except Exception:  # the page is shown in the browser's language instead
        return


def _error_page(request: Request, status: int, heading: str, message: str) -> Response:
    _reader_known(request)
    return render(request, "error.html", status_code=status, heading=heading,
                  message=message)


def _install_error_pages(app: FastAPI) -> None:
    api_domain = app.exception_handlers[EscaladaError]
    api_validation = app.exception_handlers[RequestValidationError]
    api_http = app.exception_handlers[HTTPException]
    api_unexpected = app.exception_handlers[Exception]

    async def sign_in_needed(request: Request, error: Exception) -> Response:
        assert isinstance(error, SignInNeeded)
        target = f"/sign-in?next={_quoted(error.next_url)}"
        if request.headers.get("HX-Request"):  # htmx swaps nothing; the page goes
            return Response(status_code=401, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    async def csrf_refused(request: Request, _error: Exception) -> Response:
        message = gettext(language_of(request), "This form was refused: its security token "
                                                "is missing or wrong. Reload the page and "
                                                "try again.")
        return render(request, "error.html", status_code=403, message=message)

    async def domain(request: Request, error: Exception) -> Response:
        if not getattr(request.state, "console", False):
            return await _call(api_domain, request, error)
        assert isinstance(error, EscaladaError)
        return render(request, "error.html", status_code=http_status(error),
                      message=error.told(translations(language_of(request))))

    async def validation(request: Request, error: Exception) -> Response:
        if not getattr(request.state, "console", False):
            return await _call(api_validation, request, error)
        assert isinstance(error, RequestValidationError)
        invalid = InvalidInput([(field_path(tuple(item.get("loc", ()))[1:]), reason_of(item))
                                for item in error.errors()])
        return render(request, "error.html", status_code=http_status(invalid),
                      message=invalid.told(translations(language_of(request))))

    async def http(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        if error.status_code < 400 or not wants_page(request):
            return await _call(api_http, request, error)
        _reader_known(request)
        language = language_of(request)
        if error.status_code == 404:
            heading = gettext(language, "Page not found")
            message = gettext(language, "There is no page at %(path)s.") % {
                "path": request.url.path}
        elif error.status_code == 405:
            heading = gettext(language, "This could not be done")
            message = gettext(language, "This page cannot be asked for that way "
                                        "(%(method)s).") % {"method": request.method}
        else:
            heading = gettext(language, "This could not be done")
            message = gettext(language, "The server refused this request (%(status)s).") % {
                "status": error.status_code}
        return _error_page(request, error.status_code, heading, message)

    async def unexpected(request: Request, error: Exception) -> Response:
        answer = await _call(api_unexpected, request, error)  # logs it
        if not wants_page(request):
            return answer
        language = language_of(request)
        return _error_page(
            request, 500, gettext(language, "Something went wrong on our side"),
            gettext(language, "The server failed to answer this request; it is logged. "
                              "Try again in a moment, or tell an administrator."))

    app.add_exception_handler(SignInNeeded, sign_in_needed)
    app.add_exception_handler(HTTPException, http)
    app.add_exception_handler(Exception, unexpected)
    app.add_exception_handler(CsrfRefused, csrf_refused)
    app.add_exception_handler(EscaladaError, domain)
    app.add_exception_handler(RequestValidationError, validation)


async def _call(handler: ExceptionHandler, request: Request, error: Exception) -> Response:
    answer: Any = handler(request, error)  # type: ignore[arg-type]
    if inspect.isawaitable(answer):
        answer = await answer
    assert isinstance(answer, Response)
    return answer


def _quoted(target: str) -> str:
    from urllib.parse import quote

    return quote(target, safe="/")
