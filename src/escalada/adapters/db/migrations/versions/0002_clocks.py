"""Clocks: named business calendars, policies frozen on cases, durable timers.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from escalada.adapters.db.types import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_PENDING = sa.text("state = 'pending'")


def upgrade() -> None:
    op.create_table(
        "calendars",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "policies",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("version", sa.String(50), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    _add_reference("accounts", "calendar_name", "calendars", "name")
    op.create_index("ix_accounts_calendar_name", "accounts", ["calendar_name"])
    _add_reference("cases", "policy_id", "policies", "id")
    op.add_column("cases", sa.Column("timer_generation", sa.Integer(), nullable=False,
                                     server_default="0"))
    op.create_table(
        "timers",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True,
                  autoincrement=True),
        sa.Column("case_number", sa.Integer(), sa.ForeignKey("cases.number"), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=True),
        sa.Column("due_at", UtcDateTime(), nullable=False),
        sa.Column("available_at", UtcDateTime(), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(100), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("fired_at", UtcDateTime(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
    )
    op.create_index("ix_timers_claim", "timers", ["available_at"],
                    sqlite_where=_PENDING, postgresql_where=_PENDING)
    op.create_index("ix_timers_overdue", "timers", ["due_at"],
                    sqlite_where=_PENDING, postgresql_where=_PENDING)
    op.create_index("ix_timers_case_state", "timers", ["case_number", "state"])


def _add_reference(table: str, column: str, target: str, target_column: str) -> None:
    """A nullable column referencing another table, without rebuilding `table`."""
    if op.get_bind().dialect.name == "sqlite":
        # SQLite takes an inline REFERENCES on ADD COLUMN (Alembic would rebuild the
        # table, which breaks on rows that other tables point at).
        op.execute(f"ALTER TABLE {table} ADD COLUMN {column} VARCHAR(64) "
                   f"REFERENCES {target} ({target_column})")
        return
    op.add_column(table, sa.Column(column, sa.String(64), nullable=True))
    op.create_foreign_key(f"fk_{table}_{column}", table, target, [column], [target_column])


def downgrade() -> None:
    op.drop_table("timers")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("fk_cases_policy_id", "cases", type_="foreignkey")
        op.drop_constraint("fk_accounts_calendar_name", "accounts", type_="foreignkey")
    op.drop_index("ix_accounts_calendar_name", "accounts")
    # SQLite (3.35+) drops a column that no index or constraint of its own names.
    for table, column in (("cases", "timer_generation"), ("cases", "policy_id"),
                          ("accounts", "calendar_name")):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    op.drop_table("policies")
    op.drop_table("calendars")
