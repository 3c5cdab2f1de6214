"""Foundation: accounts, cases, pauses, escalations and the append-only timeline.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from escalada.adapters.db.types import Cents, UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("tier", sa.String(20), nullable=False),
        sa.Column("support_plan", sa.String(20), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("country", sa.String(2), nullable=True),
        sa.Column("language", sa.String(5), nullable=False),
        sa.Column("health_score", sa.Float(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "cases",
        sa.Column("number", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("account_id", sa.String(64), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("severity", sa.String(2), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("tier", sa.String(10), nullable=False),
        sa.Column("exec_level", sa.String(2), nullable=True),
        sa.Column("opened_at", UtcDateTime(), nullable=False),
        sa.Column("first_response_at", UtcDateTime(), nullable=True),
        sa.Column("last_customer_update_at", UtcDateTime(), nullable=True),
        sa.Column("resolved_at", UtcDateTime(), nullable=True),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("csat", sa.Float(), nullable=True),
        sa.Column("revenue_impact_usd", Cents(), nullable=False),
        sa.Column("business_impact_usd", Cents(), nullable=False),
        sa.Column("escalating_contact_level", sa.String(10), nullable=False),
        sa.Column("policy_version", sa.String(50), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_cases_account_id", "cases", ["account_id"])
    op.create_index("ix_cases_status", "cases", ["status"])
    op.create_index("ix_cases_account_opened", "cases", ["account_id", "opened_at"])
    op.create_table(
        "pauses",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("case_number", sa.Integer(), sa.ForeignKey("cases.number"), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=False),
        sa.Column("ended_at", UtcDateTime(), nullable=True),
    )
    op.create_index("ix_pauses_case_number", "pauses", ["case_number"])
    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("case_number", sa.Integer(), sa.ForeignKey("cases.number"), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("track", sa.String(10), nullable=False),
        sa.Column("direction", sa.String(4), nullable=False),
        sa.Column("from_level", sa.String(10), nullable=True),
        sa.Column("to_level", sa.String(10), nullable=True),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("handoff", sa.JSON(), nullable=False),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("overridden_items", sa.JSON(), nullable=False),
        sa.Column("requested_by", sa.String(100), nullable=False),
        sa.Column("requested_at", UtcDateTime(), nullable=False),
        sa.Column("respond_within_minutes", sa.Integer(), nullable=True),
        sa.Column("response_due_at", UtcDateTime(), nullable=True),
        sa.Column("acknowledged_by", sa.String(100), nullable=True),
        sa.Column("acknowledged_at", UtcDateTime(), nullable=True),
        sa.UniqueConstraint("case_number", "seq"),
    )
    op.create_index("ix_escalations_case_number", "escalations", ["case_number"])
    op.create_table(
        "timeline",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("case_number", sa.Integer(), sa.ForeignKey("cases.number"), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_index("ix_timeline_case_number", "timeline", ["case_number"])
    _make_timeline_append_only()


def _make_timeline_append_only() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION timeline_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'the timeline is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER timeline_append_only BEFORE UPDATE OR DELETE ON timeline "
            "FOR EACH ROW EXECUTE FUNCTION timeline_append_only()"
        )
        return
    for action in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER timeline_no_{action.lower()} BEFORE {action} ON timeline "
            "BEGIN SELECT RAISE(ABORT, 'the timeline is append-only'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER timeline_append_only ON timeline")
        op.execute("DROP FUNCTION timeline_append_only()")
    for table in ("timeline", "escalations", "pauses", "cases", "accounts"):
        op.drop_table(table)
