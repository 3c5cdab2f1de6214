"""One transaction per use case: everything is written, or nothing is."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType

from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from escalada.domain.errors import Conflict, InvalidInput, StaleVersion, WritesRefused
from escalada.services.repositories import Accounts, Cases


class UnitOfWork:
    """A session that rolls back unless committed, and reports lost races as Conflict;
    `cases` and `accounts` load and add those aggregates on it."""

    session: Session
    cases: Cases
    accounts: Accounts

    def __init__(
        self,
        sessions: sessionmaker[Session],
        before_commit: Callable[[Session], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self._before_commit = before_commit

    def __enter__(self) -> UnitOfWork:
        self.session = self._sessions()
        self.cases, self.accounts = Cases(self.session), Accounts(self.session)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.session.rollback()
        self.session.close()
        if isinstance(error, StaleDataError):  # a flush before commit lost the race
            raise StaleVersion(
                "someone else changed this case at the same moment; reload it and try again"
            ) from error
        if isinstance(error, DataError):
            # A value the database cannot hold (e.g. NUL in PostgreSQL text) is bad input.
            raise InvalidInput.of("(request)", _data_problem(error)) from error

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A part of the transaction that fails alone: when the block raises, what it
        wrote is rolled back (a SAVEPOINT) and the error raised on, and the rest of the
        transaction may still commit. What the session remembers of the transaction
        (the timeline's chain heads, the cases whose timers are planned at commit) is
        put back as it was too."""
        remembered = {key: dict(self.session.info[key]) for key in _TRANSACTION_NOTES
                      if key in self.session.info}
        nested = self.session.begin_nested()
        try:
            yield
            self.session.flush()  # the block's writes fail here, not in the next block
        except BaseException:
            nested.rollback()
            for key in _TRANSACTION_NOTES:
                self.session.info.pop(key, None)
            self.session.info.update(remembered)
            raise
        nested.commit()

    def settle(self) -> None:
        """Do what the changes call for (plan the changed cases' timers) and flush, so
        that what this transaction reads next is what it will commit: a view built
        then needs no second transaction. `commit` settles too."""
        self._lost_races(self._settle)

    def _settle(self) -> None:
        if self._before_commit is not None:
            self._before_commit(self.session)
        self.session.flush()

    def commit(self) -> None:
        self._lost_races(self._commit)

    def _commit(self) -> None:
        self._settle()
        self.session.commit()

    def _lost_races(self, work: Callable[[], object]) -> None:
        try:
            work()
        except StaleDataError as error:
            self.session.rollback()
            raise StaleVersion(
                "someone else changed this case at the same moment; reload it and try again"
            ) from error
        except IntegrityError as error:
            self.session.rollback()
            raise Conflict.of("the change collides with another one: {cause}",
                              cause=error.orig) from error


class ReadingUnit(UnitOfWork):
    """A unit of work that only reads (`Context.reading`): it takes no write lock, so it
    never waits for a writer, and the database refuses any write in it (WritesRefused)."""

    def __enter__(self) -> ReadingUnit:
        super().__enter__()
        return self

    def commit(self) -> None:
        raise WritesRefused("a read-only unit of work has nothing to commit: "
                            "open a writing one (Context.unit_of_work) to change anything")


# What `services.records` notes in session.info for the transaction's commit.
_TRANSACTION_NOTES = ("chain_heads", "changed_cases", "recorded_entries")


def _data_problem(error: DataError) -> str:
    detail = str(error.orig).splitlines()[0] if error.orig else "value out of range"
    return f"a value cannot be stored: {detail}"
