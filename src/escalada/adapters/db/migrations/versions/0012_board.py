"""The case board: each case's next SLA due time (`cases.sla_due_at`, worked out for the
open cases already there) and indexes for the board's orders and filters.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from escalada.adapters.db.types import UtcDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_ENDED = ("resolved", "closed")
_CHUNK = 500

_cases = sa.table(
    "cases", sa.column("number", sa.Integer()), sa.column("account_id", sa.String()),
    sa.column("severity", sa.String()), sa.column("status", sa.String()),
    sa.column("tier", sa.String()), sa.column("exec_level", sa.String()),
    sa.column("opened_at", UtcDateTime()), sa.column("first_response_at", UtcDateTime()),
    sa.column("last_customer_update_at", UtcDateTime()), sa.column("policy_id", sa.String()),
    sa.column("sla_due_at", UtcDateTime()))
_accounts = sa.table(
    "accounts", sa.column("id", sa.String()), sa.column("name", sa.String()),
    sa.column("tier", sa.String()), sa.column("support_plan", sa.String()),
    sa.column("timezone", sa.String()), sa.column("country", sa.String()),
    sa.column("calendar_name", sa.String()))
_calendars = sa.table("calendars", sa.column("name", sa.String()), sa.column("spec", sa.JSON()))
_policies = sa.table("policies", sa.column("id", sa.String()), sa.column("document", sa.JSON()))
_pauses = sa.table(
    "pauses", sa.column("case_number", sa.Integer()), sa.column("started_at", UtcDateTime()),
    sa.column("ended_at", UtcDateTime()))


def upgrade() -> None:
    op.add_column("cases", sa.Column("sla_due_at", UtcDateTime(), nullable=True))
    op.create_index("ix_cases_sla_due", "cases", ["sla_due_at", "number"])
    op.create_index("ix_cases_updated", "cases", ["updated_at", "number"])
    op.create_index("ix_escalations_acknowledged_by", "escalations",
                    ["acknowledged_by", "case_number"])
    op.create_index("ix_vendor_cases_vendor", "vendor_cases", ["vendor", "case_number"])
    _backfill(op.get_bind(), datetime.now(UTC))


def downgrade() -> None:
    op.drop_index("ix_vendor_cases_vendor", "vendor_cases")
    op.drop_index("ix_escalations_acknowledged_by", "escalations")
    op.drop_index("ix_cases_updated", "cases")
    op.drop_index("ix_cases_sla_due", "cases")
    op.execute("ALTER TABLE cases DROP COLUMN sla_due_at")


def _backfill(connection: sa.Connection, now: datetime) -> None:
    """Each open case's next SLA due time, as timer planning would set it now: from the
    columns this revision knows (not the ORM's tables, which may have moved on)."""
    from escalada.adapters.policy_file import complete, current_policy
    from escalada.domain.policy import Policy
    from escalada.domain.sla import next_due

    policies: dict[str | None, Policy] = {}
    for chunk in _open_cases(connection):
        accounts = _account_snapshots(connection, {row.account_id for row in chunk})
        pauses = _pauses_of(connection, [row.number for row in chunk])
        for row in chunk:
            if row.policy_id not in policies:
                document = None if row.policy_id is None else connection.scalar(
                    sa.select(_policies.c.document).where(_policies.c.id == row.policy_id))
                policies[row.policy_id] = (current_policy() if document is None
                                           else Policy.model_validate(complete(document)))
            due = next_due(_snapshot(row, accounts[row.account_id], pauses[row.number]),
                           policies[row.policy_id], now)
            if due is not None:
                connection.execute(sa.update(_cases).where(_cases.c.number == row.number)
                                   .values(sla_due_at=due))


def _open_cases(connection: sa.Connection) -> Iterator[list[Any]]:
    after = 0
    while True:
        chunk = list(connection.execute(
            sa.select(_cases).where(_cases.c.status.not_in(_ENDED), _cases.c.number > after)
            .order_by(_cases.c.number).limit(_CHUNK)))
        if not chunk:
            return
        yield chunk
        after = chunk[-1].number


def _account_snapshots(connection: sa.Connection, ids: set[str]) -> dict[str, Any]:
    from escalada.domain.snapshot import AccountSnapshot

    rows = connection.execute(
        sa.select(_accounts, _calendars.c.spec)
        .outerjoin(_calendars, _calendars.c.name == _accounts.c.calendar_name)
        .where(_accounts.c.id.in_(ids)))
    return {row.id: AccountSnapshot.model_validate({
        "id": row.id, "name": row.name, "tier": row.tier, "support_plan": row.support_plan,
        "timezone": row.timezone, "country": row.country, "calendar": row.spec})
        for row in rows}


def _pauses_of(connection: sa.Connection, numbers: list[int]) -> dict[int, list[Any]]:
    found: dict[int, list[Any]] = defaultdict(list)
    for row in connection.execute(sa.select(_pauses).where(_pauses.c.case_number.in_(numbers))
                                  .order_by(_pauses.c.case_number, _pauses.c.started_at)):
        found[row.case_number].append({"from": row.started_at, "to": row.ended_at})
    return found


def _snapshot(row: Any, account: Any, pauses: list[Any]) -> Any:
    from escalada.domain.snapshot import CaseSnapshot

    return CaseSnapshot.model_validate({
        "id": f"CASE-{row.number}", "account": account, "severity": row.severity,
        "status": row.status, "tier": row.tier, "exec_level": row.exec_level,
        "opened_at": row.opened_at, "first_response_at": row.first_response_at,
        "last_customer_update_at": row.last_customer_update_at, "paused": pauses})
