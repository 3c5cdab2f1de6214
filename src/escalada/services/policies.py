"""Policies frozen on cases: a case keeps the policy it opened under until its
clocks are recomputed on purpose (`escalada sla recompute`)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Executable, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from escalada.adapters.db.tables import CaseRow, PolicyRow
from escalada.domain.policy import Policy
from escalada.services.case_reads import KNOWN_POLICIES as _BY_ID
from escalada.services.case_reads import policy_from

_IDS: dict[int, tuple[Policy, str]] = {}  # id(policy) -> (policy kept alive, its digest)
# The policies known to be stored, by database: freezing one of them reads nothing.
_STORED: WeakKeyDictionary[Any, set[str]] = WeakKeyDictionary()


def digest(policy: Policy) -> str:
    """The sha256 of the policy's canonical JSON: equal policies, equal ids."""
    known = _IDS.get(id(policy))
    if known is not None and known[0] is policy:
        return known[1]
    document = policy.model_dump(mode="json", by_alias=True)
    value = hashlib.sha256(
        json.dumps(document, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    if len(_IDS) > 64:
        _IDS.clear()
    _IDS[id(policy)] = (policy, value)
    _BY_ID.setdefault(value, policy)
    return value


def freeze(session: Session, case: CaseRow, policy: Policy, now: datetime) -> None:
    """Put `policy` on the case, storing the policy document once."""
    policy_id = digest(policy)
    if case.policy_id == policy_id:
        return
    engine = session.get_bind()
    stored = _STORED.setdefault(engine, set())
    if policy_id not in stored:
        if session.get(PolicyRow, policy_id) is None:
            session.execute(_store(engine.dialect.name, policy_id, policy, now))
        else:  # committed: not asked again in this process
            stored.add(policy_id)
    case.policy_id, case.policy_version = policy_id, policy.version


def _store(dialect: str, policy_id: str, policy: Policy, now: datetime) -> Executable:
    """The insert of the policy document: built only when it is not stored yet."""
    values = {"id": policy_id, "version": policy.version,
              "document": policy.model_dump(mode="json", by_alias=True), "created_at": now}
    if dialect == "postgresql":
        return postgresql.insert(PolicyRow).values(values).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite.insert(PolicyRow).values(values).on_conflict_do_nothing()
    return insert(PolicyRow).values(values)  # pragma: no cover - escalada runs on the two


def policy_of(session: Session, case: CaseRow, current: Policy) -> Policy:
    """The policy the case runs on; `current` for a case stored before policies froze."""
    policy_id = case.policy_id
    return policy_from(policy_id, lambda: current,
                       lambda: session.get_one(PolicyRow, policy_id).document)
