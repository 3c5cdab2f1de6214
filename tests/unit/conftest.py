"""Builders and fixtures for the pure, database-free unit tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from escalada.adapters.policy_file import default_policy_path, load_policy
from escalada.domain.engine import Evaluation, evaluate
from escalada.domain.policy import Policy
from escalada.domain.snapshot import CaseSnapshot

# A Thursday, so that business-hours clocks run from the start.
OPENED_AT = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)

DEFAULT_ACCOUNT: dict[str, Any] = {
    "id": "acme",
    "name": "Acme Corp",
    "tier": "standard",
    "support_plan": "enterprise",
    "timezone": "UTC",
}

# A quiet case: nothing fires at its opening, so each test adds only what it is about.
DEFAULT_CASE: dict[str, Any] = {
    "id": "CASE-1",
    "severity": "P1",
    "status": "investigating",
    "tier": "T1",
    "exec_level": None,
    "opened_at": OPENED_AT,
}


class CaseBuilder:
    """Makes a CaseSnapshot from quiet defaults; `account=` overrides merge into the account."""

    opened_at = OPENED_AT

    def __call__(self, **overrides: Any) -> CaseSnapshot:
        account = {**DEFAULT_ACCOUNT, **overrides.pop("account", {})}
        return CaseSnapshot.model_validate({**DEFAULT_CASE, **overrides, "account": account})

    def after(self, minutes: float = 0, **delta: float) -> datetime:
        """The moment `minutes` (and any other timedelta parts) after the default opening."""
        return self.opened_at + timedelta(minutes=minutes, **delta)


@pytest.fixture(scope="session")
def policy() -> Policy:
    return load_policy(default_policy_path())


@pytest.fixture
def make_case() -> CaseBuilder:
    return CaseBuilder()


Recommend = Callable[..., dict[str, dict[str, Any]]]


@pytest.fixture
def evaluation_at(policy: Policy) -> Callable[..., Evaluation]:
    """Evaluate a case with the default policy, one minute after opening unless told."""

    def run(case: CaseSnapshot, at: datetime | None = None, with_policy: Policy | None = None):
        moment = at if at is not None else case.opened_at + timedelta(minutes=1)
        return evaluate(case, with_policy or policy, moment)

    return run


@pytest.fixture
def recommend(evaluation_at: Callable[..., Evaluation]) -> Recommend:
    """The recommendations as JSON documents (DESIGN.md 1.2), keyed by track."""

    def run(case: CaseSnapshot, at: datetime | None = None, with_policy: Policy | None = None):
        document = evaluation_at(case, at, with_policy).as_json()
        by_track: dict[str, dict[str, Any]] = {}
        for recommendation in document["recommendations"]:
            assert recommendation["track"] not in by_track, "two recommendations on one track"
            by_track[recommendation["track"]] = recommendation
        return by_track

    return run


@pytest.fixture
def fired(recommend: Recommend) -> Callable[..., set[str]]:
    """Every criterion id named by any recommendation for the case."""

    def run(case: CaseSnapshot, at: datetime | None = None) -> set[str]:
        return {c for rec in recommend(case, at).values() for c in rec["criteria"]}

    return run
