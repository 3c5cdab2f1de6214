"""People and authority: users and API tokens, service credits, war rooms, recovery
plans, and the hash chain of the timeline.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from escalada.adapters.db.types import Cents, UtcDateTime
from escalada.domain.audit import GENESIS, entry_hash

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("role", sa.String(30), nullable=False),
        sa.Column("title", sa.String(100), nullable=True),
        sa.Column("display_name", sa.String(200), nullable=True),
        sa.Column("email", sa.String(200), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("disabled_at", UtcDateTime(), nullable=True),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("user_name", sa.String(100), sa.ForeignKey("users.name"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("label", sa.String(100), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=True),
        sa.Column("revoked_at", UtcDateTime(), nullable=True),
        sa.Column("last_used_at", UtcDateTime(), nullable=True),
    )
    op.create_index("ix_api_tokens_user_name", "api_tokens", ["user_name"])
    op.create_table(
        "credits",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("case_number", sa.Integer(), sa.ForeignKey("cases.number"), nullable=False),
        sa.Column("amount_usd", Cents(), nullable=False),
        sa.Column("basis", sa.String(10), nullable=False),
        sa.Column("computation", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("proposed_by", sa.String(100), nullable=False),
        sa.Column("proposed_at", UtcDateTime(), nullable=False),
        sa.Column("decided_by", sa.String(100), nullable=True),
        sa.Column("decided_at", UtcDateTime(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_credits_case_number", "credits", ["case_number"])
    op.create_table(
        "war_rooms",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("case_number", sa.Integer(), sa.ForeignKey("cases.number"), nullable=False,
                  unique=True),
        sa.Column("opened_at", UtcDateTime(), nullable=False),
        sa.Column("opened_by", sa.String(100), nullable=False),
        sa.Column("trigger", sa.String(60), nullable=False),
        sa.Column("channel", sa.String(100), nullable=False),
        sa.Column("customer_contact", sa.String(100), nullable=True),
        sa.Column("executive", sa.String(100), nullable=True),
        sa.Column("executive_ack_due_at", UtcDateTime(), nullable=False),
        sa.Column("executive_ack_by", sa.String(100), nullable=True),
        sa.Column("executive_ack_at", UtcDateTime(), nullable=True),
        sa.Column("update_every_minutes", sa.Integer(), nullable=False),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
    )
    op.create_table(
        "war_room_attendees",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("war_room_id", sa.Integer(), sa.ForeignKey("war_rooms.id"), nullable=False),
        sa.Column("role", sa.String(60), nullable=False),
        sa.Column("lead", sa.Boolean(), nullable=False),
        sa.Column("user_name", sa.String(100), nullable=True),
    )
    op.create_index("ix_war_room_attendees_war_room_id", "war_room_attendees", ["war_room_id"])
    op.create_table(
        "checklist_items",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("war_room_id", sa.Integer(), sa.ForeignKey("war_rooms.id"), nullable=False),
        sa.Column("checklist", sa.String(20), nullable=False),
        sa.Column("key", sa.String(60), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("due_at", UtcDateTime(), nullable=False),
        sa.Column("done_by", sa.String(100), nullable=True),
        sa.Column("done_at", UtcDateTime(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.UniqueConstraint("war_room_id", "key"),
    )
    op.create_index("ix_checklist_items_war_room_id", "checklist_items", ["war_room_id"])
    op.create_table(
        "recovery_tasks",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("case_number", sa.Integer(), sa.ForeignKey("cases.number"), nullable=False),
        sa.Column("phase", sa.String(20), nullable=False),
        sa.Column("key", sa.String(60), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("due_at", UtcDateTime(), nullable=True),
        sa.Column("owner", sa.String(100), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
    )
    op.create_index("ix_recovery_tasks_case_number", "recovery_tasks", ["case_number"])
    op.add_column("accounts", sa.Column("monthly_fee_usd", Cents(), nullable=True))
    op.add_column("cases", sa.Column("contact_title", sa.String(100), nullable=True))
    op.add_column("timeline", sa.Column("prev_hash", sa.String(64), nullable=True))
    op.add_column("timeline", sa.Column("hash", sa.String(64), nullable=True))
    _chain_existing_entries()


def _chain_existing_entries() -> None:
    """Hash the entries written before the chain existed, case by case, in order."""
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    timeline = sa.table(
        "timeline", sa.column("id", sa.Integer()), sa.column("case_number", sa.Integer()),
        sa.column("at", UtcDateTime()), sa.column("actor", sa.String()),
        sa.column("kind", sa.String()), sa.column("summary", sa.Text()),
        sa.column("reason", sa.Text()), sa.column("data", sa.JSON()),
        sa.column("prev_hash", sa.String()), sa.column("hash", sa.String()))
    rows = bind.execute(sa.select(timeline).order_by(timeline.c.case_number, timeline.c.id)).all()
    if not rows:
        return
    # The timeline refuses UPDATE: lift the guard for this one migration.
    if postgres:
        op.execute("ALTER TABLE timeline DISABLE TRIGGER timeline_append_only")
    else:
        op.execute("DROP TRIGGER timeline_no_update")
    previous: dict[int, str] = {}
    for row in rows:
        prev = previous.get(row.case_number, GENESIS)
        digest = entry_hash(prev, case=row.case_number, at=row.at, actor=row.actor,
                            kind=row.kind, summary=row.summary, reason=row.reason,
                            data=row.data)
        bind.execute(sa.update(timeline).where(timeline.c.id == row.id)
                     .values(prev_hash=prev, hash=digest))
        previous[row.case_number] = digest
    if postgres:
        op.execute("ALTER TABLE timeline ENABLE TRIGGER timeline_append_only")
    else:
        op.execute("CREATE TRIGGER timeline_no_update BEFORE UPDATE ON timeline "
                   "BEGIN SELECT RAISE(ABORT, 'the timeline is append-only'); END")


def downgrade() -> None:
    for table, column in (("timeline", "hash"), ("timeline", "prev_hash"),
                          ("cases", "contact_title"), ("accounts", "monthly_fee_usd")):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    for table in ("recovery_tasks", "checklist_items", "war_room_attendees", "war_rooms",
                  "credits", "api_tokens", "users"):
        op.drop_table(table)
