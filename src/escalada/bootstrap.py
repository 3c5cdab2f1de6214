"""Wires the context once: database, migrations, policy, clock, token lifetimes."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from escalada.adapters.audit_keys import keyring_from_environ
from escalada.adapters.policy_file import current_policy
from escalada.domain.errors import InvalidInput
from escalada.services.context import Context, TokenLifetimes

if TYPE_CHECKING:
    from sqlalchemy import Engine

TOKEN_DAYS_ENV = "ESCALADA_TOKEN_DAYS"
TOKEN_MAX_DAYS_ENV = "ESCALADA_TOKEN_MAX_DAYS"
LONGEST_CONFIGURABLE_DAYS = 3650


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
                   audit_keys=keyring_from_environ,
                   tokens=token_lifetimes(os.environ))


def token_lifetimes(environ: Mapping[str, str]) -> TokenLifetimes:
    """ESCALADA_TOKEN_DAYS (default 90) and ESCALADA_TOKEN_MAX_DAYS (default 365)."""
    defaults = TokenLifetimes()
    longest = _days(environ, TOKEN_MAX_DAYS_ENV, fallback=defaults.longest_days,
                    most=LONGEST_CONFIGURABLE_DAYS)
    default = _days(environ, TOKEN_DAYS_ENV, fallback=min(defaults.default_days, longest),
                    most=longest)
    return TokenLifetimes(default_days=default, longest_days=longest)


def _days(environ: Mapping[str, str], name: str, *, fallback: int, most: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return fallback
    if not raw.isdigit() or not 1 <= int(raw) <= most:
        raise InvalidInput.of(name, f"must be a whole number of days from 1 to {most}")
    return int(raw)
