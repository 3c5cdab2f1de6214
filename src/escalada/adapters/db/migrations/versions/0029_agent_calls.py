"""The agent call log: every MCP tool call and resource read, with the token's user,
the tool, its arguments' identifiers and whether it was refused, on one hash chain;
append-only (a trigger refuses UPDATE and DELETE).

Revision ID: 0029
Revises: 0028
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from escalada.adapters.db.types import UtcDateTime

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agent_calls",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("tool", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("arguments", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("key_id", sa.String(40), nullable=True),
    )
    op.create_index("ix_agent_calls_actor", "agent_calls", ["actor"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION agent_calls_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'the agent call log is append-only'; END $$")
        op.execute(
            "CREATE TRIGGER agent_calls_append_only BEFORE UPDATE OR DELETE ON agent_calls "
            "FOR EACH ROW EXECUTE FUNCTION agent_calls_append_only()")
        return
    for action in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER agent_calls_no_{action.lower()} BEFORE {action} ON agent_calls "
            "BEGIN SELECT RAISE(ABORT, 'the agent call log is append-only'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER agent_calls_append_only ON agent_calls")
        op.execute("DROP FUNCTION agent_calls_append_only()")
    op.drop_table("agent_calls")
