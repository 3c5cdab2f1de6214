"""Slack: a person's Slack user id (who a slash command acts as; unique), and a war
room's Slack channel id once its channel is created.

Revision ID: 0025
Revises: 0024
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("slack_user_id", sa.String(30), nullable=True))
    op.create_index("ix_users_slack_user_id", "users", ["slack_user_id"], unique=True)
    op.add_column("war_rooms", sa.Column("slack_channel_id", sa.String(30), nullable=True))


def downgrade() -> None:
    op.drop_column("war_rooms", "slack_channel_id")
    op.drop_index("ix_users_slack_user_id", table_name="users")
    op.drop_column("users", "slack_user_id")
