"""Customer contacts (who escalates, how letters greet them), the case's escalating
contact, and the account log (who changed an account, its contacts, from what to what).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from escalada.adapters.db.types import UtcDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("account_id", sa.String(64), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("address_as", sa.String(200), nullable=True),
        sa.Column("title", sa.String(100), nullable=True),
        sa.Column("email", sa.String(200), nullable=True),
        sa.Column("language", sa.String(5), nullable=True),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("removed_at", UtcDateTime(), nullable=True),
    )
    op.create_index("ix_contacts_account_id", "contacts", ["account_id"])
    op.create_table(
        "account_log",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("account_id", sa.String(64), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_index("ix_account_log_account_id", "account_log", ["account_id"])
    if op.get_bind().dialect.name == "sqlite":
        # An inline REFERENCES on ADD COLUMN: Alembic would rebuild the table, which
        # breaks on rows other tables point at.
        op.execute("ALTER TABLE cases ADD COLUMN contact_id INTEGER REFERENCES contacts (id)")
    else:
        op.add_column("cases", sa.Column("contact_id", sa.Integer(), nullable=True))
        op.create_foreign_key("fk_cases_contact_id", "cases", "contacts",
                              ["contact_id"], ["id"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("fk_cases_contact_id", "cases", type_="foreignkey")
    op.execute("ALTER TABLE cases DROP COLUMN contact_id")
    op.drop_table("account_log")
    op.drop_table("contacts")
