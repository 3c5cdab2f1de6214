"""Error responses: every failure is an RFC 9457 problem document
(`application/problem+json`) naming the field and the reason; the kinds and their
statuses come from entrypoints/errors.py."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from escalada.domain.errors import EscaladaError, InvalidInput, TooManyAttempts
from escalada.domain.validation import field_path, reason_of
from escalada.domain.words import Words
from escalada.entrypoints.api.deps import token_first
from escalada.entrypoints.api.language import speaking
from escalada.entrypoints.errors import (
    INTERNAL_ERROR,
    PROBLEM_MEDIA_TYPE,
    UNAUTHENTICATED,
    domain_problem,
    kind_of_status,
    problem_document,
)

log = structlog.get_logger("escalada.api")


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_MEDIA_TYPE


def problem_response(document: dict[str, Any],
                     headers: dict[str, str] | None = None) -> ProblemResponse:
    if document["status"] == UNAUTHENTICATED.status:
        headers = {"WWW-Authenticate": "Bearer", **(headers or {})}
    return ProblemResponse(document, status_code=document["status"], headers=headers)


def _instance(request: Request) -> str:
    return request.url.path


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(EscaladaError)
    async def _domain(request: Request, error: EscaladaError) -> Response:
        precondition = getattr(request.state, "if_match", None) is not None
        lang, language = speaking(request)
        document = domain_problem(error, instance=_instance(request),
                                  precondition=precondition, language=language)
        log.info("request_refused", method=request.method, path=request.url.path,
                 status=document["status"], error=document["error"], message=str(error))
        headers = {"Content-Language": lang}
        if isinstance(error, TooManyAttempts):
            headers["Retry-After"] = str(error.retry_after)
        return problem_response(document, headers)

    @app.exception_handler(RequestValidationError)
    async def _request(request: Request, error: RequestValidationError) -> Response:
        refusal = await token_first(request)  # 401 before 422, as a dependency answers
        if refusal is not None:
            return await _domain(request, refusal)
        problems = []
        for item in error.errors():
            location = tuple(item.get("loc", ()))
            if location and location[0] in ("body", "query", "path", "header"):
                location = location[1:]
            problems.append((field_path(location), reason_of(item)))
        lang, language = speaking(request)
        return problem_response(domain_problem(InvalidInput(problems),
                                               instance=_instance(request), language=language),
                                {"Content-Language": lang})

    @app.exception_handler(HTTPException)
    async def _http(request: Request, error: HTTPException) -> Response:
        if error.status_code < 400:  # a redirect raised by a page, not a failure
            return Response(status_code=error.status_code, headers=error.headers)
        kind = kind_of_status(error.status_code)
        lang, language = speaking(request)
        detail = error.detail if isinstance(error.detail, str) else kind.title
        if error.status_code == 404 and detail == "Not Found":
            detail = Words("no route {path}", path=request.url.path).render(language)
        elif error.status_code == 405:
            detail = Words("{method} is not allowed on {path}", method=request.method,
                           path=request.url.path).render(language)
        document = problem_document(kind, detail=detail, instance=_instance(request))
        document["status"] = error.status_code
        return problem_response(document, {"Content-Language": lang, **(error.headers or {})})

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> Response:
        log.exception("request_failed", method=request.method, path=request.url.path,
                      error=type(error).__name__)
        return problem_response(problem_document(
            INTERNAL_ERROR, detail="the server failed to answer this request; it is logged",
            instance=_instance(request)))
