"""A case's reach: the regions affected and how many users (for the escalation report's
impact assessment).

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("regions", sa.JSON(), nullable=False,
                                     server_default="[]"))
    op.add_column("cases", sa.Column("users_affected", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("cases", "users_affected")
    op.drop_column("cases", "regions")
