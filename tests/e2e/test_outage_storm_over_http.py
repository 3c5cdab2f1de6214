"""Issue 16's outage storm, whole and at full size: 2,000 signed Zendesk tickets from 300
accounts about one service and region, posted over HTTP to two `escalada serve` processes
with two `escalada worker` processes beside them, on PostgreSQL. It must come out as one
platform incident spanning every account, one case per ticket (none lost, none doubled)
and every case linked. bench/storm.py runs the same storm and times it; this test runs
that run on the test's own database and checks only its outcome, never its speed."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import func, select

from escalada.adapters.db.database import make_engine
from escalada.adapters.db.tables import CaseRow, IncidentCaseRow, IncidentRow
from escalada.testing import ScratchDatabase

STORM = Path(__file__).resolve().parents[2] / "bench" / "storm.py"


def storm_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_storm", STORM)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_storm"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_two_thousand_tickets_from_300_accounts_become_one_incident_with_every_case_linked(
    postgres_url: str,
) -> None:
    storm = storm_module()
    engine = make_engine(postgres_url)
    try:
        args = argparse.Namespace(tickets=2_000, accounts=300, servers=2, workers=2,
                                  clients=8)
        result = storm.bench(ScratchDatabase("postgresql", engine), args)

        assert result.problems == []
        assert result.to_incident is not None  # the incident exists, opened by a ticket
        with engine.connect() as connection:
            incidents = connection.execute(
                select(IncidentRow.service, IncidentRow.region, IncidentRow.accounts)).all()
            cases = connection.scalar(select(func.count()).select_from(CaseRow))
            links = connection.scalar(select(func.count()).select_from(IncidentCaseRow))
        assert [tuple(incident) for incident in incidents] == [("rds", "eu-central-1", 300)]
        assert (cases, links) == (2_000, 2_000)
    finally:
        engine.dispose()
