"""A table of work that workers take with a lease: timers, outbox deliveries, vendor
case syncs.

An item is due when its due column is at or before now (its due time, a retry's
time, or the end of the lease of a worker that took it and died). Taking items is
one `SELECT … FOR UPDATE SKIP LOCKED` (PostgreSQL skips what another worker is
taking; SQLite serialises writers) and then one conditional UPDATE that moves the
due column to the lease's end, names the holder and counts the attempt. The
condition (still waiting, still due), not the SELECT, is what makes an item the
taker's alone: commit it before the work starts (before a network call, say), and a
second worker finds nothing to take until the lease is over. A worker that dies
lets go of its items when their leases end.

Settling is the holder's: `still_held` says whether the lease was lost meanwhile
(another worker took the item over, or a person changed it), `due_again` puts it
back in the queue at a time, `finish` gives it a final state.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, and_, select, update
from sqlalchemy.orm import QueryableAttribute, Session

Item = TypeVar("Item")


class LeasedQueue(Generic[Item]):
    """Where a table keeps its queue: the columns taking and settling use."""

    def __init__(
        self,
        entity: type[Item],
        id: QueryableAttribute[int],
        due_at: QueryableAttribute[datetime] | QueryableAttribute[datetime | None],
        *,
        state: QueryableAttribute[str] | None = None,
        waiting: str = "pending",
        holder: QueryableAttribute[str | None] | None = None,
        attempts: QueryableAttribute[int] | None = None,
        holder_stays: bool = False,
        ties_by_id: bool = False,
    ) -> None:
        self.entity = entity
        self.id = id
        # When an item may be taken next: its due time, then its lease's end, then
        # its retry's time (None: never again).
        self.due_at = due_at
        self.state = state  # None: an item waits while due_at is set
        self.waiting = waiting  # the state of an item still to be done
        self.holder = holder  # who took it, where the table records it
        self.attempts = attempts  # counted at each taking, where the table counts them
        # A finished item still names who finished it (timers: which worker fired it).
        self.holder_stays = holder_stays
        # Items due at the same moment are taken in the order they were queued. It costs
        # a sort of all of them (the outbox's few, not the thousands of timers a bulk
        # plan leaves due together, which an index scan on due_at alone takes in order).
        self.ties_by_id = ties_by_id

    def _waiting(self) -> ColumnElement[bool]:
        if self.state is None:
            return self.due_at.is_not(None)
        return self.state == self.waiting

    def due(
        self, session: Session, *, now: datetime, limit: int, only: int | None = None
    ) -> Sequence[Item]:
        """Up to `limit` due items (or the item `only`, if due), oldest first, locked
        against other takers until this transaction ends (not yet held: see `hold`)."""
        query = select(self.entity).where(self._waiting(), self.due_at <= now)
        if only is not None:
            query = query.where(self.id == only)
        order = (self.due_at, self.id) if self.ties_by_id else (self.due_at,)
        return session.scalars(
            query.order_by(*order).limit(limit).with_for_update(skip_locked=True)
        ).all()

    def hold(
        self, session: Session, ids: Sequence[int], *, now: datetime, holder: str,
        until: datetime,
    ) -> set[int]:
        """Hold the items `ids` for `holder` until `until`, those still waiting and due;
        the ids held. Commit before working on them."""
        if not ids:
            return set()
        values: dict[Any, Any] = {self.due_at: until}
        if self.holder is not None:
            values[self.holder] = holder
        if self.attempts is not None:
            values[self.attempts] = self.attempts + 1
        held = session.execute(
            update(self.entity)
            .where(and_(self.id.in_(ids), self._waiting(), self.due_at <= now))
            .values(values)
            .returning(self.id),
            execution_options={"synchronize_session": False},
        )
        return set(held.scalars())

    def take(
        self, session: Session, *, now: datetime, holder: str, lease: timedelta, limit: int,
    ) -> list[Item]:
        """Hold up to `limit` due items for `holder` for `lease`; the items held."""
        items = self.due(session, now=now, limit=limit)
        held = self.hold(session, [self._id_of(item) for item in items], now=now,
                         holder=holder, until=now + lease)
        return [item for item in items if self._id_of(item) in held]

    def next_due_at(self, session: Session) -> datetime | None:
        """When the next waiting item may be taken (a worker sleeps until then)."""
        next_due: datetime | None = session.scalar(
            select(self.due_at).where(self._waiting()).order_by(self.due_at).limit(1))
        return next_due

    def still_held(self, item: Item, holder: str) -> bool:
        """Whether `holder` still holds `item` (read under lock when settling)."""
        assert self.state is not None and self.holder is not None
        return bool(getattr(item, self.state.key) == self.waiting
                    and getattr(item, self.holder.key) == holder)

    def due_again(self, item: Item, at: datetime | None) -> None:
        """Let go of `item`: it waits to be taken again at `at` (None: never)."""
        setattr(item, self.due_at.key, at)
        self._let_go(item)

    def finish(self, item: Item, state: str) -> None:
        """Let go of `item` for good, in `state`."""
        assert self.state is not None
        setattr(item, self.state.key, state)
        if not self.holder_stays:
            self._let_go(item)

    def _let_go(self, item: Item) -> None:
        if self.holder is not None:
            setattr(item, self.holder.key, None)

    def _id_of(self, item: Item) -> int:
        value: int = getattr(item, self.id.key)
        return value
