"""Vendor cases: opened with AWS, Azure or Google Cloud support, and their messages.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from escalada.adapters.db.types import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vendor_cases",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("case_number", sa.Integer(), sa.ForeignKey("cases.number"), nullable=False),
        sa.Column("vendor", sa.String(10), nullable=False),
        sa.Column("plan", sa.String(60), nullable=False),
        sa.Column("vendor_case_id", sa.String(300), nullable=False),
        sa.Column("display_id", sa.String(100), nullable=True),
        sa.Column("severity", sa.String(30), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("status", sa.String(60), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("opened_at", UtcDateTime(), nullable=False),
        sa.Column("opened_by", sa.String(100), nullable=False),
        sa.Column("response_due_at", UtcDateTime(), nullable=True),
        sa.Column("responded_at", UtcDateTime(), nullable=True),
        sa.Column("escalated_at", UtcDateTime(), nullable=True),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.Column("last_synced_at", UtcDateTime(), nullable=True),
        sa.Column("next_sync_at", UtcDateTime(), nullable=True),
        sa.Column("sync_error", sa.Text(), nullable=True),
        sa.UniqueConstraint("vendor", "vendor_case_id"),
    )
    op.create_index("ix_vendor_cases_case_number", "vendor_cases", ["case_number"])
    op.create_index("ix_vendor_cases_sync", "vendor_cases", ["next_sync_at"])
    op.create_table(
        "vendor_messages",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("vendor_case_id", sa.Integer(), sa.ForeignKey("vendor_cases.id"),
                  nullable=False),
        sa.Column("message_id", sa.String(300), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("author", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("from_vendor", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("vendor_case_id", "message_id"),
    )
    op.create_index("ix_vendor_messages_vendor_case_id", "vendor_messages", ["vendor_case_id"])


def downgrade() -> None:
    op.drop_table("vendor_messages")
    op.drop_table("vendor_cases")
