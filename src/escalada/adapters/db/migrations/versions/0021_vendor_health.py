"""Vendor service health: when each vendor's feed is next polled (a leased queue, as
timers), the vendors' events as last seen, and the events linked to the cases they
bear on.

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vendor_health_polls",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("vendor", sa.String(10), nullable=False, unique=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("holder", sa.String(100), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("polled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
    )
    op.create_index("ix_vendor_health_polls_due_at", "vendor_health_polls", ["due_at"])
    op.create_table(
        "vendor_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("vendor", sa.String(10), nullable=False),
        sa.Column("event_id", sa.String(500), nullable=False),
        sa.Column("service", sa.String(200), nullable=False),
        sa.Column("region", sa.String(100), nullable=True),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("description", sa.Text(), nullable=False, server_default=""),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("vendor", "event_id"),
    )
    op.create_index("ix_vendor_events_status", "vendor_events", ["status"])
    op.create_table(
        "case_vendor_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("case_number", sa.Integer(), sa.ForeignKey("cases.number"), nullable=False),
        sa.Column("vendor_event_id", sa.Integer(), sa.ForeignKey("vendor_events.id"),
                  nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("case_number", "vendor_event_id"),
    )
    op.create_index("ix_case_vendor_events_case_number", "case_vendor_events", ["case_number"])
    op.create_index("ix_case_vendor_events_vendor_event_id", "case_vendor_events",
                    ["vendor_event_id"])


def downgrade() -> None:
    op.drop_index("ix_case_vendor_events_vendor_event_id", table_name="case_vendor_events")
    op.drop_index("ix_case_vendor_events_case_number", table_name="case_vendor_events")
    op.drop_table("case_vendor_events")
    op.drop_index("ix_vendor_events_status", table_name="vendor_events")
    op.drop_table("vendor_events")
    op.drop_index("ix_vendor_health_polls_due_at", table_name="vendor_health_polls")
    op.drop_table("vendor_health_polls")
