"""The Slack channel a case's changes are posted to moves from its war room to the case
itself (cases.slack_channel_id): every transaction that records something on a case has
the case's row already, so posting reads nothing more (a fired timer's SLA warning on a
case with no channel cost a query of war_rooms before).

Revision ID: 0026
Revises: 0025
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("slack_channel_id", sa.String(30), nullable=True))
    op.execute("UPDATE cases SET slack_channel_id = (SELECT war_rooms.slack_channel_id "
               "FROM war_rooms WHERE war_rooms.case_number = cases.number) "
               "WHERE EXISTS (SELECT 1 FROM war_rooms WHERE war_rooms.case_number = "
               "cases.number AND war_rooms.slack_channel_id IS NOT NULL)")
    # Plain DROP COLUMN (SQLite 3.35 and later, PostgreSQL): war_rooms is referenced by its
    # attendees and checklist, which a batch copy of the table would trip over.
    op.execute("ALTER TABLE war_rooms DROP COLUMN slack_channel_id")


def downgrade() -> None:
    op.add_column("war_rooms", sa.Column("slack_channel_id", sa.String(30), nullable=True))
    op.execute("UPDATE war_rooms SET slack_channel_id = (SELECT cases.slack_channel_id "
               "FROM cases WHERE cases.number = war_rooms.case_number)")
    op.execute("ALTER TABLE cases DROP COLUMN slack_channel_id")
