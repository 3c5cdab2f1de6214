"""Timeline entries keep their summary's template and parameters (`words`), so a reader
sees the summary in their language; the English `summary` stays the hashed record.

Revision ID: 0027
Revises: 0026
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ALTER TABLE on both databases: the timeline is not rebuilt, so its
    # append-only triggers stay as they are.
    op.add_column("timeline", sa.Column("words", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE timeline DROP COLUMN words")
