"""Laying out a page collects garbage less often (adapters.reports.collecting_less), and
the collector's thresholds come back once the last page being laid out is done, however
the layouts overlap."""

from __future__ import annotations

import gc

from escalada.adapters.reports import collecting_less


def test_the_thresholds_come_back_after_the_last_of_overlapping_layouts() -> None:
    before = gc.get_threshold()
    first, second = collecting_less(), collecting_less()
    first.__enter__()
    assert gc.get_threshold()[0] >= 50 * before[0]
    second.__enter__()
    first.__exit__(None, None, None)  # the first done while the second still lays out
    assert gc.get_threshold()[0] >= 50 * before[0]
    second.__exit__(None, None, None)
    assert gc.get_threshold() == before


def test_the_thresholds_come_back_when_a_layout_fails() -> None:
    before = gc.get_threshold()
    try:
        with collecting_less():
            raise RuntimeError("Pango is missing")
    except RuntimeError:
        pass
    assert gc.get_threshold() == before
