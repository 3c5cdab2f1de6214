"""What every use case needs from the outside world, wired once per process by
`escalada.bootstrap` (or, with fakes, by `escalada.testing.context`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from threading import local
from typing import TYPE_CHECKING, Any, TypeVar

from escalada.domain.audit import Keyring
from escalada.domain.model import Language
from escalada.settings import Settings, TokenLifetimes

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from escalada.adapters.channels import Channels
    from escalada.adapters.db.plain import Reader
    from escalada.adapters.vendors import Vendors
    from escalada.adapters.vendors.health import HealthFeeds
    from escalada.domain.policy import Policy
    from escalada.services.unit_of_work import ReadingUnit, UnitOfWork

Result = TypeVar("Result")

__all__ = ["Actor", "Context", "Detect", "TokenLifetimes", "system_clock"]

# Tells the main language of a text (None: nothing in it to tell by).
Detect = Callable[[str], Language | None]
# Called before each commit: plans the timers of the cases the transaction changed, at
# the context's now.
BeforeCommit = Callable[["Session", "Policy", datetime], None]


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
    # The person's own language (users.language), for the words an entry point shows them;
    # not part of who they are, so two actors of one name and role are equal.
    language: str | None = field(default=None, compare=False)


class NotWired(RuntimeError):
    """A use case asked the context for a part it was built without."""


def _not_wired(part: str) -> Callable[..., Any]:
    def missing(*_: object, **__: object) -> Any:
        raise NotWired(f"this context has no {part}: build it with escalada.bootstrap.wire "
                       "(or escalada.testing.context)")

    return missing


@dataclass
class Context:
    """Everything a use case takes from outside: the database (opened on first use),
    the policy in force, the clock, the token lifetimes, the keys that key the
    timeline's hash chain, the settings, the vendors' clients and health feeds and the
    channels by name, the language detector, and the hook that plans timers before each
    commit.

    `settings` is called when a use case needs one (the settings of the process
    environment at that moment, unless the context was built with fixed ones)."""

    database: Callable[[], Engine]
    policy: Callable[[], Policy]
    clock: Callable[[], datetime] = system_clock
    tokens: TokenLifetimes = field(default_factory=TokenLifetimes)
    audit_keys: Callable[[], Keyring] = no_audit_keys
    settings: Callable[[], Settings] = Settings.current
    vendors: Vendors = field(default=_not_wired("vendors"))
    health_feeds: HealthFeeds = field(default=_not_wired("vendor health feeds"))
    channels: Channels = field(default=_not_wired("channels"))
    detect_language: Detect = field(default=_not_wired("language detector"))
    plan_timers: BeforeCommit = field(default=_not_wired("timer planning"))
    # A read-only transaction on a connection of the process's own, opened without
    # SQLAlchemy (adapters.db.plain.connect), or None when it cannot have one: what a
    # command run cold reads through until anything opens the engine. None: always the
    # engine's.
    direct_reads: Callable[[], AbstractContextManager[Reader | None]] | None = None
    # The plain reading a thread's `sharing_reads` keeps open (see there).
    _shared: local = field(default_factory=local, init=False, repr=False, compare=False)

    @cached_property
    def keyring(self) -> Keyring:
        return self.audit_keys()

    @cached_property
    def engine(self) -> Engine:
        # Opened lazily: evaluating a snapshot document needs no database at all.
        return self.database()

    @cached_property
    def reads_in_place(self) -> bool:
        """Whether a read here only works the CPU, never waits (adapters.db.database):
        then a server gains nothing by handing it to a thread but the hop."""
        from escalada.adapters.db.database import reads_in_place

        return reads_in_place(self.engine)

    @cached_property
    def writer(self) -> Engine:
        """The engine that writes: on a SQLite file, one connection, which keeps its cache
        of pages from one write to the next (adapters.db.writer)."""
        from escalada.adapters.db.writer import one_writer

        return one_writer(self.engine)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        from escalada.adapters.db.database import session_factory

        # Every session knows the key its timeline entries are written under
        # (services.records.record), without each use case passing it along.
        return session_factory(self.writer, info={"audit_key": self.keyring.active})

    @cached_property
    def at_once_sessions(self) -> sessionmaker[Session]:
        """The writer's, for a write that waits neither for its connection nor for
        SQLite's lock (`at_once`)."""
        from escalada.adapters.db.database import session_factory, without_waiting

        return session_factory(without_waiting(self.writer),
                               info={"audit_key": self.keyring.active})

    @cached_property
    def reading_sessions(self) -> sessionmaker[Session]:
        from escalada.adapters.db.database import reading, session_factory

        return session_factory(reading(self.engine), info={"audit_key": self.keyring.active})

    @cached_property
    def plain_engine(self) -> Engine:
        """The engine's, for plain readings (database.plain_engine)."""
        from escalada.adapters.db.database import plain_engine

        return plain_engine(self.engine)

    @cached_property
    def unwaiting_sessions(self) -> sessionmaker[Session]:
        from escalada.adapters.db.database import session_factory, without_waiting

        return session_factory(without_waiting(self.engine),
                               info={"audit_key": self.keyring.active})

    @cached_property
    def durable_sessions(self) -> sessionmaker[Session]:
        from escalada.adapters.db.database import durably, session_factory

        return session_factory(durably(self.engine), info={"audit_key": self.keyring.active})

    @cached_property
    def unwaiting_durable_sessions(self) -> sessionmaker[Session]:
        from escalada.adapters.db.database import durably, session_factory, without_waiting

        return session_factory(durably(without_waiting(self.engine)),
                               info={"audit_key": self.keyring.active})

    def unit_of_work(self, *, wait: bool = True, durable: bool = False) -> UnitOfWork:
        """A unit of work that writes: it takes the write lock up front (SQLite). With
        `durable=True` its commit is on disk before it returns whatever
        ESCALADA_SQLITE_SYNCHRONOUS says (for a write followed by what cannot be taken
        back, adapters.db.database.durably). With
        `wait=False` it fails at once (adapters.db.database.busy) when another writer
        holds the lock, for a write that can as well be skipped. The first one that would
        wait inside `at_once` does not wait either (see there)."""
        # Imported here so that commands which never touch the database (evaluating a
        # snapshot document, --help) do not pay for SQLAlchemy.
        from escalada.services.unit_of_work import UnitOfWork

        at_once: list[int] | None = getattr(self._shared, "at_once", None)
        if wait and at_once is not None:
            at_once[0] += 1
            if at_once[0] == 1 and not durable:  # the first only: until it begins nothing
                return UnitOfWork(self.at_once_sessions, self._before_commit)  # is written
            wait = at_once[0] > 1
        if durable:
            sessions = self.durable_sessions if wait else self.unwaiting_durable_sessions
        else:
            sessions = self.sessions if wait else self.unwaiting_sessions
        return UnitOfWork(sessions, self._before_commit)

    @cached_property
    def writes_in_place(self) -> bool:
        """Whether a write here waits only for the lock of this database's writers, never
        for a network (adapters.db.database.reads_in_place: a SQLite file): then one that
        finds the lock free is done at once where it is asked (`at_once`)."""
        return self.reads_in_place

    def at_once(self, work: Callable[..., Result], *args: Any) -> tuple[bool, Result | None]:
        """`work(*args)` if it can be done without waiting for another writer: (True, what
        it returned); or (False, None) when its first writing unit of work found another
        writer holding the lock (SQLite), before it wrote anything, so that the caller
        does it again where waiting costs nothing (a thread). Its units of work after the
        first wait as ever, and any error of theirs is raised, as is any other error.
        (Units that need not wait, `wait=False`, are ones that may as well be skipped,
        so done again.)"""
        from escalada.adapters.db.database import lock_not_had
        from escalada.adapters.db.writer import WriterInUse, at_once

        self._shared.at_once = units = [0]  # the writing units of work begun inside
        try:
            with at_once():  # nor for the writer's connection, if a thread has it
                return True, work(*args)
        except Exception as error:
            if units[0] == 1 and (lock_not_had(error) or isinstance(error, WriterInUse)):
                return False, None
            raise
        finally:
            self._shared.at_once = None

    def reading(self) -> ReadingUnit:
        """A unit of work that only reads: it never waits for a writer (see ReadingUnit)."""
        from escalada.services.unit_of_work import ReadingUnit

        return ReadingUnit(self.reading_sessions)

    @contextmanager
    def sharing_reads(self) -> Iterator[None]:
        """The plain readings this thread opens inside share one (the first opened): an
        API request's token check and its page read on one connection, in one read-only
        transaction, instead of each taking and giving back its own."""
        if getattr(self._shared, "reader", None) is not None:
            yield  # already shared further out
            return
        self._shared.reader = False  # none opened yet: the first plain_reading opens it
        try:
            with ExitStack() as opened:
                self._shared.opened = opened
                yield
        finally:
            self._shared.reader = self._shared.opened = None

    @contextmanager
    def plain_reading(self, *, one_statement: bool = False) -> Iterator[Reader]:
        """Plain SQL in a read-only transaction (adapters.db.plain): on a connection of the
        process's own while the engine is not open (a CLI read imports no SQLAlchemy),
        else on the engine's. Inside `sharing_reads`, the one this thread shares. A
        reading of `one_statement` needs no transaction around it (database.plain_reading)
        where it has none of its own to share."""
        shared = getattr(self._shared, "reader", None)
        if shared is False:  # the first inside sharing_reads: kept open until it ends
            shared = self._shared.reader = self._shared.opened.enter_context(
                self._plain_reading())
        if shared is not None:
            yield shared
            return
        with self._plain_reading(one_statement) as reader:
            yield reader

    @contextmanager
    def _plain_reading(self, one_statement: bool = False) -> Iterator[Reader]:
        if self.direct_reads is not None and "engine" not in vars(self):
            with self.direct_reads() as direct:
                if direct is not None:
                    yield direct
                    return
        from escalada.adapters.db.database import plain_reading

        with plain_reading(self.plain_engine, one_statement=one_statement) as reader:
            yield reader

    def _before_commit(self, session: Session) -> None:
        """Every changed case gets its timers planned again, in the same transaction, from
        the clock's now: not from the time of what was recorded, which may be earlier (a
        health score kept as at a past moment, a customer message received earlier)."""
        # Entries recorded without changing their case (an item overdue, a message
        # delivered) are posted to war rooms' Slack channels by the same hook.
        if session.info.get("changed_cases") or session.info.get("recorded_entries"):
            policy = session.info.get(_IN_FORCE) or self.policy()
            self.plan_timers(session, policy, self.clock())


# session.info key: the policy in force as the use case read it (`in_force`).
_IN_FORCE = "policy_in_force"


def in_force(session: Session, policy: Policy) -> None:
    """The use case read `policy` as the one in force for this transaction: its commit
    plans timers under it rather than finding the policy file again (a request's
    moment; a file changed in between is a race either way)."""
    session.info[_IN_FORCE] = policy
