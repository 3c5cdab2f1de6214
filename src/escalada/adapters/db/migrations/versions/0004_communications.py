"""Communications: messages in on a case, drafted messages, and the outbox.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from escalada.adapters.db.types import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _case() -> sa.Column[int]:
    return sa.Column("case_number", sa.Integer(), sa.ForeignKey("cases.number"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "case_messages",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _case(),
        sa.Column("sender", sa.String(20), nullable=False),
        sa.Column("author", sa.String(200), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(5), nullable=True),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
    )
    op.create_index("ix_case_messages_case_number", "case_messages", ["case_number"])
    op.create_table(
        "communications",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _case(),
        sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("audience", sa.String(10), nullable=False),
        sa.Column("language", sa.String(5), nullable=False),
        sa.Column("language_reason", sa.Text(), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("template", sa.String(500), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("missing", sa.JSON(), nullable=False),
        sa.Column("update_number", sa.Integer(), nullable=True),
        sa.Column("update_status", sa.String(20), nullable=True),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_communications_case_number", "communications", ["case_number"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  primary_key=True, autoincrement=True),
        sa.Column("communication_id", sa.Integer(), sa.ForeignKey("communications.id"),
                  nullable=False),
        _case(),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("recipient", sa.Text(), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False, unique=True),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("available_at", UtcDateTime(), nullable=False),
        sa.Column("lease_owner", sa.String(100), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("reference", sa.String(300), nullable=True),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("delivered_at", UtcDateTime(), nullable=True),
        sa.Column("dead_at", UtcDateTime(), nullable=True),
    )
    op.create_index("ix_outbox_communication_id", "outbox", ["communication_id"])
    op.create_index("ix_outbox_case_number", "outbox", ["case_number"])
    op.create_index("ix_outbox_claim", "outbox", ["available_at"],
                    sqlite_where=sa.text("state = 'pending'"),
                    postgresql_where=sa.text("state = 'pending'"))


def downgrade() -> None:
    op.drop_table("outbox")
    op.drop_table("communications")
    op.drop_table("case_messages")
