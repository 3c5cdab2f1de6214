"""Post-mortems: the record of a case (due time, who started and completed it), its
attendees, its findings under the agenda's headings, and its action items.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from escalada.adapters.db.types import UtcDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "post_mortems",
        sa.Column("case_number", sa.Integer(), sa.ForeignKey("cases.number"),
                  primary_key=True),
        sa.Column("due_at", UtcDateTime(), nullable=True),
        sa.Column("started_by", sa.String(100), nullable=True),
        sa.Column("started_at", UtcDateTime(), nullable=True),
        sa.Column("completed_by", sa.String(100), nullable=True),
        sa.Column("completed_at", UtcDateTime(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
    )
    op.create_index("ix_post_mortems_due_at", "post_mortems", ["due_at"])
    op.create_table(
        "post_mortem_attendees",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("case_number", sa.Integer(), sa.ForeignKey("post_mortems.case_number"),
                  nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("why", sa.String(60), nullable=False),
        sa.UniqueConstraint("case_number", "name"),
    )
    op.create_index("ix_post_mortem_attendees_case_number", "post_mortem_attendees",
                    ["case_number"])
    op.create_table(
        "post_mortem_findings",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("case_number", sa.Integer(), sa.ForeignKey("post_mortems.case_number"),
                  nullable=False),
        sa.Column("heading", sa.String(30), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("added_by", sa.String(100), nullable=False),
        sa.Column("added_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_post_mortem_findings_case_number", "post_mortem_findings",
                    ["case_number"])
    op.create_table(
        "post_mortem_actions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("case_number", sa.Integer(), sa.ForeignKey("post_mortems.case_number"),
                  nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(100), nullable=False),
        sa.Column("due_at", UtcDateTime(), nullable=False),
        sa.Column("added_by", sa.String(100), nullable=False),
        sa.Column("added_at", UtcDateTime(), nullable=False),
        sa.Column("done_by", sa.String(100), nullable=True),
        sa.Column("done_at", UtcDateTime(), nullable=True),
    )
    op.create_index("ix_post_mortem_actions_case_number", "post_mortem_actions",
                    ["case_number"])


def downgrade() -> None:
    op.drop_table("post_mortem_actions")
    op.drop_table("post_mortem_findings")
    op.drop_table("post_mortem_attendees")
    op.drop_table("post_mortems")
