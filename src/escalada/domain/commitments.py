"""Commitments made to a customer: met when closed by their due time, missed when they
fall due open or close late (pure)."""

from __future__ import annotations

from datetime import datetime

OPEN, MET, MISSED = "open", "met", "missed"
STATES = (OPEN, MET, MISSED)


def commitment_state(due_at: datetime, closed_at: datetime | None, now: datetime) -> str:
    """Where a commitment stands at `now`: met if closed by its due time, missed if
    closed after it or still open past it, else open."""
    if closed_at is not None:
        return MET if closed_at <= due_at else MISSED
    return MISSED if now > due_at else OPEN
