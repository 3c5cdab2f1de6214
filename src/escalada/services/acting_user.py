"""Who the CLI acts as (--as / ESCALADA_USER), read in plain SQL (adapters.db.reads): every
CLI command asks this first, so it imports nothing it does not need."""

from __future__ import annotations

from escalada.adapters.db import reads
from escalada.domain.errors import Unauthenticated
from escalada.domain.words import Words
from escalada.services.context import Actor, Context


def actor_named(*, ctx: Context, name: str) -> Actor:
    """The CLI's user (--as / ESCALADA_USER), checked like a token's."""
    with ctx.plain_reading() as db:
        user = reads.user(db, name)
        if user is None:
            hint = (Words("ask an admin for `escalada user add`") if reads.user_count(db) else
                    Words("no users yet: add the first admin with "
                          "`escalada user add NAME --role admin`"))
            raise Unauthenticated.of("no user {name!r} ({hint})", name=name, hint=hint)
    if user.disabled_at is not None:
        raise Unauthenticated.of("user {name} is disabled", name=name)
    return Actor(user.name, user.role)
