"""Texts escalada composes and keeps for people to read later keep their words (the
English template and its parameters, domain.words) beside the English, as the timeline's
summaries do since 0027, so each reader sees them in their language: the reason of a
timeline entry and of an escalation step (a credit's routing, an automatic step, a help
desk's change), what a webhook delivery did, and what a timer's firing or dropping did.
Rows written before keep only their English, and read as it.

Revision ID: 0030
Revises: 0029
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

# (table, column) pairs added, each a nullable JSON document.
_ADDED = (("timeline", "reason_words"), ("escalations", "reason_words"),
          ("hook_deliveries", "outcome_words"), ("timers", "outcome_words"))


def upgrade() -> None:
    # Plain ALTER TABLEs on both databases: the timeline is not rebuilt, so its
    # append-only triggers stay as they are.
    for table, column in _ADDED:
        op.add_column(table, sa.Column(column, sa.JSON(), nullable=True))


def downgrade() -> None:
    for table, column in reversed(_ADDED):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
