"""GET /api/v1/cases/{id}/report: the escalation report, through the same service
function as `escalada report`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from escalada.entrypoints.api.deps import ActorDep, ContextDep, current_actor
from escalada.services.report import escalation_report

router = APIRouter(dependencies=[Depends(current_actor)], tags=["report"])


@router.get(
    "/cases/{case_id}/report",
    response_class=Response,
    responses={200: {"content": {"text/markdown": {}, "text/html": {},
                                 "application/pdf": {}},
                     "description": "the report in the format asked for"}},
)
def report(
    ctx: ContextDep, actor: ActorDep, case_id: str,
    format: Annotated[str, Query(description="md, html or pdf")] = "md",
    lang: Annotated[str | None, Query(description="ru or en (default: the account's)")] = None,
) -> Response:
    """The case's escalation report; a PDF comes as an attachment (422 for a format or
    language escalada does not make, naming the parameter)."""
    rendered = escalation_report(ctx=ctx, actor=actor, case_id=case_id, language=lang,
                                 fmt=format)
    disposition = "attachment" if format == "pdf" else "inline"
    return Response(rendered.content, media_type=rendered.media_type, headers={
        "Content-Disposition": f'{disposition}; filename="{rendered.filename}"',
        "Content-Language": rendered.language})
