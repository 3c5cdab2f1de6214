"""The audit key of each timeline entry: the id of the key its hash is an HMAC under
(None: a plain SHA-256, as every entry before this migration).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (no batch copy on SQLite): the append-only triggers stay.
    op.add_column("timeline", sa.Column("key_id", sa.String(40), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE timeline DROP COLUMN key_id")
