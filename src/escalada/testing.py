"""Test doubles shipped as real code: a clock that only moves when told."""

from __future__ import annotations

from datetime import datetime, timedelta


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
