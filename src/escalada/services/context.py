"""What every use case needs from the outside world, wired once per process."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING

from escalada.domain.audit import Keyring
from escalada.domain.policy import Policy

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from escalada.services.unit_of_work import UnitOfWork


def system_clock() -> datetime:
    return datetime.now(UTC)


def no_audit_keys() -> Keyring:
    """The embedded default: the timeline's hashes are plain SHA-256."""
    return Keyring()


@dataclass(frozen=True)
class Actor:
    """Who asks. Authentication and roles arrive with the people-and-roles work;
    until then the entry points name the actor (CLI --as / ESCALADA_USER, API header)."""

    name: str
    role: str | None = None


@dataclass(frozen=True)
class TokenLifetimes:
    """How long an API token lasts when nobody says (`default_days`), and at most."""

    default_days: int = 90
    longest_days: int = 365


@dataclass
class Context:
    """The database (opened on first use), the policy in force, the clock, the token
    lifetimes and the keys that key the timeline's hash chain."""

    database: Callable[[], Engine]
    policy: Callable[[], Policy]
    clock: Callable[[], datetime] = system_clock
    tokens: TokenLifetimes = field(default_factory=TokenLifetimes)
    audit_keys: Callable[[], Keyring] = no_audit_keys

    @cached_property
    def keyring(self) -> Keyring:
        return self.audit_keys()

    @cached_property
    def engine(self) -> Engine:
        # Opened lazily: evaluating a snapshot document needs no database at all.
        return self.database()

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        from escalada.adapters.db.database import session_factory

        # Every session knows the key its timeline entries are written under
        # (services.records.record), without each use case passing it along.
        return session_factory(self.engine, info={"audit_key": self.keyring.active})

    def unit_of_work(self) -> UnitOfWork:
        # Imported here so that commands which never touch the database (evaluating a
        # snapshot document, --help) do not pay for SQLAlchemy.
        from escalada.services.unit_of_work import UnitOfWork

        return UnitOfWork(self.sessions, self._plan_timers)

    def _plan_timers(self, session: Session) -> None:
        """Every changed case gets its timers planned again, in the same transaction."""
        if session.info.get("changed_cases"):
            from escalada.services.timer_planning import reschedule_changed

            reschedule_changed(session, self.policy())
