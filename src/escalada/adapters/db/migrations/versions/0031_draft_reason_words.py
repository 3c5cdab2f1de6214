"""Why a draft is in its language (`communications.language_reason`: "the customer's last
message is in Russian", "the account's language", ...) keeps its words (the English
template and its parameters, domain.words) beside the English, as 0030 did for the
timeline's reasons, so each reader sees it in their language. Drafts kept before keep
only their English, and read as it.

Revision ID: 0031
Revises: 0030
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("communications",
                  sa.Column("language_reason_words", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE communications DROP COLUMN language_reason_words")
