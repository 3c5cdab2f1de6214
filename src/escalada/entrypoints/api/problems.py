"""The problem types (RFC 9457) in the OpenAPI document, and a page for each one at its
type URI (`GET /problems/{kind}`), so a client that follows `type` finds what it means."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field

from escalada.domain.errors import NotFound
from escalada.entrypoints.api.links import document_links
from escalada.entrypoints.errors import PROBLEM_KINDS, PROBLEM_MEDIA_TYPE

router = APIRouter(tags=["problems"])
_BY_SLUG = {kind.type.removeprefix("/problems/"): kind for kind in PROBLEM_KINDS}


class FieldProblem(BaseModel):
    field: str = Field(description="the API field (a dotted path into the body or a "
                                   "query parameter)")
    reason: str


class Problem(BaseModel):
    """An error, as every route of the API answers one (`application/problem+json`)."""

    model_config = ConfigDict(extra="allow")
    type: str = Field(description="a URI reference naming the kind of error, stable; "
                                  "GET it for its meaning, e.g. /problems/handoff-incomplete")
    title: str = Field(description="the kind of error in a few words")
    status: int = Field(description="the HTTP status")
    detail: str = Field(description="what went wrong with this request, for a person")
    instance: str = Field(description="the path that was requested")
    error: str = Field(description="the kind as a stable code (invalid_input, not_found, ...)")
    message: str = Field(description="the same as detail (kept for older clients)")
    problems: list[FieldProblem] | None = Field(
        default=None, description="invalid_input: each field and why")
    step: str | None = Field(default=None, description="handoff_incomplete: the step")
    missing: list[str] | None = Field(
        default=None, description="handoff_incomplete: the handoff items still missing")


@router.get("/problems/{kind}", response_class=PlainTextResponse, include_in_schema=False)
def problem_type(kind: str) -> str:
    """What one problem type means: its title, status and what to do."""
    found = _BY_SLUG.get(kind)
    if found is None:
        raise NotFound(f"no problem type {kind}; known: {', '.join(sorted(_BY_SLUG))}")
    return f"{found.title} ({found.status})\n\n{found.explanation}\n"


_ERROR_STATUSES = {
    "401": "no live bearer token",
    "403": "the token's user may not do this",
    "404": "nothing has that id",
    "409": "the record changed meanwhile, or the state does not allow it",
    "422": "a field is invalid: `problems` names each one",
    "500": "the server failed; logged",
    "default": "any other error (405, 412, 429, 502, 503), as a problem document",
}
_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def _problem_response(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": _PROBLEM_REF}}}


def _document_problems(document: dict[str, Any]) -> None:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(schemas["Problem"].pop("$defs", {}))
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for path, item in document.get("paths", {}).items():
        for operation in item.values():
            responses = operation.setdefault("responses", {})
            protected = bool(operation.get("security"))
            for status, description in _ERROR_STATUSES.items():
                if status == "401" and not protected:
                    continue
                if status not in responses or status == "422":
                    responses[status] = _problem_response(description)
            for status, response in responses.items():
                if status.startswith(("4", "5")) and "content" not in response \
                        and path != "/healthz":
                    response["content"] = _problem_response("")["content"]
            if path == "/healthz":  # its 503 is its own document (`status: down`)
                responses.pop("default", None)


def install_problem_documents(app: FastAPI) -> None:
    """Every operation's error responses are problem documents in the OpenAPI schema."""
    app.include_router(router)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(title=app.title, version=app.version,
                                   description=app.description, routes=app.routes)
            _document_problems(document)
            document_links(document)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
