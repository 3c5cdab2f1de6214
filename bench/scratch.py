"""The databases a benchmark measures on: a SQLite file in a temporary directory (deleted
after the run), then a PostgreSQL database of the benchmark's own (bench_<name> on the local
server by default, created when missing, emptied and migrated at the start of each run and
dropped at its end).
`--skip-sqlite`, `--skip-postgres` and `--postgres-url` choose them; a PostgreSQL server
that cannot be reached is a skip, with why (never a failure)."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from escalada.testing import ScratchDatabase, scratch_postgres, scratch_sqlite

T = TypeVar("T")
Opener = Callable[[], ScratchDatabase | str]
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_{name}"


def database_options(parser: argparse.ArgumentParser, bench: str, *,
                     sqlite: bool = True) -> None:
    """The options choosing the databases (`sqlite=False`: SQLite always runs)."""
    if sqlite:
        parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--postgres-url", default=POSTGRES_URL.format(name=bench))


def openers(options: argparse.Namespace, bench: str,
            say: Callable[[str], None] = print) -> list[tuple[str, Opener]]:
    """(sqlite | postgresql, what makes a fresh one) for each database the options choose;
    `say` hears of a PostgreSQL database being created."""
    chosen: list[tuple[str, Opener]] = []
    if not getattr(options, "skip_sqlite", False):
        chosen.append(("sqlite", lambda: scratch_sqlite(f"bench-{bench}")))
    if not options.skip_postgres:
        chosen.append(("postgresql", lambda: scratch_postgres(options.postgres_url, say)))
    return chosen


@contextmanager
def scratch(opener: Opener) -> Iterator[ScratchDatabase | str]:
    """A fresh database for the block (or why there is none), let go after it (its
    connections closed, a SQLite file deleted, a PostgreSQL database dropped)."""
    database = opener()
    try:
        yield database
    finally:
        if not isinstance(database, str):
            database.cleanup()


def on_each_database(
    options: argparse.Namespace, bench: str, run: Callable[[ScratchDatabase], T], *,
    skipped: Callable[[str, str], None] | None = None, say: Callable[[str], None] = print,
) -> tuple[list[T], dict[str, str]]:
    """`run` on a fresh database of each kind the options choose, in turn: what each run
    returned, and why each database that could not be had was skipped (`skipped` is told
    of each as it happens)."""
    results: list[T] = []
    skips: dict[str, str] = {}
    for name, opener in openers(options, bench, say):
        with scratch(opener) as database:
            if isinstance(database, str):
                skips[name] = database
                if skipped is not None:
                    skipped(name, database)
            else:
                results.append(run(database))
    return results, skips
