"""Endpoints: the named destinations of webhook and Slack deliveries.

Deliveries queued before to a raw URL are shown by scheme and host only from now on;
those still pending are dead-lettered (no URL is sent to unless an admin named it), and
the far side's answers quoted in their errors are dropped.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

import sqlalchemy as sa
from alembic import op

from escalada.adapters.db.types import UtcDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

UNSENT = ("not sent: its destination is a URL, and deliveries now go only to endpoints "
          "an admin names (`escalada endpoint add`); send the draft again to the endpoint")


def upgrade() -> None:
    op.create_table(
        "endpoints",
        sa.Column("name", sa.String(63), primary_key=True),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    _hide_raw_urls()


def _hide_raw_urls() -> None:
    outbox = sa.table("outbox", sa.column("id", sa.Integer()), sa.column("recipient", sa.Text()),
                      sa.column("state", sa.String()), sa.column("last_error", sa.Text()),
                      sa.column("dead_at", UtcDateTime()), sa.column("channel", sa.String()))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(outbox.c.id, outbox.c.recipient, outbox.c.state)
        .where(outbox.c.channel.in_(("webhook", "slack")),
               sa.or_(outbox.c.recipient.like("http://%"),
                      outbox.c.recipient.like("https://%")))).all()
    now = datetime.now(UTC)
    for delivery_id, recipient, state in rows:
        values: dict[str, object] = {"recipient": _masked(recipient), "last_error": None}
        if state == "pending":
            values.update(state="dead", dead_at=now, last_error=UNSENT)
        connection.execute(outbox.update().where(outbox.c.id == delivery_id).values(**values))


def _masked(url: str) -> str:
    """As `escalada.domain.endpoints.masked` (copied: a migration stays as written)."""
    parts = urlsplit(url.strip())
    host = parts.hostname or "?"
    return f"{parts.scheme.lower() or '?'}://{host}/…/****"


def downgrade() -> None:
    op.drop_table("endpoints")
