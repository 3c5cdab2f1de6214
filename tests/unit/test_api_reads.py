"""Where a request's reading runs (api.deps.read): on SQLite on the event loop itself,
where a thread would add only its hop; on PostgreSQL, whose reads wait for the server,
in the thread pool so that the loop goes on serving."""

from __future__ import annotations

import asyncio
import threading
import time
from types import SimpleNamespace

import pytest

from escalada.adapters.db.database import make_engine, reads_in_place
from escalada.entrypoints.api.deps import DATABASE_THREADS, read, write


def _thread_of_reading(in_place: bool) -> tuple[int, int, str]:
    context = SimpleNamespace(reads_in_place=in_place)

    async def request() -> tuple[int, int, str]:
        loop_thread = threading.get_ident()
        reading_thread, answer = await read(
            context, lambda word: (threading.get_ident(), word.upper()), "page")  # type: ignore[arg-type]
        return loop_thread, reading_thread, answer

    return asyncio.run(request())


def test_a_sqlite_read_runs_on_the_event_loop() -> None:
    loop_thread, reading_thread, answer = _thread_of_reading(in_place=True)
    assert reading_thread == loop_thread
    assert answer == "PAGE"


def test_a_postgresql_read_runs_in_the_thread_pool() -> None:
    loop_thread, reading_thread, answer = _thread_of_reading(in_place=False)
    assert reading_thread != loop_thread
    assert answer == "PAGE"


def test_a_reading_that_fails_fails_the_request_on_either_path() -> None:
    def broken() -> None:
        raise LookupError("no such page")

    for in_place in (True, False):
        with pytest.raises(LookupError, match="no such page"):
            asyncio.run(read(SimpleNamespace(reads_in_place=in_place), broken))  # type: ignore[arg-type]


@pytest.mark.parametrize(("url", "in_place"), [
    ("sqlite:///{tmp}/escalada.db", True),
    ("postgresql+psycopg://postgres@127.0.0.1:5432/nowhere", False),
])
def test_only_sqlite_reads_in_place(tmp_path: object, url: str, in_place: bool) -> None:
    engine = make_engine(url.format(tmp=tmp_path))  # no connection is made
    try:
        assert reads_in_place(engine) is in_place
    finally:
        engine.dispose()


def test_at_most_database_threads_postgresql_requests_work_at_once() -> None:
    """More requests than DATABASE_THREADS at once: the rest wait for a free thread
    rather than each handing the interpreter's lock back and forth with the others."""
    context = SimpleNamespace(reads_in_place=False, writes_in_place=False)
    lock = threading.Lock()
    running = [0]
    most = [0]

    def work(number: int) -> int:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return number

    async def requests() -> list[int]:
        asked = [read(context, work, n) if n % 2 else write(context, work, n)  # type: ignore[arg-type]
                 for n in range(4 * DATABASE_THREADS)]
        return list(await asyncio.gather(*asked))

    assert asyncio.run(requests()) == list(range(4 * DATABASE_THREADS))
    assert most[0] == DATABASE_THREADS
