"""Platform incidents (outage storms): incidents, the cases linked to them and the
updates fanned out to their customers; cases indexed by opening time for the storm rule.

Revision ID: 0024
Revises: 0023
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("service", sa.String(200), nullable=False),
        sa.Column("region", sa.String(200), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("open_key", sa.String(401), nullable=True, unique=True),
        sa.Column("accounts", sa.Integer(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("opened_by", sa.String(100), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_by", sa.String(100), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
    )
    op.create_index("ix_incidents_status", "incidents", ["status"])
    op.create_table(
        "incident_cases",
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id"),
                  primary_key=True),
        sa.Column("case_number", sa.Integer(), sa.ForeignKey("cases.number"),
                  primary_key=True),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("linked_by", sa.String(100), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolution_proposed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_incident_cases_case_number", "incident_cases", ["case_number"])
    op.create_table(
        "incident_updates",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("fan_out", sa.JSON(), nullable=False),
        sa.Column("posted_by", sa.String(100), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_incident_updates_incident_id", "incident_updates", ["incident_id"])
    op.create_index("ix_cases_opened_at", "cases", ["opened_at"])


def downgrade() -> None:
    op.drop_index("ix_cases_opened_at", table_name="cases")
    op.drop_index("ix_incident_updates_incident_id", table_name="incident_updates")
    op.drop_table("incident_updates")
    op.drop_index("ix_incident_cases_case_number", table_name="incident_cases")
    op.drop_table("incident_cases")
    op.drop_index("ix_incidents_status", table_name="incidents")
    op.drop_table("incidents")
