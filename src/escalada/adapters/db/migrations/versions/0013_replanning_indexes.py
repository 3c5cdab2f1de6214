"""Indexes for a long-lived case's writes: the dropped SLA thresholds a new plan may carry,
looked up by key (ix_timers_case_dropped, dropped timers only), and the latest entries
of a case's timeline, its hash chain's head (ix_timeline_case_entry: the case, then the
entry, replacing the index on the case alone).

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_DROPPED = sa.text("state = 'dropped'")


def upgrade() -> None:
    op.create_index("ix_timers_case_dropped", "timers", ["case_number", "key"],
                    sqlite_where=_DROPPED, postgresql_where=_DROPPED)
    op.create_index("ix_timeline_case_entry", "timeline", ["case_number", "id"])
    op.drop_index("ix_timeline_case_number", "timeline")


def downgrade() -> None:
    op.create_index("ix_timeline_case_number", "timeline", ["case_number"])
    op.drop_index("ix_timeline_case_entry", "timeline")
    op.drop_index("ix_timers_case_dropped", "timers")
