"""Wires the context once: database, migrations, policy, clock."""

from __future__ import annotations

from escalada.adapters.db.database import default_database_url, ensure_schema, make_engine
from escalada.adapters.policy_file import current_policy
from escalada.services.context import Context


def bootstrap(database_url: str | None = None, *, migrate: bool = True) -> Context:
    """A ready context on ESCALADA_DATABASE_URL (or the embedded SQLite file)."""
    engine = make_engine(database_url or default_database_url())
    if migrate:
        ensure_schema(engine)
    return Context(engine=engine, policy=current_policy)
