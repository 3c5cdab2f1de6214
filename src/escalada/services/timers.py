"""Durable timers: planned in the transaction of the change that needs them, claimed
by workers with a lease, fired exactly once, each firing on the case's timeline.

This module holds what every part shares: a timer's states and the timers' leased
queue. Planning is in `timer_planning`, claiming and firing in `timer_firing`, what
each kind of timer does in `timer_handlers`, reminders and views in `timer_views`.
"""

from __future__ import annotations

from datetime import timedelta

from escalada.adapters.db.leased_queue import LeasedQueue
from escalada.adapters.db.tables import TimerRow

PENDING, FIRED, DROPPED, FAILED = "pending", "fired", "dropped", "failed"
STATES = (PENDING, FIRED, DROPPED, FAILED)
# A timer whose handler keeps failing stops being retried after this many attempts.
MAX_ATTEMPTS = 5
# The auditor's tolerance: a pending timer due longer ago than this is overdue.
OVERDUE_AFTER = timedelta(minutes=1)
# The timers waiting to fire; a fired (or failed) timer still names the worker.
TIMERS = LeasedQueue(TimerRow, TimerRow.id, TimerRow.available_at, state=TimerRow.state,
                     waiting=PENDING, holder=TimerRow.lease_owner, attempts=TimerRow.attempts,
                     holder_stays=True)
