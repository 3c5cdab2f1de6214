"""Help desks' inbound webhooks: the deliveries received (keyed by the sender's event id,
failed ones kept for replay) and the tickets each case was opened from.

Revision ID: 0023
Revises: 0022
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from escalada.adapters.db.types import UtcDateTime

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hook_deliveries",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("event_id", sa.String(200), nullable=True),
        sa.Column("event_type", sa.String(200), nullable=True),
        sa.Column("ticket_id", sa.String(200), nullable=True),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("case_number", sa.Integer(), sa.ForeignKey("cases.number"), nullable=True),
        sa.Column("occurred_at", UtcDateTime(), nullable=True),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("replayed_by", sa.String(100), nullable=True),
        sa.UniqueConstraint("source", "event_id", name="uq_hook_deliveries_source_event_id"),
    )
    op.create_index("ix_hook_deliveries_state", "hook_deliveries", ["state"])
    op.create_table(
        "helpdesk_tickets",
        sa.Column("source", sa.String(20), primary_key=True),
        sa.Column("ticket_id", sa.String(200), primary_key=True),
        sa.Column("case_number", sa.Integer(), sa.ForeignKey("cases.number"), nullable=False),
        sa.Column("changed_at", UtcDateTime(), nullable=False),
        sa.Column("written_back", sa.String(40), nullable=True),
    )
    op.create_index("ix_helpdesk_tickets_case_number", "helpdesk_tickets", ["case_number"])


def downgrade() -> None:
    op.drop_index("ix_helpdesk_tickets_case_number", table_name="helpdesk_tickets")
    op.drop_table("helpdesk_tickets")
    op.drop_index("ix_hook_deliveries_state", table_name="hook_deliveries")
    op.drop_table("hook_deliveries")
