"""One transaction per use case: everything is written, or nothing is."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from escalada.domain.errors import Conflict


class UnitOfWork:
    """A session that rolls back unless committed, and reports lost races as Conflict."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def __enter__(self) -> UnitOfWork:
        self.session = self._sessions()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        try:
            self.session.commit()
        except StaleDataError as error:
            self.session.rollback()
            raise Conflict(
                "someone else changed this case at the same moment; reload it and try again"
            ) from error
        except IntegrityError as error:
            self.session.rollback()
            raise Conflict(f"the change collides with another one: {error.orig}") from error
