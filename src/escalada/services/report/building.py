"""Building the escalation report: checking what is asked, reading the case's record
once, and rendering it in the language and format asked for."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalada.adapters.catalogs import translations
from escalada.adapters.db.tables import (
    AccountRow,
    CaseRow,
    CommunicationRow,
    CreditRow,
    OutboxRow,
    RecoveryTaskRow,
    RootCauseRow,
    TimelineRow,
)
from escalada.domain.errors import InvalidInput
from escalada.domain.escalation_report import (
    FORMATS,
    LANGUAGES,
    EscalationReport,
    Similar,
    measured_breaches,
)
from escalada.domain.policy import Policy
from escalada.services.authz import can_read
from escalada.services.commitments import commitments_of
from escalada.services.context import Actor, Context
from escalada.services.knowledge_base import similar_to
from escalada.services.policies import policy_of
from escalada.services.post_mortem import lessons_of
from escalada.services.records import snapshot_of
from escalada.services.report import sections
from escalada.services.repositories import load_case

MEDIA_TYPES = {"md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8",
               "pdf": "application/pdf"}


@dataclass(frozen=True)
class RenderedReport:
    """The report in one format: its content, media type and a file name for it."""

    content: bytes
    media_type: str
    filename: str
    language: str
    case: str  # its id, as the report names it (CASE-1042)


def escalation_report(
    *, ctx: Context, actor: Actor, case_id: str, language: str | None = None,
    fmt: str = "md",
) -> RenderedReport:
    """The case's escalation report in `language` (default: the account's, Russian for
    Russian-language accounts, else English) as Markdown, HTML or PDF."""
    can_read(actor)
    if fmt not in FORMATS:
        raise InvalidInput.of("format", "must be one of {formats} (not {fmt!r})",
                              formats=', '.join(FORMATS), fmt=fmt)
    report = gather(ctx, case_id, _checked_language(language))
    from escalada.adapters import reports

    markdown = reports.render_markdown(report)
    if fmt == "md":
        content = markdown.encode()
    else:
        with _needs_report_extra(fmt.upper()), reports.collecting_less():
            page = reports.render_html(report, markdown)
            content = page.encode() if fmt == "html" else reports.render_pdf(page)
    return RenderedReport(content, MEDIA_TYPES[fmt], f"{report.summary.case}-report-"
                          f"{report.language}.{fmt}", report.language, report.summary.case)


def report_body(
    *, ctx: Context, actor: Actor, case_id: str, language: str | None = None
) -> RenderedReport:
    """The report's HTML without its page around it (no head, no print styles), for
    the console's report page; its file name is the HTML download's."""
    can_read(actor)
    report = gather(ctx, case_id, _checked_language(language))
    from escalada.adapters import reports

    with _needs_report_extra("HTML"):
        body = reports.render_body(report, reports.render_markdown(report))
    return RenderedReport(body.encode(), MEDIA_TYPES["html"], f"{report.summary.case}-report-"
                          f"{report.language}.html", report.language, report.summary.case)


def _checked_language(language: str | None) -> str | None:
    if language is not None and language not in LANGUAGES:
        raise InvalidInput.of("lang", "must be one of {languages} (not {language!r})",
                              languages=', '.join(LANGUAGES), language=language)
    return language


@contextmanager
def _needs_report_extra(what: str) -> Iterator[None]:
    try:
        yield
    except ModuleNotFoundError as error:
        raise InvalidInput.of("format", "{what} needs the report extra ({name} is not installed): "
                              "pip install 'escalada[report]'", what=what,
                              name=error.name) from error


def gather(ctx: Context, case_id: str, language: str | None) -> EscalationReport:
    """Everything the report says, read in one read-only unit of work."""
    now = ctx.clock()
    with ctx.reading() as uow:
        case = load_case(uow.session, case_id)
        account = uow.session.get_one(AccountRow, case.account_id)
        policy = policy_of(uow.session, case, ctx.policy())
        return build(uow.session, account, case, policy, language, now)


def build(session: Session, account: AccountRow, case: CaseRow, policy: Policy,
          language: str | None, now: datetime) -> EscalationReport:
    number = case.number
    # Every entry's words, and the data only of those the impact reads: a long timeline's
    # JSON is most of what reading it costs.
    lines = session.execute(select(
        TimelineRow.at, TimelineRow.actor, TimelineRow.kind, TimelineRow.summary,
        TimelineRow.reason, TimelineRow.words, TimelineRow.reason_words).where(
        TimelineRow.case_number == number)
        .order_by(TimelineRow.id)).all()
    entries = session.execute(select(
        TimelineRow.at, TimelineRow.actor, TimelineRow.kind, TimelineRow.summary,
        TimelineRow.reason, TimelineRow.data).where(
        TimelineRow.case_number == number,
        TimelineRow.kind.in_(sections.BREACH_KINDS + sections.UPDATE_KINDS))
        .order_by(TimelineRow.id)).all()
    drafts = list(session.scalars(select(CommunicationRow).where(
        CommunicationRow.case_number == number).order_by(CommunicationRow.id)))
    deliveries = list(session.scalars(select(OutboxRow).where(
        OutboxRow.case_number == number).order_by(OutboxRow.id)))
    credits = list(session.scalars(select(CreditRow).where(
        CreditRow.case_number == number).order_by(CreditRow.id)))
    tasks = list(session.scalars(select(RecoveryTaskRow).where(
        RecoveryTaskRow.case_number == number)))
    language = language or (account.language if account.language in LANGUAGES else "en")
    return EscalationReport(
        language=language,
        timezone=account.timezone, generated_at=now,
        summary=sections.summary_of(account, case, lines, now),
        timeline=sections.timeline_of(lines, translations(language)),
        steps=sections.steps_of(case),
        root_cause=sections.root_cause_of(session.get(RootCauseRow, number)),
        impact=sections.impact_of(case, entries, credits, measured_breaches(
            snapshot_of(session, case, now), policy, now), now),
        resolution=sections.resolution_of(case, lines, commitments_of(session, number), now,
                                          translations(language)),
        messages=sections.messages_of(drafts, deliveries),
        lessons=() if (held := lessons_of(session, number)) is None
        else sections.lessons_of(*held, now),
        recovery=sections.recovery_of(tasks, now, template=policy.recovery, language=language),
        similar=tuple(Similar(hit.case, hit.kind, hit.title, tuple(hit.services),
                              tuple(hit.regions)) for hit in similar_to(session, case)))

