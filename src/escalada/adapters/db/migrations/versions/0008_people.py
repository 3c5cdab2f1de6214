"""People: who created each token, tokens that expire, the append-only people log, and
acknowledgments given on someone's behalf.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

from escalada.adapters.db.types import UtcDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# A token made before tokens had to expire lasts this long from the upgrade (the
# longest lifetime a new token may have by default).
BACKFILLED_LIFETIME = timedelta(days=365)


def upgrade() -> None:
    # Nullable: who made a token before this revision is not known.
    op.add_column("api_tokens", sa.Column("created_by", sa.String(100), nullable=True))
    op.add_column("escalations",
                  sa.Column("acknowledged_on_behalf_of", sa.String(100), nullable=True))
    op.create_table(
        "people_log",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("user_name", sa.String(100), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    _make_people_log_append_only()
    tokens = sa.table("api_tokens", sa.column("expires_at", UtcDateTime()),
                      sa.column("revoked_at", UtcDateTime()))
    op.get_bind().execute(
        sa.update(tokens).where(tokens.c.expires_at.is_(None), tokens.c.revoked_at.is_(None))
        .values(expires_at=datetime.now(UTC) + BACKFILLED_LIFETIME))


def _make_people_log_append_only() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION people_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'the people log is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER people_log_append_only BEFORE UPDATE OR DELETE ON people_log "
            "FOR EACH ROW EXECUTE FUNCTION people_log_append_only()"
        )
        return
    for action in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER people_log_no_{action.lower()} BEFORE {action} ON people_log "
            "BEGIN SELECT RAISE(ABORT, 'the people log is append-only'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER people_log_append_only ON people_log")
        op.execute("DROP FUNCTION people_log_append_only()")
    op.drop_table("people_log")
    op.execute("ALTER TABLE escalations DROP COLUMN acknowledged_on_behalf_of")
    op.execute("ALTER TABLE api_tokens DROP COLUMN created_by")
