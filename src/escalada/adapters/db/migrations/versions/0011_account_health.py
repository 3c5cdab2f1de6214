"""Account health: the sub-metrics people enter (with who and when) and the scores kept
over time (with their components); accounts.health_score is the newest kept score.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from escalada.adapters.db.types import ExactDecimal, UtcDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "health_inputs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("account_id", sa.String(64), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("metric", sa.String(60), nullable=False),
        sa.Column("value", ExactDecimal(), nullable=False),
        sa.Column("as_of", UtcDateTime(), nullable=False),
        sa.Column("entered_by", sa.String(100), nullable=False),
        sa.Column("entered_at", UtcDateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
    )
    op.create_index("ix_health_inputs_account_metric", "health_inputs",
                    ["account_id", "metric", "as_of"])
    op.create_table(
        "health_scores",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("account_id", sa.String(64), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("score", ExactDecimal(), nullable=True),
        sa.Column("band", sa.String(60), nullable=True),
        sa.Column("coverage", ExactDecimal(), nullable=False),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("kept_by", sa.String(100), nullable=False),
    )
    op.create_index("ix_health_scores_account_at", "health_scores", ["account_id", "at"])


def downgrade() -> None:
    op.drop_table("health_scores")
    op.drop_table("health_inputs")
