"""The agent call log: every MCP tool call and resource read an AI agent makes, as the
user whose token it holds, which tool, the identifiers among its arguments and whether
it was answered or refused. Reads leave no trace on a case's timeline, so they are
recorded here; writes are on the timeline too (under the same user). The entries form
one hash chain (domain.audit, keyed like the timeline's when an audit key is set) and
the database refuses to update or delete them. Admins read the log.

A tool that may write is logged twice, each entry in its own transaction: `started`
before the call runs (when that entry cannot be written, the call does not run), then its
outcome, naming the started entry (`started` among its arguments). So a write stands
logged even when the outcome's entry then fails: its started entry remains, with no
outcome naming it. One transaction for the write and its entry would need every service
function to take the log's session; two appends keep the one chain, each under the
same lock as any other entry."""

from __future__ import annotations

import hmac
from collections.abc import Iterator, Mapping
from typing import Any, Literal

from pydantic import AwareDatetime, Field
from sqlalchemy import select, text

from escalada.adapters.db.tables import AgentCallRow
from escalada.domain.audit import GENESIS, Entry, canonical_data, entry_hash, walk_chain
from escalada.domain.words import Translator
from escalada.services.authz import require_admin
from escalada.services.context import Actor, Context
from escalada.services.paging import Order, Page, PageQuery, sql_page, validated
from escalada.services.views import View, text_in

Outcome = Literal["started", "answered", "refused", "failed"]
# Arguments recorded as given: what the call was about, never free text (notes, reasons,
# handoff packages, drafts' parts) that may carry a customer's data or a secret.
IDENTIFIERS = frozenset({
    "case_id", "credit_id", "incident_id", "step", "to", "kind", "lang", "status", "sort",
    "account", "limit", "cursor", "on_behalf_of", "vendor", "service", "region", "plan",
    "category", "severity", "dry_run", "from_breach", "at", "expected_version", "uri",
})
# Of a document argument (a handoff package, a draft's fields, a snapshot) only its keys.
_MAX_TEXT = 200
# The chain of agent calls is hashed as the timeline's are, as if of "case 0".
_CHAIN = 0
_ORDER = Order("agent_calls", (AgentCallRow.id,), ("int",))


def identifiers(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """What of a call's arguments is recorded: the identifiers as given (long text cut),
    and of each document argument the names of its parts."""
    kept: dict[str, Any] = {}
    for name, value in arguments.items():
        if value is None:
            continue
        if isinstance(value, Mapping):
            kept[name] = {"keys": sorted(str(key) for key in value)}
        elif name in IDENTIFIERS:
            kept[name] = value if isinstance(value, bool | int) else str(value)[:_MAX_TEXT]
    return kept


def record_call(
    *, ctx: Context, actor: Actor, tool: str, kind: Literal["tool", "resource"],
    arguments: Mapping[str, Any], outcome: Outcome, reason: str | None = None,
    started: int | None = None,
) -> int:
    """Append the call to the log, in its own transaction, chained to the entry before;
    the entry's id. `started`: the id of the call's started entry, which this outcome
    ends."""
    data = identifiers(arguments)
    if started is not None:
        data["started"] = started
    data = canonical_data(data)
    with ctx.unit_of_work() as uow:
        session = uow.session
        if session.get_bind().dialect.name == "postgresql":
            # One chain: appenders take turns (readers are not held up).
            session.execute(_lock())
        prev = session.scalar(select(AgentCallRow.hash).order_by(AgentCallRow.id.desc())
                              .limit(1)) or GENESIS
        at = ctx.clock()
        key = ctx.keyring.active
        digest = entry_hash(prev, case=_CHAIN, at=at, actor=actor.name, kind=f"{kind}:{tool}",
                            summary=outcome, reason=reason, data=data,
                            key=None if key is None else key.secret)
        row = AgentCallRow(at=at, actor=actor.name, tool=tool, kind=kind, outcome=outcome,
                           reason=reason, arguments=data, prev_hash=prev, hash=digest,
                           key_id=None if key is None else key.id)
        session.add(row)
        session.flush()
        call_id = row.id
        uow.commit()
    return call_id


def _lock() -> Any:
    return text("LOCK TABLE agent_calls IN SHARE ROW EXCLUSIVE MODE")


class AgentCallView(View):
    id: int
    at: AwareDatetime
    actor: str  # the user whose token the agent holds
    tool: str
    kind: str  # tool | resource
    outcome: str  # answered | refused | failed
    reason: str | None = None
    arguments: dict[str, Any]
    # Whether the entry's content still matches its hash (with the audit keys given).
    intact: bool


class AgentCallsQuery(PageQuery):
    user: str | None = Field(default=None, min_length=1, max_length=100,
                             description="only calls made with this user's token")
    tool: str | None = Field(default=None, min_length=1, max_length=100,
                             description="only calls of this tool (or resource URI)")
    outcome: Outcome | None = None
    since: AwareDatetime | None = Field(default=None, description=(
        "only calls at or after this time (ISO 8601 with offset)"))


def agent_call_page(*, ctx: Context, actor: Actor, **query: Any) -> Page[AgentCallView]:
    """A page of the agent call log, oldest first (admins), filtered by `user`, `tool`,
    `outcome` and `since`; each entry says whether its link in the chain holds."""
    require_admin(actor, "reading the agent call log")
    wanted = validated(AgentCallsQuery, query)
    rows = select(AgentCallRow)
    if wanted.user is not None:
        rows = rows.where(AgentCallRow.actor == wanted.user)
    if wanted.tool is not None:
        rows = rows.where(AgentCallRow.tool == wanted.tool)
    if wanted.outcome is not None:
        rows = rows.where(AgentCallRow.outcome == wanted.outcome)
    if wanted.since is not None:
        rows = rows.where(AgentCallRow.at >= wanted.since)
    with ctx.reading() as uow:
        return sql_page(uow.session, rows, _ORDER, wanted, lambda row: _view(ctx, row),
                        lambda row: [row.id])


def _view(ctx: Context, row: AgentCallRow) -> AgentCallView:
    return AgentCallView(id=row.id, at=row.at, actor=row.actor, tool=row.tool,
                         kind=row.kind, outcome=row.outcome, reason=row.reason,
                         arguments=row.arguments, intact=_holds(ctx, row))


def _holds(ctx: Context, row: AgentCallRow) -> bool:
    """Whether the entry's content still matches its hash (keyed with the audit key it
    names, when this process has it)."""
    key = None
    if row.key_id is not None:
        key = ctx.keyring.secret(row.key_id)
        if key is None:
            return False
    expected = entry_hash(row.prev_hash, case=_CHAIN, at=row.at, actor=row.actor,
                          kind=f"{row.kind}:{row.tool}", summary=row.outcome,
                          reason=row.reason, data=row.arguments, key=key)
    return hmac.compare_digest(expected, row.hash)


class AgentChainView(View):
    """The verdict on the agent call log's chain: intact, or its first broken entry."""

    at: AwareDatetime
    intact: bool
    entries_checked: int
    broken_entry: int | None = None  # the id of the first entry whose link does not hold
    reason: str | None = None
    keys: list[str] = Field(default_factory=list)  # the audit keys given
    unkeyed_entries: int = 0  # hashed without a key: anyone with database access can redo
    # The reason's words (not part of the API's shape), for readers of other languages.
    reason_words: dict[str, Any] | None = Field(default=None, exclude=True)

    def reason_in(self, language: Translator) -> str | None:
        return text_in(self.reason, self.reason_words, language)

    def told_in(self, language: Translator) -> AgentChainView:
        return self.model_copy(update={"reason": self.reason_in(language)})


def verify_calls(*, ctx: Context) -> AgentChainView:
    """Walk the agent call log's hash chain in order (keyed hashes checked with the audit
    keys given) and report the first entry altered, removed, inserted or reordered."""
    now = ctx.clock()
    with ctx.reading() as uow:
        rows = uow.session.scalars(select(AgentCallRow).order_by(AgentCallRow.id)
                                   .execution_options(yield_per=1000))

        def entries() -> Iterator[Entry]:
            for row in rows:
                yield Entry(id=row.id, case=_CHAIN, at=row.at, actor=row.actor,
                            kind=f"{row.kind}:{row.tool}", summary=row.outcome,
                            reason=row.reason, data=row.arguments, prev_hash=row.prev_hash,
                            hash=row.hash, key_id=row.key_id)

        walk = walk_chain(entries(), ctx.keyring)
    broken = walk.broken
    return AgentChainView(at=now, intact=broken is None,
                          entries_checked=walk.entries + (broken is not None),
                          broken_entry=None if broken is None else broken.entry,
                          reason=None if broken is None else broken.reason,
                          reason_words=None if broken is None else broken.told().as_json(),
                          keys=ctx.keyring.ids, unkeyed_entries=walk.unkeyed)
