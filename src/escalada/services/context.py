"""What every use case needs from the outside world, wired once per process."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from escalada.adapters.db.database import session_factory
from escalada.domain.policy import Policy
from escalada.services.unit_of_work import UnitOfWork


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Actor:
    """Who asks. Authentication and roles arrive with the people-and-roles work;
    until then the entry points name the actor (CLI --as / ESCALADA_USER, API header)."""

    name: str
    role: str | None = None


@dataclass
class Context:
    """The database, the policy in force and the clock."""

    engine: Engine
    policy: Callable[[], Policy]
    clock: Callable[[], datetime] = system_clock
    sessions: sessionmaker[Session] = field(init=False)

    def __post_init__(self) -> None:
        self.sessions = session_factory(self.engine)

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.sessions)
