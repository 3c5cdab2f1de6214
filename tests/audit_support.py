"""What the audit suites share: a few interleaved cases, reading the timeline back, and
what an attacker with the database's keys does (lift the append-only triggers, rewrite,
recompute the hashes as anyone can, put the triggers back)."""

from __future__ import annotations

import base64
from typing import Any

from examples import ADMIN, ANA, T2_HANDOFF
from sqlalchemy import Connection, select, text, update

from escalada.adapters.db.tables import TimelineRow
from escalada.bootstrap import wire
from escalada.domain.audit import GENESIS, AuditKey, Keyring, entry_hash
from escalada.services import cases
from escalada.services.accounts import add_account
from escalada.services.context import Context
from escalada.services.escalations import escalate
from escalada.testing import FakeClock

SQLITE_GUARDS = {
    action: f"CREATE TRIGGER timeline_no_{action} BEFORE {action.upper()} ON timeline "
            "BEGIN SELECT RAISE(ABORT, 'the timeline is append-only'); END"
    for action in ("update", "delete")
}


def key(key_id: str) -> AuditKey:
    """A 32-byte audit key, the same for the same id."""
    return AuditKey(key_id, key_id.encode().ljust(32, b"."))


def keys_setting(*key_ids: str) -> str:
    """ESCALADA_AUDIT_KEYS for these keys, the first active."""
    return ",".join(f"{k}:{base64.b64encode(key(k).secret).decode()}" for k in key_ids)


def keyed(ctx: Context, *key_ids: str) -> Context:
    """The same database and clock, with these audit keys (the first keys new entries)."""
    keyring = Keyring(tuple(key(k) for k in key_ids))
    return wire(lambda: ctx.engine, ctx.policy, ctx.clock, audit_keys=lambda: keyring)


def three_cases(ctx: Context, clock: FakeClock) -> None:
    """CASE-1 with six entries, CASE-2 and CASE-3 with a few, their entries interleaved."""
    add_account(ctx=ctx, actor=ADMIN, id="acme", name="Acme Corp", tier="enterprise",
                support_plan="enterprise")
    for title in ("Volumes detach", "Login slow", "Billing export late"):
        cases.open_case(ctx=ctx, actor=ANA, account="acme", severity="P2", title=title)
        clock.advance(minutes=1)
    steps = [
        lambda: cases.respond(ctx=ctx, actor=ANA, case_id="CASE-1", note="looking"),
        lambda: cases.respond(ctx=ctx, actor=ANA, case_id="CASE-2"),
        lambda: cases.set_flags(ctx=ctx, actor=ANA, case_id="CASE-1", on=True,
                                flags=["customer_requested_escalation"], reason="CTO asked"),
        lambda: escalate(ctx=ctx, actor=ANA, case_id="CASE-1", to="T2", handoff=T2_HANDOFF),
        lambda: cases.update_case(ctx=ctx, actor=ANA, case_id="CASE-3", severity="P1"),
        lambda: cases.respond(ctx=ctx, actor=ANA, case_id="CASE-1", note="Обновление: ждём"),
        lambda: cases.pause(ctx=ctx, actor=ANA, case_id="CASE-1"),
    ]
    for step in steps:
        step()
        clock.advance(minutes=3)


def entries_of(ctx: Context, case_number: int) -> list[Any]:
    with ctx.engine.connect() as connection:
        return list(connection.execute(
            select(TimelineRow.id, TimelineRow.kind, TimelineRow.at, TimelineRow.key_id)
            .where(TimelineRow.case_number == case_number).order_by(TimelineRow.id)))


def count_entries(ctx: Context) -> int:
    with ctx.engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM timeline")).scalar_one())


def _postgres(ctx: Context) -> bool:
    return ctx.engine.dialect.name == "postgresql"


def tamper(ctx: Context, *statements: str, recompute: int | None = None,
           unkey: bool = False, **params: Any) -> None:
    """What only someone with the database's keys can do: lift the append-only triggers,
    rewrite the timeline, (with `recompute`, a case number) hash that case's chain again
    the way anyone can, plain SHA-256 from the genesis hash, and put the triggers back.
    `unkey` also clears the entries' key ids, so that the chain reads as written
    without a key."""
    with ctx.engine.begin() as connection:
        if _postgres(ctx):
            connection.execute(text("ALTER TABLE timeline DISABLE TRIGGER timeline_append_only"))
        else:
            for action in SQLITE_GUARDS:
                connection.execute(text(f"DROP TRIGGER timeline_no_{action}"))
        for statement in statements:
            connection.execute(text(statement), params)
        if recompute is not None:
            _recompute_plain_chain(connection, recompute, unkey=unkey)
        if _postgres(ctx):
            connection.execute(text("ALTER TABLE timeline ENABLE TRIGGER timeline_append_only"))
        else:
            for guard in SQLITE_GUARDS.values():
                connection.execute(text(guard))


def _recompute_plain_chain(connection: Connection, case_number: int, *, unkey: bool) -> None:
    rows = connection.execute(select(TimelineRow).where(TimelineRow.case_number == case_number)
                              .order_by(TimelineRow.id)).all()
    previous = GENESIS
    for row in rows:
        digest = entry_hash(previous, case=row.case_number, at=row.at, actor=row.actor,
                            kind=row.kind, summary=row.summary, reason=row.reason,
                            data=row.data)
        values: dict[str, Any] = {"prev_hash": previous, "hash": digest}
        if unkey:
            values["key_id"] = None
        connection.execute(update(TimelineRow).where(TimelineRow.id == row.id).values(values))
        previous = digest
