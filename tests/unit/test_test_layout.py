"""The suite's own layout: pytest imports test modules by their file name (the test
directories are no packages), so two test files of the same name in different directories
stop the whole run at collection ("import file mismatch")."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_no_two_test_files_share_a_name() -> None:
    names = Counter(path.name for path in TESTS.rglob("test_*.py"))
    assert len(names) > 100  # the scan finds the suite
    assert not [name for name, count in names.items() if count > 1]
