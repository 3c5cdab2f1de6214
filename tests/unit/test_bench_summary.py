"""bench/summary.py: `make bench`'s one table from the figures the benchmarks reported."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


summary = load("summary")

LINES = [
    json.dumps({"bench": "cli", "figure": "escalada --help / bare interpreter, cold",
                "value": 6.14, "unit": "x", "goal": "<= 10x", "met": True, "note": ""}),
    "",
    json.dumps({"bench": "timers", "figure": "timers fired/s, one worker, PostgreSQL",
                "value": 1840.4, "unit": "/s", "goal": ">= 1,000", "met": True}),
    json.dumps({"bench": "cli", "figure": "escalada case show, cold", "value": 0.612,
                "unit": "s", "goal": "<= 0.5 s", "met": False, "note": "bare 18 ms"}),
    json.dumps({"bench": "timers", "figure": "lateness | p99", "value": None, "unit": "s",
                "goal": "< 1 s", "met": None, "note": "PostgreSQL not reachable"}),
    json.dumps({"bench": "writes", "figure": "open a case p50", "value": 16.04, "unit": "ms",
                "goal": "", "met": None, "note": "p95 20.1 ms"}),
]


def test_every_figure_is_a_row_with_its_goal_and_verdict() -> None:
    table = summary.rows(summary.read(LINES))
    assert table == [
        ("cli", "escalada --help / bare interpreter, cold", "6.14x", "<= 10x", "met"),
        ("timers", "timers fired/s, one worker, PostgreSQL", "1,840/s", ">= 1,000", "met"),
        ("cli", "escalada case show, cold", "0.612 s", "<= 0.5 s", "MISSED"),
        ("timers", "lateness | p99", "—", "< 1 s", "not measured: PostgreSQL not reachable"),
        ("writes", "open a case p50", "16 ms", "", "—"),
    ]


def test_a_failed_benchmark_is_a_missed_row() -> None:
    figures = summary.with_failures(summary.read(LINES[:1]), ["json_path"])
    assert summary.rows(figures)[-1] == (
        "json_path", "the benchmark failed (see its output above)", "—", "runs to the end",
        "MISSED")


def test_the_tables_for_a_terminal_and_for_markdown() -> None:
    figures = summary.read(LINES)
    text = summary.text_table(figures).splitlines()
    assert text[0].split() == ["benchmark", "figure", "value", "goal", "met"]
    assert len({line.index("<= 10x") for line in text if "<= 10x" in line}) == 1
    markdown = summary.markdown_table(figures).splitlines()
    assert markdown[:2] == ["| benchmark | figure | value | goal | met |",
                            "| --- | --- | --- | --- | --- |"]
    assert "lateness \\| p99" in markdown[-2]  # a | in a cell does not split it


def test_the_readme_block_is_replaced_and_the_rest_kept() -> None:
    readme = "# escalada\n\n<!-- bench:latest -->\nold table\n<!-- /bench:latest -->\nafter\n"
    replaced = summary.replace_block(readme, "new table\n")
    assert replaced == ("# escalada\n\n<!-- bench:latest -->\nnew table\n"
                        "<!-- /bench:latest -->\nafter\n")
    assert summary.replace_block(replaced, "new table\n") == replaced
    assert summary.replace_block("no markers\n", "new table\n") == "no markers\n"


@pytest.mark.parametrize("failed, code", [("", 0), (" cli", 1)])
def test_main_writes_latest_and_the_readme(tmp_path: Path, failed: str, code: int,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    results = tmp_path / "results.jsonl"
    results.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    readme = tmp_path / "README.md"
    readme.write_text("intro\n<!-- bench:latest -->\n<!-- /bench:latest -->\n", "utf-8")
    latest = tmp_path / "LATEST.md"
    assert summary.main([str(results), "--failed", failed, "--latest", str(latest),
                         "--readme", str(readme)]) == code
    written = latest.read_text(encoding="utf-8")
    assert "cores" in written and "load average" in written and "UTC" in written
    assert "| cli | escalada case show, cold | 0.612 s | <= 0.5 s | MISSED |" in written
    assert written.split("\n\n", 1)[1] in readme.read_text(encoding="utf-8")
    assert "escalada case show, cold" in capsys.readouterr().out
