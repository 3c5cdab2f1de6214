"""The reads a person's commands run cold, in plain SQL (see `plain`): the acting user, a
case with what its view shows, and the knowledge base's entries like it.

Each returns records whose attributes are named and typed as the ORM's rows' (tables.py),
so that one function builds a view from either."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from escalada.adapters.db.plain import Reader, cents, document, utc
from escalada.domain.model import case_label


class Record(SimpleNamespace):
    """A row by its columns' names."""


class CaseRecord(Record):
    @property
    def ref(self) -> str:
        return case_label(self.number)


def _record(kind: type[Record], names: Sequence[str], row: Sequence[Any],
            convert: dict[str, Any]) -> Any:
    return kind(**{name: convert[name](value) if name in convert else value
                   for name, value in zip(names, row, strict=True)})


def _converted(times: str = "", documents: str = "", money: str = "") -> dict[str, Any]:
    return {**dict.fromkeys(times.split(), utc), **dict.fromkeys(documents.split(), document),
            **dict.fromkeys(money.split(), cents)}


_USER = ("name", "role", "disabled_at")


def user(reader: Reader, name: str) -> Record | None:
    found = reader.row("SELECT name, role, disabled_at FROM users WHERE name = :name",
                       name=name)
    return None if found is None else _record(Record, _USER, found, _converted("disabled_at"))


_TOKEN_OWNER = ("token_id", "revoked_at", "expires_at", "last_used_at", "name", "role",
                "language", "disabled_at")
_TOKEN_OWNER_SQL = (
    "SELECT t.id, t.revoked_at, t.expires_at, t.last_used_at, u.name, u.role, u.language, "
    "u.disabled_at FROM api_tokens t JOIN users u ON u.name = t.user_name "
    "WHERE t.token_hash = :digest")


def token_owner(reader: Reader, digest: str) -> Record | None:
    """The token whose hash is `digest`, with its owner: one statement."""
    found = reader.row(_TOKEN_OWNER_SQL, digest=digest)
    return None if found is None else _record(
        Record, _TOKEN_OWNER, found, _converted("revoked_at expires_at last_used_at disabled_at"))


def user_count(reader: Reader) -> int:
    return int(reader.value("SELECT count(*) FROM users"))


_CASE = ("number", "account_id", "title", "severity", "status", "tier", "exec_level",
         "opened_at", "first_response_at", "last_customer_update_at", "resolved_at",
         "closed_at", "services", "regions", "users_affected", "flags", "csat",
         "revenue_impact_usd", "business_impact_usd", "escalating_contact_level",
         "contact_title", "contact_id", "policy_version", "policy_id", "updated_at",
         "version", "sla_due_at", "vendor_events")
_CASE_TYPES = _converted(
    "opened_at first_response_at last_customer_update_at resolved_at closed_at updated_at "
    "sla_due_at", "services regions flags vendor_events",
    "revenue_impact_usd business_impact_usd")
_CASE_SQL = f"SELECT {', '.join(_CASE)} FROM cases WHERE number = :number"


def case(reader: Reader, number: int) -> CaseRecord | None:
    found = reader.row(_CASE_SQL, number=number)
    return None if found is None else _record(CaseRecord, _CASE, found, _CASE_TYPES)


_ACCOUNT = ("id", "name", "tier", "support_plan", "timezone", "country", "language",
            "health_score", "monthly_fee_usd", "created_at", "calendar_name")
_ACCOUNT_TYPES = _converted("created_at", money="monthly_fee_usd")
_ACCOUNT_SQL = (f"SELECT {', '.join('a.' + name for name in _ACCOUNT)}, c.spec "
                "FROM accounts a LEFT JOIN calendars c ON c.name = a.calendar_name "
                "WHERE a.id = :id")


def account(reader: Reader, account_id: str) -> Record | None:
    """The account, with its calendar's `spec` as `calendar.spec` (None: no calendar)."""
    found = reader.row(_ACCOUNT_SQL, id=account_id)
    if found is None:
        return None
    row: Record = _record(Record, _ACCOUNT, found[:-1], _ACCOUNT_TYPES)
    row.calendar = None if found[-1] is None else Record(spec=document(found[-1]))
    return row


_ACCOUNT_COUNTING_SQL = _ACCOUNT_SQL.replace(
    ", c.spec ", ", c.spec, (SELECT count(*) FROM cases WHERE account_id = a.id "
    "AND opened_at > :since AND opened_at <= :now) ")


def account_counting(reader: Reader, account_id: str,
                     now: datetime) -> tuple[Record, int] | None:
    """The account (as `account` reads it) and how many cases it opened in the 30 days
    up to `now` (as `recent_cases` counts them), in one statement."""
    found = reader.row(_ACCOUNT_COUNTING_SQL, id=account_id,
                       since=reader.time(now - timedelta(days=30)), now=reader.time(now))
    if found is None:
        return None
    row: Record = _record(Record, _ACCOUNT, found[:-2], _ACCOUNT_TYPES)
    row.calendar = None if found[-2] is None else Record(spec=document(found[-2]))
    return row, int(found[-1] or 0)


def accounts(reader: Reader, account_ids: Collection[str]) -> dict[str, Record]:
    """Several accounts in one statement (as `account` reads one), by id."""
    names = sorted(set(account_ids))
    if not names:
        return {}
    marks = ", ".join(f":a{i}" for i in range(len(names)))
    sql = _ACCOUNT_SQL.replace("WHERE a.id = :id", f"WHERE a.id IN ({marks})")
    found = {}
    for values in reader.rows(sql, **{f"a{i}": name for i, name in enumerate(names)}):
        row: Record = _record(Record, _ACCOUNT, values[:-1], _ACCOUNT_TYPES)
        row.calendar = None if values[-1] is None else Record(spec=document(values[-1]))
        found[row.id] = row
    return found


def recent_cases(reader: Reader, account_id: str, now: datetime) -> int:
    """How many cases the account opened in the 30 days up to `now`."""
    return int(reader.value(
        "SELECT count(*) FROM cases WHERE account_id = :account AND opened_at > :since "
        "AND opened_at <= :now", account=account_id,
        since=reader.time(now - timedelta(days=30)), now=reader.time(now)) or 0)


_PAUSE = ("started_at", "ended_at")


def pauses(reader: Reader, number: int) -> list[Record]:
    return [_record(Record, _PAUSE, row, _converted("started_at ended_at")) for row in
            reader.rows("SELECT started_at, ended_at FROM pauses WHERE case_number = :number "
                        "ORDER BY id", number=number)]


_ESCALATION = ("seq", "track", "direction", "from_level", "to_level", "criteria", "reason",
               "reason_words", "handoff", "override_reason", "overridden_items", "requested_by",
               "requested_at", "respond_within_minutes", "response_due_at",
               "acknowledged_by", "acknowledged_at", "acknowledged_on_behalf_of")
_ESCALATION_TYPES = _converted("requested_at response_due_at acknowledged_at",
                               "criteria reason_words handoff overridden_items")
_ESCALATIONS_SQL = (f"SELECT {', '.join(_ESCALATION)} FROM escalations "
                    "WHERE case_number = :number ORDER BY seq")


def escalations(reader: Reader, number: int) -> list[Record]:
    return [_record(Record, _ESCALATION, row, _ESCALATION_TYPES)
            for row in reader.rows(_ESCALATIONS_SQL, number=number)]


_CONTACT = ("id", "account_id", "name", "address_as", "title", "email", "language", "level",
            "created_at", "removed_at")
_CONTACT_SQL = f"SELECT {', '.join(_CONTACT)} FROM contacts WHERE id = :id"


def contact(reader: Reader, contact_id: int) -> Record | None:
    found = reader.row(_CONTACT_SQL, id=contact_id)
    return None if found is None else _record(Record, _CONTACT, found,
                                              _converted("created_at removed_at"))


_ENTRY = ("at", "actor", "kind", "summary", "reason", "data", "words", "reason_words")
_LATEST_SQL = (f"SELECT {', '.join(_ENTRY)} FROM timeline "
               "WHERE case_number = :number ORDER BY id DESC LIMIT :limit")


def latest_entries(reader: Reader, number: int, limit: int) -> list[Record]:
    """The case's last `limit` timeline entries, oldest first."""
    rows = reader.rows(_LATEST_SQL, number=number, limit=limit)
    return [_record(Record, _ENTRY, row, _converted("at", "data words reason_words"))
            for row in reversed(rows)]


def policy_document(reader: Reader, policy_id: str) -> dict[str, Any]:
    found = reader.value("SELECT document FROM policies WHERE id = :id", id=policy_id)
    if found is None:
        raise LookupError(f"no policy {policy_id}")
    return dict(document(found))


# The knowledge base: entries like a case (services.knowledge_base.similar_to) -----------

_KB = ("kind", "case_number", "account_id", "language", "title", "body", "services",
       "regions", "published_at")
_KB_TYPES = _converted("published_at", "services regions")
# bm25's weights of kb_fts's columns (title, body): a word in the title counts more.
TITLE_WEIGHT, BODY_WEIGHT = 2.0, 1.0  # PostgreSQL weighs them as A and B
_SQLITE_SCORE = f"bm25(kb_fts, {TITLE_WEIGHT}, {BODY_WEIGHT})"
_SQLITE_SIMILAR = (
    f"SELECT {', '.join('e.' + name for name in _KB)}, -{_SQLITE_SCORE} "
    "FROM kb_entries e JOIN kb_fts ON kb_fts.rowid = e.id "
    "WHERE kb_fts MATCH :match AND e.case_number != :number "
    f"ORDER BY {_SQLITE_SCORE}, e.published_at DESC, e.id DESC LIMIT :limit")


def _query_in(configuration: str) -> str:
    return f"websearch_to_tsquery({configuration}, :q)"


_RUSSIAN, _ENGLISH = "CAST('russian' AS regconfig)", "CAST('english' AS regconfig)"
_OWN = f"CASE WHEN language = :ru THEN {_RUSSIAN} ELSE {_ENGLISH} END"
_POSTGRES_SCORE = f"ts_rank(document, {_query_in(_OWN)})"
_POSTGRES_SIMILAR = (
    f"SELECT {', '.join(_KB)}, {_POSTGRES_SCORE} FROM kb_entries "
    f"WHERE ((language = :ru AND document @@ {_query_in(_RUSSIAN)}) "
    f"OR (language != :ru AND document @@ {_query_in(_ENGLISH)})) "
    "AND case_number != :number "
    f"ORDER BY {_POSTGRES_SCORE} DESC, published_at DESC, id DESC LIMIT :limit")


def kb_matches(reader: Reader, query: str, *, other_than: int, limit: int,
               russian: str) -> list[tuple[Record, float]]:
    """The knowledge base's entries of cases other than `other_than` that match `query`
    (SQLite: an FTS5 MATCH expression; PostgreSQL: a websearch query), best first, each
    with its score (higher is better). `russian` is the language code searched with the
    Russian configuration on PostgreSQL."""
    if reader.dialect == "postgresql":
        rows = reader.rows(_POSTGRES_SIMILAR, q=query, ru=russian, number=other_than,
                           limit=limit)
    else:
        rows = reader.rows(_SQLITE_SIMILAR, match=query, number=other_than, limit=limit)
    return [(_record(Record, _KB, row[:-1], _KB_TYPES), float(row[-1])) for row in rows]


def account_exists(reader: Reader, account_id: str) -> bool:
    return reader.row("SELECT 1 FROM accounts WHERE id = :id", id=account_id) is not None


# The board (services.case_board): a page of cases' listed columns --------------------------

BOARD_COLUMNS = ("number", "account_id", "title", "severity", "status", "tier", "exec_level",
                 "opened_at", "revenue_impact_usd", "sla_due_at", "updated_at")
# The filters a page may name, each compared with a parameter of its name.
_EQUAL = {"account": "account_id", "tier": "tier", "severity": "severity",
          "level": "exec_level"}
_IN = {"owner": "SELECT case_number FROM escalations WHERE acknowledged_by = :owner",
       "vendor": "SELECT case_number FROM vendor_cases WHERE vendor = :vendor"}


@lru_cache(maxsize=512)
def board_sql(order: str, status: str | None, named: tuple[str, ...], after: bool,
              ended: tuple[str, ...]) -> str:
    """A page's statement for its shape: `order` (number, updated, due: the cases with a
    clock running, none due: those without), the status asked for (open, closed, None),
    the filters named and whether it continues after a cursor's key (`:after_number`,
    `:after_time`). Each order reads a range of an index made for it (migration 0012)."""
    where: list[str] = []
    if status is not None:
        listed = ", ".join(f"'{value}'" for value in ended)
        where.append(f"status {'NOT IN' if status == 'open' else 'IN'} ({listed})")
    where += [f"{_EQUAL[name]} = :{name}" for name in named if name in _EQUAL]
    where += [f"number IN ({_IN[name]})" for name in named if name in _IN]
    if order == "updated":
        if after:
            where.append("(updated_at, number) < (:after_time, :after_number)")
        ordering = "updated_at DESC, number DESC"
    elif order == "due":
        where.append("sla_due_at IS NOT NULL")
        if after:
            where.append("(sla_due_at, number) > (:after_time, :after_number)")
        ordering = "sla_due_at, number"
    else:  # "number", or "none due": the cases without a clock running, by number
        if order == "none due":
            where.append("sla_due_at IS NULL")
        if after:
            where.append("number > :after_number")
        ordering = "number"
    return (f"SELECT {', '.join(BOARD_COLUMNS)} FROM cases"
            + (f" WHERE {' AND '.join(where)}" if where else "")
            + f" ORDER BY {ordering} LIMIT :limit")


def board_rows(reader: Reader, sql: str, values: dict[str, Any]) -> list[tuple[Any, ...]]:
    """A page's rows, each its BOARD_COLUMNS typed as the ORM's."""
    return [(number, account, title, severity, status, tier, level, utc(opened),
             cents(revenue), utc(due), utc(updated))
            for number, account, title, severity, status, tier, level, opened, revenue, due,
            updated in reader.rows(sql, **values)]


_INCIDENT_LINK = ("id", "title", "service", "region", "status", "accounts",
                  "resolution_proposed_at")


def incident_links(reader: Reader, number: int) -> list[Record]:
    """The platform incidents a case is linked to, newest first."""
    return [_record(Record, _INCIDENT_LINK, row, _converted("resolution_proposed_at"))
            for row in reader.rows(
                "SELECT i.id, i.title, i.service, i.region, i.status, i.accounts, "
                "l.resolution_proposed_at FROM incident_cases l "
                "JOIN incidents i ON i.id = l.incident_id WHERE l.case_number = :number "
                "ORDER BY i.id DESC", number=number)]
