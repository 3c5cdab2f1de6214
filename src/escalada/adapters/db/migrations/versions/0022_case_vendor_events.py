"""The vendors' open service-health events linked to a case, on the case (vendor:event
id), so that the engine reads them as it reads the case's flags.

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("vendor_events", sa.JSON(), nullable=False,
                                     server_default="[]"))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+), not a batch copy of the table: other tables'
    # foreign keys point at cases, and dropping the old copy would break them.
    op.drop_column("cases", "vendor_events")
