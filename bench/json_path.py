"""The JSON path: serialising a big list response three ways (issue 13, part 6).

Run: python bench/json_path.py [--rows N] [--repeat R]

A list of N case summaries (`services.case_board.CaseSummaryView`, what `GET /api/v1/cases`
returns; 10,000 by default) is turned into the response body:

- **FastAPI's default**: the route declares its return type, and FastAPI (0.130 and later)
  has pydantic serialise the validated value straight to JSON bytes (`dump_json`);
- **ORJSONResponse**: pydantic dumps it to Python values in JSON mode, then orjson encodes
  them (what `response_class=ORJSONResponse` does);
- **stdlib json**: the same Python values through `json.dumps`, as `JSONResponse` renders.

Each is timed twice: the serialisation alone, and a whole GET through the ASGI app
(routing, validation of the returned value, serialisation, the response; no HTTP client or
socket): R rounds, each path in turn, in CPU time; best and median shown. The bodies are
checked to parse to the same document. Goal: FastAPI's default, the path escalada's routes
take, within 10% of the fastest GET (medians), i.e. orjson after pydantic would not pay
for itself. (The board's page, `GET /api/v1/cases`, skips pydantic: its lines' own fields
go to orjson, api/board.py's page_json.) BENCH_QUICK=1 uses 2,000 rows and 3 passes.
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
import asyncio
import json
import os
import statistics
import time
import warnings
from collections.abc import Callable, MutableMapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import orjson
from fastapi import FastAPI
from fastapi.exceptions import FastAPIDeprecationWarning
from fastapi.responses import JSONResponse, ORJSONResponse
from pydantic import TypeAdapter
from results import report

from escalada.services.case_board import CaseSummaryView

GOAL = 1.10  # FastAPI's default path at most 10% slower than the fastest of the three


def summaries(count: int) -> list[CaseSummaryView]:
    """`count` varied case summaries, whatever fields the view has today."""
    start = datetime(2026, 11, 1, tzinfo=UTC)
    rows = []
    for number in range(count):
        document: dict[str, Any] = {}
        for name, info in CaseSummaryView.model_fields.items():
            kind = str(info.annotation)
            if "datetime" in kind:
                document[name] = start + timedelta(minutes=7 * number)
            elif "Decimal" in kind:
                document[name] = Decimal(number * 125) / 100
            elif "int" in kind:
                document[name] = number
            elif name == "title":
                document[name] = f"Отказ платёжного шлюза: 502 на /v1/payments ({number})"
            else:
                document[name] = f"{name}-{number % 50}"
        document.update(id=f"CASE-{number}", severity=("P1", "P2", "P3", "P4")[number % 4])
        rows.append(CaseSummaryView.model_validate(document))
    return rows


def app_for(rows: list[CaseSummaryView]) -> FastAPI:
    """Three routes returning the same list, each with one of the response paths."""
    app = FastAPI()

    @app.get("/default")
    def default() -> list[CaseSummaryView]:
        return rows

    @app.get("/orjson", response_class=ORJSONResponse)
    def with_orjson() -> list[CaseSummaryView]:
        return rows

    @app.get("/json", response_class=JSONResponse)
    def with_json() -> list[CaseSummaryView]:
        return rows

    return app


def get(app: FastAPI, path: str) -> bytes:
    """One GET through the ASGI app, no client: the body it sends."""
    body = bytearray()
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(),
             "root_path": "", "query_string": b"", "headers": [(b"host", b"bench")],
             "server": ("bench", 80), "client": ("127.0.0.1", 1)}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.body":
            body.extend(message.get("body", b""))
        elif message["type"] == "http.response.start":
            assert message["status"] == 200, message

    asyncio.run(app(scope, receive, send))
    return bytes(body)


def timed(run: Callable[[], bytes]) -> float:
    """CPU seconds of one run (the process's, every thread's): time the machine gave other
    work meanwhile is not counted."""
    started = time.process_time()
    run()
    return time.process_time() - started


def main() -> int:
    quick = os.environ.get("BENCH_QUICK") == "1"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000 if quick else 10_000)
    parser.add_argument("--repeat", type=int, default=3 if quick else 15)
    args = parser.parse_args()
    # FastAPI deprecates ORJSONResponse, saying its default is faster: what this measures.
    warnings.simplefilter("ignore", FastAPIDeprecationWarning)

    rows = summaries(args.rows)
    adapter = TypeAdapter(list[CaseSummaryView])
    app = app_for(rows)
    paths: dict[str, dict[str, Callable[[], bytes]]] = {
        "FastAPI's default (pydantic to JSON bytes)": {
            "alone": lambda: adapter.dump_json(rows, by_alias=True),
            "GET": lambda: get(app, "/default")},
        "ORJSONResponse (pydantic to Python, orjson)": {
            "alone": lambda: orjson.dumps(adapter.dump_python(rows, mode="json", by_alias=True)),
            "GET": lambda: get(app, "/orjson")},
        "stdlib json (pydantic to Python, json.dumps)": {
            "alone": lambda: json.dumps(adapter.dump_python(rows, mode="json", by_alias=True),
                                        ensure_ascii=False, allow_nan=False,
                                        separators=(",", ":")).encode(),
            "GET": lambda: get(app, "/json")},
    }
    results: dict[str, dict[str, tuple[float, float]]] = {}
    document = None
    for name, ways in paths.items():  # one warm-up of each; the same document from all
        for way, run in ways.items():
            body = run()
            parsed = json.loads(body)
            document = parsed if document is None else document
            if parsed != document:
                raise SystemExit(f"{name} ({way}) gives another document")
            size = len(body)
    seconds: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.repeat):  # in turn, so that the machine's drift falls on all alike
        for name, ways in paths.items():
            for way, run in ways.items():
                seconds.setdefault((name, way), []).append(timed(run))
    for (name, way), values in seconds.items():
        results.setdefault(name, {})[way] = (min(values), statistics.median(values))

    print(f"a list of {args.rows:,} case summaries, {size / 1e6:.2f} MB of JSON; CPU time, "
          f"best and median of {args.repeat} rounds ({os.cpu_count()} cores, load "
          f"{os.getloadavg()[0]:.2f})")
    print(f"{'path':<46}{'alone best':>12}{'median':>9}{'GET best':>11}{'median':>9}")
    for name, figures in results.items():
        (alone, alone_median), (whole, whole_median) = figures["alone"], figures["GET"]
        print(f"{name:<46}{alone * 1000:>10.2f}ms{alone_median * 1000:>7.2f}ms"
              f"{whole * 1000:>9.2f}ms{whole_median * 1000:>7.2f}ms")
    names = list(results)
    default = results[names[0]]["GET"][1]
    fastest = min(ways["GET"][1] for ways in results.values())
    met = default <= fastest * GOAL
    print(f"\ngoal: FastAPI's default within {GOAL - 1:.0%} of the fastest GET (medians): "
          f"{default / fastest:.2f}x the fastest ({'met' if met else 'MISSED'}; orjson "
          f"{results[names[1]]['GET'][1] / default:.2f}x and stdlib json "
          f"{results[names[2]]['GET'][1] / default:.2f}x FastAPI's default)")
    report("json_path", f"GET of {args.rows:,} case summaries, FastAPI's default", round(
        default * 1000, 2), "ms", "within 10% of the fastest path", met,
        f"orjson {results[names[1]]['GET'][1] * 1000:.2f} ms, stdlib json "
        f"{results[names[2]]['GET'][1] * 1000:.2f} ms (CPU, median of {args.repeat})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
