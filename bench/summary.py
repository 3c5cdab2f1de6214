"""`make bench`'s one table: every figure the benchmarks reported (bench/results.py), with
its goal and whether it was met, and the machine it ran on.

Run: python bench/summary.py RESULTS.jsonl [--failed "NAME ..."] [--latest bench/LATEST.md]
[--readme README.md]. Prints the table, writes it to LATEST.md with the machine (cores, CPU
model, load) and the date, and puts it in the README between `<!-- bench:latest -->` and
`<!-- /bench:latest -->`. A benchmark named in --failed (it exited non-zero) gets a row
saying so, and this exits 1; a missed goal is a figure, not a failure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
START, END = "<!-- bench:latest -->", "<!-- /bench:latest -->"
COLUMNS = ("benchmark", "figure", "value", "goal", "met")


@dataclass(frozen=True)
class Figure:
    bench: str
    figure: str
    value: float | None
    unit: str
    goal: str
    met: bool | None
    note: str = ""


def read(lines: list[str]) -> list[Figure]:
    """The figures of a results file (one JSON object a line; blank lines skipped)."""
    figures = []
    for line in lines:
        if line.strip():
            item: dict[str, Any] = json.loads(line)
            figures.append(Figure(item["bench"], item["figure"], item.get("value"),
                                  item.get("unit", ""), item.get("goal", ""),
                                  item.get("met"), item.get("note", "")))
    return figures


def with_failures(figures: list[Figure], failed: list[str]) -> list[Figure]:
    """The figures, then a row for each benchmark that exited with an error."""
    return [*figures, *(Figure(name, "the benchmark failed (see its output above)", None, "",
                               "runs to the end", False) for name in failed)]


def value_text(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    number = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
    if unit in ("x", "%") or unit.startswith("/"):
        return f"{number}{unit}"
    return f"{number} {unit}".rstrip()


def verdict(figure: Figure) -> str:
    if figure.met is None and figure.value is not None:
        return "—"  # a figure shown beside the others, with no goal of its own
    if figure.met is None:
        return f"not measured: {figure.note}" if figure.note else "not measured"
    return "met" if figure.met else "MISSED"


def rows(figures: list[Figure]) -> list[tuple[str, str, str, str, str]]:
    return [(f.bench, f.figure, value_text(f.value, f.unit), f.goal, verdict(f))
            for f in figures]


def text_table(figures: list[Figure]) -> str:
    """The table for a terminal: aligned columns."""
    body = rows(figures)
    widths = [max(len(row[i]) for row in [COLUMNS, *body]) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
             .rstrip() for row in [COLUMNS, *body]]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def markdown_table(figures: list[Figure]) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + " --- |" * len(COLUMNS)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows(figures)]
    return "\n".join(lines)


def machine() -> str:
    """Cores, CPU model and load average of this machine, and the date (UTC)."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = "/".join(f"{value:.2f}" for value in os.getloadavg())
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (f"{when} on {os.cpu_count()} cores, {model} (load average {load} over 1/5/15 "
            f"minutes at the end), Python {platform.python_version()}")


def block(figures: list[Figure], on: str) -> str:
    """What goes between the README's markers and into LATEST.md."""
    return f"`make bench`, {on}:\n\n{markdown_table(figures)}\n"


def replace_block(text: str, content: str) -> str:
    """`text` with what lies between the markers replaced by `content`; unchanged when a
    marker is missing."""
    start, end = text.find(START), text.find(END)
    if start == -1 or end < start:
        return text
    return f"{text[:start + len(START)]}\n{content}{text[end:]}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("--failed", default="", help="names of benchmarks that failed")
    parser.add_argument("--latest", type=Path, default=ROOT / "bench" / "LATEST.md")
    parser.add_argument("--readme", type=Path, default=ROOT / "README.md")
    args = parser.parse_args(argv)

    lines = args.results.read_text(encoding="utf-8").splitlines() \
        if args.results.exists() else []
    failed = args.failed.split()
    figures = with_failures(read(lines), failed)
    on = machine()
    print(f"\nevery benchmark's figures ({on}):\n")
    print(text_table(figures))
    content = block(figures, on)
    args.latest.write_text(f"# Latest benchmark figures\n\n{content}", encoding="utf-8")
    readme = args.readme.read_text(encoding="utf-8")
    replaced = replace_block(readme, content)
    if replaced == readme and START not in readme:
        print(f"\n{args.readme} has no {START} ... {END} block: not updated", file=sys.stderr)
    args.readme.write_text(replaced, encoding="utf-8")
    print(f"\nwritten to {args.latest} and {args.readme}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
