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
from starlette.types import ExceptionHandler

from escalada.adapters.catalogs import translations
from escalada.domain.errors import EscaladaError, InvalidInput
from escalada.domain.validation import field_path, reason_of
from escalada.entrypoints.errors import http_status
from escalada.entrypoints.web import account, board, case, people, report, sign_in, war_room
from escalada.entrypoints.web.rendering import render
from escalada.entrypoints.web.session import CsrfRefused, SignInNeeded, language_of
from escalada.entrypoints.web.translate import gettext

# Every page of the console (a page helper adds its module here).
PAGES: tuple[ModuleType, ...] = (sign_in, board, case, war_room, account, report, people)


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


def _install_error_pages(app: FastAPI) -> None:
    api_domain = app.exception_handlers[EscaladaError]
    api_validation = app.exception_handlers[RequestValidationError]

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

    app.add_exception_handler(SignInNeeded, sign_in_needed)
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
