"""Wires the context once: database, migrations, policy, clock."""

from __future__ import annotations

from typing import TYPE_CHECKING

from escalada.adapters.audit_keys import keyring_from_environ
from escalada.adapters.policy_file import current_policy
from escalada.services.context import Context

if TYPE_CHECKING:
    from sqlalchemy import Engine


def bootstrap(database_url: str | None = None, *, migrate: bool = True) -> Context:
    """A context on ESCALADA_DATABASE_URL (or the embedded SQLite file), opened and
    migrated on first use, with the audit keys of ESCALADA_AUDIT_KEYS."""

    def database() -> Engine:
        from escalada.adapters.db.database import (
            default_database_url,
            ensure_schema,
            make_engine,
        )

        engine = make_engine(database_url or default_database_url())
        if migrate:
            ensure_schema(engine)
        return engine

    return Context(database=database, policy=current_policy,
                   audit_keys=keyring_from_environ)
