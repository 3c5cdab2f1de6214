"""The account log and the people log keep their summaries' templates and parameters
(`words`), as the timeline does, so a reader sees them in their language.

Revision ID: 0028
Revises: 0027
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("account_log", sa.Column("words", sa.JSON(), nullable=True))
    op.add_column("people_log", sa.Column("words", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE people_log DROP COLUMN words")
    op.execute("ALTER TABLE account_log DROP COLUMN words")
