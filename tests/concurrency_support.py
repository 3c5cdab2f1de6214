"""Calls started at the same moment, for the tests of races between writers."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


def run_at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Start every call at the same moment, each in its own thread; results or errors."""
    start = threading.Barrier(len(calls))
    outcomes: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        start.wait()
        try:
            outcomes[index] = call()
        except Exception as error:
            outcomes[index] = error

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a call never finished"
    return outcomes
