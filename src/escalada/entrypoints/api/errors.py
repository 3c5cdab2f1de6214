"""Error responses: every failure is a JSON document naming the field and the reason."""

from __future__ import annotations

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from escalada.domain.errors import EscaladaError, InvalidInput, TooManyAttempts
from escalada.domain.validation import field_path, reason_of
from escalada.entrypoints.errors import error_document, http_status

log = structlog.get_logger("escalada.api")


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(EscaladaError)
    async def _domain(request: Request, error: EscaladaError) -> JSONResponse:
        document, status = error_document(error), http_status(error)
        log.info("request_refused", method=request.method, path=request.url.path,
                 status=status, error=document["error"], message=document["message"])
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        if isinstance(error, TooManyAttempts):
            headers = {"Retry-After": str(error.retry_after)}
        return JSONResponse(document, status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _request(_request: Request, error: RequestValidationError) -> JSONResponse:
        problems = []
        for item in error.errors():
            location = tuple(item.get("loc", ()))
            if location and location[0] in ("body", "query", "path", "header"):
                location = location[1:]
            problems.append((field_path(location), reason_of(item)))
        invalid = InvalidInput(problems)
        return JSONResponse(error_document(invalid), status_code=http_status(invalid))
