"""The report page: `/cases/{case_id}/report` shows the case's escalation report as
services.report renders it (in the account's language, or `?lang=ru|en`), and
`/cases/{case_id}/report.md` and `.pdf` download it through the same service function
as `escalada report` and GET /api/v1/cases/{id}/report."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from escalada.entrypoints.web.rendering import render
from escalada.entrypoints.web.session import ConsoleUser, context_of
from escalada.services.report import escalation_report, report_body

router = APIRouter(include_in_schema=False)
ReportLanguage = Annotated[str | None, Query(max_length=5, description="ru or en")]


@router.get("/cases/{case_id}/report")
def report_page(request: Request, user: ConsoleUser, case_id: str,
                lang: ReportLanguage = None) -> Response:
    rendered = report_body(ctx=context_of(request), actor=user, case_id=case_id,
                           language=lang)
    return render(request, "report.html", case=rendered.case, body=rendered.content.decode(),
                  report_language=rendered.language)


def _download(request: Request, user: ConsoleUser, case_id: str, lang: str | None,
              fmt: str) -> Response:
    rendered = escalation_report(ctx=context_of(request), actor=user, case_id=case_id,
                                 language=lang, fmt=fmt)
    return Response(rendered.content, media_type=rendered.media_type, headers={
        "Content-Disposition": f'attachment; filename="{rendered.filename}"',
        "Content-Language": rendered.language})


@router.get("/cases/{case_id}/report.md")
def report_markdown(request: Request, user: ConsoleUser, case_id: str,
                    lang: ReportLanguage = None) -> Response:
    return _download(request, user, case_id, lang, "md")


@router.get("/cases/{case_id}/report.pdf")
def report_pdf(request: Request, user: ConsoleUser, case_id: str,
               lang: ReportLanguage = None) -> Response:
    return _download(request, user, case_id, lang, "pdf")
