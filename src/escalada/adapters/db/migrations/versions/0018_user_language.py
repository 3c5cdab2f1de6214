"""A person's language (en or ru): what escalada writes to them in, such as the reminder
of a post-mortem action item they own. None: the account's language is used.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("language", sa.String(5), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "language")
