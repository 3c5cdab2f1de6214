"""Account health refreshed by the workers: when each account's score is next computed
and kept (a leased queue, as timers), every existing account due at once.

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "health_refreshes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("account_id", sa.String(64), sa.ForeignKey("accounts.id"), nullable=False,
                  unique=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("holder", sa.String(100), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_index("ix_health_refreshes_due_at", "health_refreshes", ["due_at"])
    op.execute("INSERT INTO health_refreshes (account_id, due_at, attempts) "
               "SELECT id, CURRENT_TIMESTAMP, 0 FROM accounts")


def downgrade() -> None:
    op.drop_index("ix_health_refreshes_due_at", table_name="health_refreshes")
    op.drop_table("health_refreshes")
