"""The knowledge base: what past escalations taught (root causes, post-mortems, lessons
learned), searchable in Russian and English and ranked.

Features publish into it inside their own unit of work (`publish`, an upsert by kind,
case and key); `search` reads it. On SQLite the words are Snowball-stemmed here
(domain.stemming) into an FTS5 table ranked by bm25; on PostgreSQL the entry's tsvector
comes from the `russian` or `english` configuration by the entry's language and is
ranked by ts_rank. Either way "сбой" finds "сбоя" and "сбоями"."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import case as case_when
from sqlalchemy import column, func, literal_column, select, table, text
from sqlalchemy.orm import Session

from escalada.adapters.db.plain import Reader
from escalada.adapters.db.reads import BODY_WEIGHT, TITLE_WEIGHT
from escalada.adapters.db.tables import AccountRow, CaseRow, KbEntryRow, RootCauseRow
from escalada.domain.errors import InvalidInput
from escalada.domain.model import Language
from escalada.domain.stemming import stems, words_of
from escalada.domain.words import Words
from escalada.services.authz import SYSTEM_ROLE, require_admin
from escalada.services.case_reads import similar_in
from escalada.services.context import Actor, Context, Detect

__all__ = ["KINDS", "KbHit", "publish", "publish_root_cause", "reindex", "retag", "search",
           "similar_escalations", "similar_to", "suggest_similar"]
from escalada.services.paging import Page, PageQuery, memory_page, validated
from escalada.services.records import excerpt, record
from escalada.services.repositories import load_case
from escalada.services.views import KbHit

if TYPE_CHECKING:
    from escalada.services.unit_of_work import UnitOfWork

KINDS = ("root_cause", "post_mortem", "lesson")
MAX_LIMIT = 100
_CONFIGURATION = {Language.RU.value: "russian", Language.EN.value: "english"}
# SQLite's full-text table (created by the migration, outside the ORM's metadata).
_FTS = table("kb_fts", column("rowid"), column("title"), column("body"))


def publish(
    uow: UnitOfWork, *, kind: str, case: CaseRow, key: str, title: str, body: str,
    at: datetime, language: str | None = None,
) -> KbEntryRow:
    """Put (or replace) the entry of `kind` and `key` on `case`: its language is
    `language`, else the account's; its services and regions are the case's."""
    if kind not in KINDS:
        raise InvalidInput.of("kind", "must be one of {kinds}", kinds=', '.join(KINDS))
    if not body.strip():
        raise InvalidInput.of("body", "must not be empty")
    session = uow.session
    if language is None:
        language = session.get(AccountRow, case.account_id).language  # type: ignore[union-attr]
    if language not in _CONFIGURATION:
        language = Language.EN.value
    row = session.scalars(select(KbEntryRow).where(
        KbEntryRow.kind == kind, KbEntryRow.case_number == case.number,
        KbEntryRow.key == key)).one_or_none()
    if row is None:
        row = KbEntryRow(kind=kind, case_number=case.number, key=key)
        session.add(row)
    row.account_id, row.language, row.title, row.body = case.account_id, language, title, body
    row.services, row.regions = list(case.services or []), list(case.regions or [])
    row.published_at = at
    session.flush()
    _index(session, row)
    return row


def retag(session: Session, case: CaseRow) -> None:
    """The case's services or regions changed: its entries carry (and are found by) the
    new ones."""
    for row in session.scalars(select(KbEntryRow).where(
            KbEntryRow.case_number == case.number)):
        row.services, row.regions = list(case.services or []), list(case.regions or [])
        _index(session, row)


def search(*, ctx: Context, q: str, lang: str | None = None, limit: int = 20) -> list[KbHit]:
    """The first `limit` entries matching `q` (every word of it, in any inflection), best
    first; only those in `lang` when given."""
    return kb_page(ctx=ctx, q=q, lang=lang, limit=limit).items


def kb_page(*, ctx: Context, q: str, lang: str | None = None, limit: int = 20,
            cursor: str | None = None) -> Page[KbHit]:
    """A page of the entries matching `q`, best first (`limit`, default 20, at most 100,
    after `cursor`); only those in `lang` when given. The ranking is the database's, so
    the matches are ranked whole and paged here (services.paging.memory_page)."""
    problems: list[tuple[str, str | Words]] = []
    if not q.strip():
        problems.append(("q", "must not be empty"))
    elif not words_of(q):
        problems.append(("q", "has no words to search for"))
    elif not stems(q):
        problems.append(("q", "has only common words (such as 'the' or 'и'), which are "
                              "not searched for; add a word that tells entries apart"))
    if lang is not None and lang not in _CONFIGURATION:
        problems.append(("lang", Words("must be one of {languages}",
                                       languages=", ".join(_CONFIGURATION))))
    if not 1 <= limit <= MAX_LIMIT:
        problems.append(("limit", Words("must be between 1 and {max_limit}",
                                        max_limit=MAX_LIMIT)))
    if problems:
        raise InvalidInput(problems)
    wanted = validated(PageQuery, {"limit": limit, "cursor": cursor})
    with ctx.reading() as uow:
        session = uow.session
        if session.get_bind().dialect.name == "postgresql":
            query = _postgres_query(q)
        else:
            # Every stem, quoted (so FTS5 reads none of them as an operator), must be there.
            query = _sqlite_query(" ".join(f'"{stem}"' for stem in stems(q)))
        if lang is not None:
            query = query.where(KbEntryRow.language == lang)
        found = session.execute(query.add_columns(CaseRow).join(
            CaseRow, CaseRow.number == KbEntryRow.case_number)).all()
        # Best first: the score, then the newest, then the latest published (as ordered).
        page = memory_page(found, "kb", ("float", "float", "float"), wanted, lambda hit: [
            -float(hit[1]), -hit[0].published_at.timestamp(), -hit[0].id])
        return Page([_hit(row, case, score) for row, score, case in page.items],
                    page.next_cursor)


def reindex(*, ctx: Context, actor: Actor) -> int:
    """Publish every case's root cause again (those entered before the knowledge base
    existed among them) and index every other entry again (post-mortems, lessons); how
    many entries the knowledge base then holds. Admins only."""
    require_admin(actor, "reindexing the knowledge base")
    with ctx.unit_of_work() as uow:
        for root_cause, case in uow.session.execute(
                select(RootCauseRow, CaseRow).join(
                    CaseRow, CaseRow.number == RootCauseRow.case_number)).all():
            publish_root_cause(uow, root_cause, case, ctx.detect_language)
        entries = uow.session.scalars(select(KbEntryRow).order_by(KbEntryRow.id)).all()
        for row in entries:
            _index(uow.session, row)
        uow.commit()
        return len(entries)


_LABELS = {"ru": {"technical": "Техническая причина", "process": "Процессная причина"},
           "en": {"technical": "Technical root cause", "process": "Process root cause"}}


def publish_root_cause(
    uow: UnitOfWork, row: RootCauseRow, case: CaseRow, detect: Detect | None = None,
) -> int:
    """Put the case's root cause in the knowledge base (one entry, both parts): in the
    language `detect` tells from its text, else the account's; how many entries that
    made (0 while it has no text)."""
    parts = [name for name in ("technical", "process") if getattr(row, name)]
    if not parts:
        return 0
    told = detect("\n".join(getattr(row, name) for name in parts)) if detect else None
    language = told.value if told is not None else _language(uow, case)
    labels = _LABELS[language]
    body = "\n\n".join(f"{labels[name]}: {getattr(row, name)}" for name in parts)
    publish(uow, kind="root_cause", case=case, key="", title=f"{case.ref}: {case.title}",
            body=body, at=row.updated_at, language=language)
    return 1


def _language(uow: UnitOfWork, case: CaseRow) -> str:
    account = uow.session.get(AccountRow, case.account_id)
    return "ru" if account is not None and account.language == "ru" else "en"


def _index(session: Session, row: KbEntryRow) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(
            "UPDATE kb_entries SET document = "
            "setweight(to_tsvector(CAST(:configuration AS regconfig), :title), 'A') || "
            "setweight(to_tsvector(CAST(:configuration AS regconfig), :body), 'B') || "
            "setweight(to_tsvector(CAST(:configuration AS regconfig), :tags), 'C') "
            "WHERE id = :id"),
            {"configuration": _CONFIGURATION[row.language], "title": row.title,
             "body": row.body, "tags": " ".join(_tags(row)), "id": row.id})
    else:
        session.execute(text("DELETE FROM kb_fts WHERE rowid = :id"), {"id": row.id})
        session.execute(text("INSERT INTO kb_fts (rowid, title, body) "
                             "VALUES (:id, :title, :body)"),
                        {"id": row.id, "title": " ".join(stems(row.title)),
                         "body": " ".join(stems(" ".join([row.body, *_tags(row)])))})


def _tags(row: KbEntryRow) -> list[str]:
    """The entry's services and regions, searched beside its text (`similar_to`)."""
    return [*row.services, *row.regions]


def similar_escalations(*, ctx: Context, case_id: str, limit: int = 3) -> list[KbHit]:
    """Past escalations like the case (`case show`): see `similar_to`."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput.of("limit", "must be between 1 and {max_limit}", max_limit=MAX_LIMIT)
    with ctx.reading() as uow:
        return similar_to(uow.session, load_case(uow.session, case_id), limit=limit)


def similar_to(session: Session, case: CaseRow, *, limit: int = 3) -> list[KbHit]:
    """Past escalations like `case`, read in the session's transaction: see
    services.case_reads.similar_in."""
    return similar_in(Reader.of_session(session), case, limit=limit)


_SUGGESTER = Actor("escalada", SYSTEM_ROLE)
_KIND_WORDS = {"root_cause": Words("root cause"), "post_mortem": Words("post-mortem"),
               "lesson": Words("lesson")}


def suggest_similar(session: Session, case: CaseRow, *, at: datetime, limit: int = 3) -> None:
    """The case opened or changed its services or regions: the past escalations like it
    (`similar_to`) are suggested on its timeline (`similar_escalations`), when any."""
    hits = similar_to(session, case, limit=limit)
    if not hits:
        return
    found = [Words("{case} ({kind}): {title}", case=hit.case,
                   kind=_KIND_WORDS.get(hit.kind) or Words.literal(hit.kind),
                   title=excerpt(hit.title, 80)) for hit in hits]
    shown = found[0]
    for more in found[1:]:
        shown = Words("{first}; {then}", first=shown, then=more)
    record(session, case, actor=_SUGGESTER, at=at, kind="similar_escalations",
           summary=Words("similar past escalations: {found}", found=shown),
           data={"similar": [{"case": hit.case, "kind": hit.kind, "title": hit.title,
                              "services": hit.services, "regions": hit.regions}
                             for hit in hits]}, changed=False)


def _sqlite_query(match: str) -> Any:
    score: Any = literal_column(f"bm25(kb_fts, {TITLE_WEIGHT}, {BODY_WEIGHT})")
    query = (select(KbEntryRow, -score)
             .join_from(KbEntryRow, _FTS, _FTS.c.rowid == KbEntryRow.id)
             .where(text("kb_fts MATCH :match").bindparams(match=match))
             .order_by(score, KbEntryRow.published_at.desc(), KbEntryRow.id.desc()))
    return query


def _postgres_query(q: str) -> Any:
    def query_in(configuration: Any) -> Any:
        return func.websearch_to_tsquery(configuration, q)

    russian: Any = literal_column("'russian'::regconfig")
    english: Any = literal_column("'english'::regconfig")
    own = case_when((KbEntryRow.language == Language.RU.value, russian), else_=english)
    document = KbEntryRow.__table__.c.document
    score = func.ts_rank(document, query_in(own))
    query = (select(KbEntryRow, score)
             .where(((KbEntryRow.language == Language.RU.value)
                     & document.op("@@")(query_in(russian)))
                    | ((KbEntryRow.language != Language.RU.value)
                       & document.op("@@")(query_in(english))))
             .order_by(score.desc(), KbEntryRow.published_at.desc(), KbEntryRow.id.desc()))
    return query


def _hit(row: KbEntryRow, case: CaseRow, score: Any) -> KbHit:
    return KbHit(kind=row.kind, case=case.ref, account=row.account_id, language=row.language,
                 title=row.title, excerpt=excerpt(row.body, 300), services=row.services,
                 regions=row.regions, published_at=row.published_at, score=float(score))
