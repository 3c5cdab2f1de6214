"""The knowledge base: root causes, post-mortems and lessons learned of past cases,
searchable in Russian and English. On SQLite an FTS5 table holds each entry's
Snowball-stemmed words (stemmed in Python, services.knowledge_base); on PostgreSQL the
entry's `document` column holds its tsvector (the `russian` or `english` configuration),
GIN-indexed. Existing root causes enter it with `escalada kb reindex`.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import TSVECTOR

from escalada.adapters.db.types import UtcDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kb_entries",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("case_number", sa.Integer(), sa.ForeignKey("cases.number"), nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("account_id", sa.String(64), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("language", sa.String(5), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("regions", sa.JSON(), nullable=False),
        sa.Column("published_at", UtcDateTime(), nullable=False),
        sa.Column("document", sa.Text().with_variant(TSVECTOR(), "postgresql"),
                  nullable=True),
        sa.UniqueConstraint("kind", "case_number", "key", name="uq_kb_entries_kind_case_key"),
    )
    op.create_index("ix_kb_entries_case_number", "kb_entries", ["case_number"])
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_kb_entries_document", "kb_entries", ["document"],
                        postgresql_using="gin")
    else:
        op.execute("CREATE VIRTUAL TABLE kb_fts USING fts5(title, body, "
                   "tokenize = 'unicode61 remove_diacritics 2')")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TABLE kb_fts")
    else:
        op.drop_index("ix_kb_entries_document", table_name="kb_entries")
    op.drop_index("ix_kb_entries_case_number", table_name="kb_entries")
    op.drop_table("kb_entries")
