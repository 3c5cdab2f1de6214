"""Cold starts of the `escalada` command against a bare interpreter of the same venv.

Run: python bench/cli.py [--runs N] [--compare OTHER_SRC] [--imports]

Times whole processes, as a person at a terminal waits for them: `python -c pass`,
`escalada --help`, `escalada case show CASE` and `escalada case list` on a SQLite file
seeded by the checkout under test (a few accounts and cases), one after another in each
round so that the machine's drift touches them alike. Prints the median and p95 of each,
its ratio to the bare interpreter, and the goals (issue 13: `--help` at most 10x the bare
interpreter, a read command cold in at most 0.5 s).

--compare OTHER_SRC runs the same commands with another checkout's src/ first on the
path (e.g. main's, before a change) in the same rounds, each on a file it seeded itself,
and prints this checkout's time over the other's. --imports prints what `case show`
imports, grouped by package, slowest first (python -X importtime). BENCH_QUICK=1 runs 5
rounds instead of 20.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Python puts this directory first on the path, and its calendar.py would shadow the
# standard library's calendar module.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)
sys.path.append(str(Path(__file__).resolve().parent))  # results.py, after the standard library

import argparse
import os
import re
import resource
import statistics
import subprocess
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field

from results import report

HERE_SRC = Path(__file__).resolve().parent.parent / "src"
ESCALADA = Path(sys.executable).with_name("escalada")
HELP_RATIO_GOAL = 10.0  # escalada --help / python -c pass, medians
COLD_GOAL = 0.5  # seconds, median of a read command's cold start
ACTOR = "bench"

# Run in a process of its own with the checkout's src first on the path: seeds the SQLite
# file through that checkout's own commands (in-process), so that its schema is that
# checkout's, and prints the id of a case to show.
SEED = """
import sys
from typer.testing import CliRunner
from escalada.entrypoints.cli.app import app

def run(*args):
    done = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert done.exit_code == 0, (args, done.output)
    return done.stdout

run("user", "add", "bench", "--role", "admin")
for number in range(3):
    run("account", "add", "--id", f"acct-{number}", "--name", f"Account {number}",
        "--tier", "enterprise", "--plan", "enterprise", "--timezone", "Europe/Moscow",
        "--country", "RU", "--language", "ru")
import json
ids = [json.loads(run("case", "open", "--account", f"acct-{number % 3}", "--severity",
                      ("P1", "P2", "P3")[number % 3], "--title", f"Case {number}", "--service",
                      "compute", "--flag", "customer_requested_escalation", "--format",
                      "json"))["snapshot"]["id"] for number in range(12)]
print(ids[0])
"""


@dataclass
class Checkout:
    """One checkout's src/ and the SQLite file it seeded."""

    name: str
    src: Path
    env: dict[str, str] = field(default_factory=dict)
    case: str = ""

    def seed(self, directory: Path) -> None:
        # Bytecode as a user's machine has it after a first run (where PYTHONDONTWRITEBYTECODE
        # is set, nothing else would write it, and every run would compile escalada anew).
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(self.src)], check=True)
        database = directory / f"{self.name}.db"
        self.env = {**os.environ, "PYTHONPATH": str(self.src), "ESCALADA_USER": ACTOR,
                    "ESCALADA_DATABASE_URL": f"sqlite:///{database}"}
        for name in ("ESCALADA_POLICY", "PYTHONDONTWRITEBYTECODE", "COLUMNS"):
            self.env.pop(name, None)
        done = subprocess.run([sys.executable, "-c", SEED], env=self.env, capture_output=True,
                              text=True, timeout=300, check=False)
        if done.returncode != 0:
            raise SystemExit(f"seeding {self.name} ({self.src}) failed:\n{done.stderr}")
        self.case = done.stdout.split()[-1]

    def commands(self) -> dict[str, list[str]]:
        return {"escalada --help": [str(ESCALADA), "--help"],
                "escalada case show": [str(ESCALADA), "case", "show", self.case],
                "escalada case list": [str(ESCALADA), "case", "list"]}


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds, and CPU seconds (user + system) of the process: on a busy machine the
    CPU time says what the command costs when the wall time also says how long it waited."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, timeout=120, check=False)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited {done.returncode}:\n"
                         f"{done.stderr.decode(errors='replace')}")
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def top_imports(checkout: Checkout, args: list[str], count: int = 15) -> list[tuple[str, float]]:
    """Seconds of import (each module's own time) by package, slowest first; escalada's
    modules by module."""
    probe = ("import sys; sys.argv = ['escalada', *sys.argv[1:]]\n"
             "from escalada.entrypoints.cli import main\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n")
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", probe, *args],
                          env=checkout.env, capture_output=True, text=True, timeout=120,
                          check=False)
    by_package: dict[str, float] = defaultdict(float)
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", line)
        if match:
            name = match.group(2)
            key = name if name.startswith("escalada.") else name.split(".")[0]
            by_package[key] += int(match.group(1)) / 1e6
    total = sum(by_package.values())
    return [("(all imports)", total),
            *sorted(by_package.items(), key=lambda item: -item[1])[:count]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    quick = os.environ.get("BENCH_QUICK") == "1"
    parser.add_argument("--runs", type=int, default=5 if quick else 20,
                        help="rounds (each runs every command once)")
    parser.add_argument("--compare", type=Path, metavar="OTHER_SRC",
                        help="another checkout's src/ to time side by side")
    parser.add_argument("--imports", action="store_true",
                        help="print what case show and --help import, by package")
    args = parser.parse_args()

    checkouts = [Checkout("this", HERE_SRC)]
    if args.compare is not None:
        checkouts.append(Checkout("other", args.compare.resolve()))
    with tempfile.TemporaryDirectory(prefix="escalada-bench-cli-") as directory:
        for checkout in checkouts:
            checkout.seed(Path(directory))
        bare = [sys.executable, "-c", "pass"]
        times: dict[tuple[str, str], list[float]] = defaultdict(list)
        cpu: dict[tuple[str, str], list[float]] = defaultdict(list)
        for checkout in checkouts:  # one warm-up of each: the page cache, the bytecode
            for command in checkout.commands().values():
                timed(command, checkout.env)
        for _ in range(args.runs):
            wall, used = timed(bare, checkouts[0].env)
            times[("", "python -c pass")].append(wall)
            cpu[("", "python -c pass")].append(used)
            for checkout in checkouts:
                for name, command in checkout.commands().items():
                    wall, used = timed(command, checkout.env)
                    times[(checkout.name, name)].append(wall)
                    cpu[(checkout.name, name)].append(used)
        if args.imports:
            for checkout in checkouts:
                for what in (["--help"], ["case", "show", checkout.case]):
                    print(f"\nimports of escalada {' '.join(what)} ({checkout.name}: "
                          f"{checkout.src}), own time by package:")
                    for name, seconds in top_imports(checkout, what):
                        print(f"  {seconds * 1000:8.1f} ms  {name}")

    bare_median = statistics.median(times[("", "python -c pass")])
    print(f"\ncold starts, {args.runs} rounds ({os.cpu_count()} cores, load "
          f"{os.getloadavg()[0]:.2f}); src {HERE_SRC}"
          + (f" against {checkouts[1].src}" if len(checkouts) > 1 else ""))
    header = f"{'command':<24}{'':>7}{'median s':>10}{'p95 s':>9}{'/ bare':>9}{'cpu s':>8}"
    if len(checkouts) > 1:
        header += f"{'this / other':>14}"
    print(header)
    for (who, name), values in times.items():
        median = statistics.median(values)
        line = f"{name:<24}{who:>7}{median:>10.3f}{p95(values):>9.3f}" \
               f"{median / bare_median:>8.1f}x{statistics.median(cpu[(who, name)]):>8.3f}"
        if who == "this" and len(checkouts) > 1:
            other = statistics.median(times[("other", name)])
            line += f"{median / other:>13.2f}x"
        print(line)

    help_ratio = statistics.median(times[("this", "escalada --help")]) / bare_median
    show = statistics.median(times[("this", "escalada case show")])
    listing = statistics.median(times[("this", "escalada case list")])
    verdict = {True: "met", False: "MISSED"}
    print(f"\ngoals: --help / bare {help_ratio:.1f}x (<= {HELP_RATIO_GOAL:.0f}x: "
          f"{verdict[help_ratio <= HELP_RATIO_GOAL]}); case show {show:.3f} s (<= "
          f"{COLD_GOAL} s: {verdict[show <= COLD_GOAL]}); case list {listing:.3f} s (<= "
          f"{COLD_GOAL} s: {verdict[listing <= COLD_GOAL]})")
    baseline = f"bare interpreter {bare_median * 1000:.0f} ms, median of {args.runs}"
    report("cli", "escalada --help / bare interpreter, cold", round(help_ratio, 2), "x",
           f"<= {HELP_RATIO_GOAL:.0f}x", help_ratio <= HELP_RATIO_GOAL, baseline)
    for name, seconds in (("case show", show), ("case list", listing)):
        used = statistics.median(cpu[("this", f"escalada {name}")])
        report("cli", f"escalada {name}, cold (12 cases)", round(seconds, 3), "s",
               f"<= {COLD_GOAL} s", seconds <= COLD_GOAL,
               f"{used:.2f} s of CPU; wall {p95(times[('this', f'escalada {name}')]):.2f} s "
               f"p95; {baseline}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
