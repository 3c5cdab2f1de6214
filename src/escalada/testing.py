"""Test doubles shipped as real code, for escalada's tests and for anyone embedding it:
a clock that only moves when told (`FakeClock`, `fixed_clock`), a vendor's support API
in memory (`FakeVendor`, `FakeVendors`), channels that keep what they are given
(`CapturingChannel`, `CapturingChannels`), a language detector that needs no model
(`detect_by_letters`), a whole `Context` on a scratch SQLite database with these
(`context`), scratch databases for benchmarks, and a count of the statements a use case
sends to the database (`count_statements`).

    vendors, channels = FakeVendors(), CapturingChannels()
    ctx = context(clock=fixed_clock(START), vendors=vendors, channels=channels)
    ...  # run use cases with ctx
    assert vendors["aws"].calls[0].operation == "create_case"
    assert channels["email"].delivered[0].subject.startswith("CASE-1")
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from escalada.adapters.channels import CHANNELS, DeliveryFailed, Outbound, Receipt
from escalada.adapters.vendors import (
    CLOSED,
    OPEN,
    VENDORS,
    Sent,
    VendorCall,
    VendorCase,
    VendorCaseRequest,
    VendorMessage,
)
from escalada.domain.errors import InvalidInput, VendorFailed
from escalada.domain.model import Language
from escalada.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from escalada.domain.policy import Policy
    from escalada.services.context import Context


class FakeClock:
    """A callable clock for `Context.clock`; `advance` moves it forward."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def fixed_clock(at: datetime) -> FakeClock:
    """A clock standing at `at` (aware) until it is advanced."""
    return FakeClock(at)


# --- Vendors ---------------------------------------------------------------------------


class FakeVendor:
    """One vendor's support API in memory. It records every call (`calls`, and
    `dry_calls` for dry runs, which change nothing), keeps the cases it opened, lets a
    test script the vendor's side (`answer`, `set_state`) and fail the next calls
    (`fail`). Opened cases are `<vendor>-case-1`, `-2`, ... shown as `<n>` to people."""

    def __init__(self, vendor: str = "aws", *, clock: Callable[[], datetime] | None = None,
                 dry_run: bool = False) -> None:
        self.vendor = vendor
        self.dry_run = dry_run
        self.calls: list[VendorCall] = []
        self.dry_calls: list[VendorCall] = []
        self.cases: dict[str, VendorCase] = {}
        self._clock = clock or (lambda: datetime.now(UTC))
        self._failures: list[VendorFailed] = []
        self._numbers = itertools.count(1)
        self._dry: FakeVendor | None = None

    # --- scripting the vendor's side

    def fail(self, message: str = "the vendor is unavailable", *, times: int = 1,
             retryable: bool = True) -> None:
        """The next `times` calls raise VendorFailed with `message`."""
        self._failures.extend(VendorFailed(self.vendor, message, retryable=retryable)
                              for _ in range(times))

    def answer(self, case_id: str, body: str, *, author: str = "Vendor Support",
               at: datetime | None = None) -> VendorMessage:
        """The vendor writes on its case."""
        return self._add_message(case_id, body, author=author, from_vendor=True, at=at)

    def set_state(self, case_id: str, state: str, *, status: str | None = None) -> None:
        """The vendor moves its case to `state` (OPEN, WAITING_ON_US, RESOLVED, CLOSED)."""
        self.cases[case_id] = replace(self.cases[case_id], state=state,
                                      status=status or state)

    def dry(self) -> FakeVendor:
        """The same vendor for dry runs: calls are recorded in `dry_calls` only."""
        if self._dry is None:
            self._dry = FakeVendor(self.vendor, clock=self._clock, dry_run=True)
            self._dry.dry_calls = self.dry_calls
            self._dry._failures = self._failures
        return self._dry

    # --- the VendorClient operations

    def open_case(self, request: VendorCaseRequest) -> Sent:
        call = self._call("create_case", {"reference": request.reference,
                                          "subject": request.subject, "body": request.body,
                                          "severity": request.severity,
                                          "service": request.service,
                                          "category": request.category,
                                          "contact_email": request.contact_email})
        if self.dry_run:
            return Sent(call, dry_run=True)
        number = next(self._numbers)
        case_id = f"{self.vendor}-case-{number}"
        self.cases[case_id] = VendorCase(
            vendor=self.vendor, id=case_id, display_id=str(number), status="opened",
            state=OPEN, severity=request.severity, subject=request.subject,
            opened_at=self._clock())
        return Sent(call, case_id=case_id)

    def add_communication(self, case_id: str, body: str) -> Sent:
        call = self._call("add_communication", {"case_id": case_id, "body": body})
        if self.dry_run:
            return Sent(call, dry_run=True)
        self._add_message(case_id, body, author="escalada", from_vendor=False)
        return Sent(call, case_id=case_id)

    def fetch_case(self, case_id: str) -> VendorCase:
        self._call("describe_case", {"case_id": case_id})
        if case_id not in self.cases:
            raise VendorFailed(self.vendor, f"no case {case_id}")
        return self.cases[case_id]

    def escalate(self, case_id: str, reason: str, justification: str) -> Sent:
        call = self._call("escalate_case", {"case_id": case_id, "reason": reason,
                                            "justification": justification})
        return Sent(call, case_id=case_id, dry_run=self.dry_run)

    def close(self, case_id: str) -> Sent:
        call = self._call("resolve_case", {"case_id": case_id})
        if not self.dry_run:
            self.set_state(case_id, CLOSED, status="resolved")
        return Sent(call, case_id=case_id, dry_run=self.dry_run)

    def _call(self, operation: str, params: dict[str, Any]) -> VendorCall:
        call = VendorCall(self.vendor, operation, params)
        (self.dry_calls if self.dry_run else self.calls).append(call)
        if self._failures:
            raise self._failures.pop(0)
        return call

    def _add_message(self, case_id: str, body: str, *, author: str, from_vendor: bool,
                     at: datetime | None = None) -> VendorMessage:
        case = self.cases[case_id]
        message = VendorMessage(id=f"{case_id}-m{len(case.messages) + 1}",
                                at=at or self._clock(), author=author, body=body,
                                from_vendor=from_vendor)
        self.cases[case_id] = replace(case, messages=(*case.messages, message))
        return message


class FakeVendors:
    """The vendors by name for `Context.vendors`: a FakeVendor per vendor, made on first
    use (or given); an unknown vendor is refused as the real registry refuses it."""

    def __init__(self, clock: Callable[[], datetime] | None = None, **given: FakeVendor) -> None:
        self._clock = clock
        self._vendors: dict[str, FakeVendor] = dict(given)

    def __getitem__(self, vendor: str) -> FakeVendor:
        if vendor not in VENDORS:
            raise InvalidInput.of("vendor", f"must be one of {', '.join(VENDORS)}")
        if vendor not in self._vendors:
            self._vendors[vendor] = FakeVendor(vendor, clock=self._clock)
        return self._vendors[vendor]

    def __call__(self, vendor: str, *, dry_run: bool = False) -> FakeVendor:
        fake = self[vendor]
        return fake.dry() if dry_run else fake


# --- Channels --------------------------------------------------------------------------


class CapturingChannel:
    """A channel that keeps what it is given to deliver (`delivered`; every attempt in
    `attempts`) and can be told to fail the next attempts, for a while (`permanent=False`:
    the outbox tries again) or for good (`permanent=True`: dead-lettered at once)."""

    longest_attempt = 1.0

    def __init__(self, name: str = "email") -> None:
        self.name = name
        self.attempts: list[Outbound] = []
        self.delivered: list[Outbound] = []
        self._failures: list[DeliveryFailed] = []

    def fail(self, reason: str = "the receiver is down", *, permanent: bool = False,
             times: int = 1) -> None:
        """The next `times` attempts fail with `reason`."""
        self._failures.extend(DeliveryFailed(reason, permanent=permanent) for _ in range(times))

    def deliver(self, message: Outbound) -> Receipt:
        self.attempts.append(message)
        if self._failures:
            raise self._failures.pop(0)
        self.delivered.append(message)
        return Receipt(f"{self.name}-{len(self.delivered)}")


class CapturingChannels:
    """The channels by name for `Context.channels`: a CapturingChannel per channel."""

    def __init__(self) -> None:
        self._channels = {name: CapturingChannel(name) for name in CHANNELS}

    def __getitem__(self, name: str) -> CapturingChannel:
        return self._channels[name]

    def __call__(self, name: str) -> CapturingChannel:
        if name not in self._channels:
            raise InvalidInput.of("channel", f"must be one of {', '.join(CHANNELS)}")
        return self._channels[name]


def detect_by_letters(text: str) -> Language | None:
    """A language detector without a model: Russian when most letters are Cyrillic,
    English when most are Latin, None when the text has no letters."""
    cyrillic = sum(1 for char in text if char.isalpha() and "\u0400" <= char <= "\u04ff")
    latin = sum(1 for char in text if char.isalpha() and char.isascii())
    if not cyrillic and not latin:
        return None
    return Language.RU if cyrillic > latin else Language.EN


# --- A context with the fakes ------------------------------------------------------------


def context(
    *,
    clock: Callable[[], datetime] | None = None,
    policy: Callable[[], Policy] | None = None,
    vendors: FakeVendors | None = None,
    channels: CapturingChannels | None = None,
    detect: Callable[[str], Language | None] = detect_by_letters,
    settings: Settings | Mapping[str, str] | None = None,
    database: Callable[[], Engine] | None = None,
) -> Context:
    """A Context for unit tests: a fresh, migrated SQLite file of its own (copied from one
    migrated once per process; removed when the context is garbage-collected), the
    shipped policy, FakeVendors, CapturingChannels, `detect_by_letters`, and settings
    from `settings` alone (never the process environment). The clock is the system's
    unless given; pass a FakeClock to move time."""
    from escalada.adapters.db.database import make_engine
    from escalada.adapters.policy_file import current_policy
    from escalada.bootstrap import wire

    configured = settings if isinstance(settings, Settings) else Settings.of(settings or {})
    directory: Path | None = None
    if database is None:
        directory = Path(tempfile.mkdtemp(prefix="escalada-ctx-"))
        shutil.copyfile(_migrated_sqlite(), directory / "escalada.db")
        url = f"sqlite:///{directory / 'escalada.db'}"

        def database() -> Engine:
            return make_engine(url)

    kwargs: dict[str, Any] = {} if clock is None else {"clock": clock}
    ctx = wire(database, policy or (lambda: current_policy(configured)), settings=configured,
               vendors=vendors if vendors is not None else FakeVendors(clock),
               channels=channels if channels is not None else CapturingChannels(),
               detect=detect, **kwargs)
    if directory is not None:
        weakref.finalize(ctx, _remove, ctx.__dict__, directory)
    return ctx


def _remove(state: dict[str, Any], directory: Path) -> None:
    engine = state.get("engine")
    if engine is not None:
        engine.dispose()
    shutil.rmtree(directory, ignore_errors=True)


@cache
def _migrated_sqlite() -> Path:
    """A SQLite file migrated to the newest schema, made once per process."""
    from escalada.adapters.db.database import ensure_schema, make_engine

    directory = Path(tempfile.mkdtemp(prefix="escalada-template-"))
    path = directory / "escalada.db"
    engine = make_engine(f"sqlite:///{path}")
    ensure_schema(engine)
    engine.dispose()  # the last connection closed folds the write-ahead log into the file
    weakref.finalize(_migrated_sqlite, shutil.rmtree, directory, True)
    return path


@dataclass
class ScratchDatabase:
    """A database of a benchmark's or a test's own, migrated and empty; `cleanup` ends it."""

    name: str
    engine: Engine
    cleanup: Callable[[], None] = field(default=lambda: None)

    @property
    def postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"


def scratch_postgres(url: str, say: Callable[[str], None] = print) -> ScratchDatabase | str:
    """The PostgreSQL database at `url` (created when missing), emptied and migrated; or
    why there is none (the server cannot be reached). Its `cleanup` drops the database
    (WITH (FORCE): a connection left open, a server not yet gone, does not keep it), so
    nothing stays on the server after the run."""
    from sqlalchemy import create_engine, make_url, text
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.pool import NullPool

    from escalada.adapters.db.database import ensure_schema, make_engine

    target = make_url(url)
    name = target.database
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT",
                          poolclass=NullPool)
    try:
        with admin.connect() as connection:
            exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                        {"name": name}).scalar()
            if not exists:
                say(f"postgresql: creating database {name}")
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except OperationalError as error:
        admin.dispose()
        return f"server unreachable: {str(error.orig).strip().splitlines()[0]}"
    engine = make_engine(url)

    def cleanup() -> None:
        engine.dispose()
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    try:
        with engine.begin() as connection:  # the database is the caller's own: start empty
            connection.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            connection.exec_driver_sql("CREATE SCHEMA public")
        ensure_schema(engine)
    except BaseException:
        cleanup()
        raise
    return ScratchDatabase("postgresql", engine, cleanup)


def scratch_sqlite(prefix: str) -> ScratchDatabase:
    """A fresh SQLite file (WAL, as escalada runs it) in a temporary directory."""
    import tempfile
    from pathlib import Path

    from escalada.adapters.db.database import ensure_schema, make_engine

    directory = tempfile.TemporaryDirectory(prefix=f"{prefix}-")
    engine = make_engine(f"sqlite:///{Path(directory.name) / 'escalada.db'}")
    ensure_schema(engine)

    def cleanup() -> None:
        engine.dispose()
        directory.cleanup()

    return ScratchDatabase("sqlite", engine, cleanup)


# --- Statements sent to the database ------------------------------------------------------


@dataclass
class Statements:
    """The statements an engine sent, in order (an executemany counts once)."""

    sql: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.sql)

    def __len__(self) -> int:
        return len(self.sql)

    def __str__(self) -> str:
        return "\n".join(f"{n:3}. {' '.join(sql.split())[:160]}"
                         for n, sql in enumerate(self.sql, 1))


@contextmanager
def count_statements(engine: Engine) -> Iterator[Statements]:
    """Count what `engine` sends while the block runs, by SQLAlchemy's cursor events:

        with count_statements(ctx.engine) as statements:
            cases.open_case(ctx=ctx, actor=ana, account="acme", severity="P1", title="...")
        assert statements.count <= 8, statements

    Every statement a cursor executes counts, SQLite's BEGIN IMMEDIATE included (PostgreSQL's
    driver begins implicitly); a commit or rollback is not a statement."""
    from sqlalchemy import event

    seen = Statements()

    def before_cursor_execute(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.sql.append(statement)

    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)
