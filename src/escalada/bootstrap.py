"""The composition root: wires the one Context a process runs its use cases with
(database, migrations, policy, settings, vendors, channels, language detector, clock,
token lifetimes, audit keys, and the timer planning done before each commit)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from escalada.adapters.audit_keys import keyring_from_settings
from escalada.domain.audit import Keyring
from escalada.domain.model import Language
from escalada.services.context import (
    Context,
    Detect,
    TokenLifetimes,
    no_audit_keys,
    system_clock,
)
from escalada.settings import LONGEST_CONFIGURABLE_DAYS, Settings

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from escalada.adapters.channels import Channel, Channels
    from escalada.adapters.db.plain import Reader
    from escalada.adapters.vendors import VendorClient, Vendors
    from escalada.adapters.vendors.health import HealthFeed, HealthFeeds
    from escalada.domain.policy import Policy

__all__ = ["LONGEST_CONFIGURABLE_DAYS", "bootstrap", "detect_language", "token_lifetimes",
           "wire"]


def bootstrap(database_url: str | None = None, *, migrate: bool = True) -> Context:
    """The context of this process: its settings read once from the environment, the
    database at ESCALADA_DATABASE_URL (or the embedded SQLite file) opened and migrated
    on first use, and the real vendors and channels. Until something opens the engine,
    plain reads (a CLI read command's) go on a connection of their own, without
    SQLAlchemy."""
    settings = Settings()
    tokens = settings.token_lifetimes()
    url: list[str] = []  # found once

    def direct_reads() -> AbstractContextManager[Reader | None]:
        from escalada.adapters.db.plain import connect, default_database_url

        if not url:
            url.append(database_url or default_database_url(settings))
        return connect(url[0])

    def database() -> Engine:
        from escalada.adapters.db.database import (
            default_database_url,
            ensure_schema,
            make_engine,
        )

        engine = make_engine(database_url or default_database_url(settings))
        if migrate:
            ensure_schema(engine)
        return engine

    return replace(
        wire(database, lambda: current_policy(settings), settings=settings, tokens=tokens,
             audit_keys=lambda: keyring_from_settings(settings)),
        direct_reads=direct_reads)


def wire(
    database: Callable[[], Engine],
    policy: Callable[[], Policy] | None = None,
    clock: Callable[[], datetime] = system_clock,
    *,
    settings: Settings | None = None,
    vendors: Vendors | None = None,
    health_feeds: HealthFeeds | None = None,
    channels: Channels | None = None,
    detect: Detect | None = None,
    tokens: TokenLifetimes | None = None,
    audit_keys: Callable[[], Keyring] | None = None,
) -> Context:
    """A context on `database` with the real parts wherever none is given. Without
    `settings`, each use case reads the process environment when it runs. The vendors,
    the channels and the timer planning are imported when first used: a command that
    reads (`escalada case show`) loads none of them."""

    def current_settings() -> Settings:
        return settings if settings is not None else Settings.current()

    def real_vendor(vendor: str, *, dry_run: bool = False) -> VendorClient:
        from escalada.adapters.vendors import vendor_client

        return vendor_client(vendor, dry_run=dry_run, settings=current_settings())

    def real_health_feed(vendor: str) -> HealthFeed:
        from escalada.adapters.vendors.health import health_feed

        return health_feed(vendor, settings=current_settings())

    def real_channel(name: str) -> Channel:
        from escalada.adapters.channels import channel_for

        return channel_for(name, settings=current_settings())

    return Context(
        database=database, policy=policy or current_policy, clock=clock,
        tokens=tokens or TokenLifetimes(), audit_keys=audit_keys or no_audit_keys,
        settings=current_settings, vendors=vendors or real_vendor,
        health_feeds=health_feeds or real_health_feed,
        channels=channels or real_channel, detect_language=detect or detect_language,
        plan_timers=plan_timers,
    )


def current_policy(settings: Settings | None = None) -> Policy:
    """The policy in force (adapters.policy_file), imported when first asked for: a
    command that reads no policy (`case list`) loads neither it nor YAML."""
    from escalada.adapters.policy_file import current_policy as in_force

    return in_force(settings)


def plan_timers(session: Session, policy: Policy, now: datetime) -> None:
    """Plan the timers of the cases the transaction changed (before it commits), at `now`,
    and queue the post of their changes to their war rooms' Slack channels."""
    from escalada.services.timer_planning import reschedule_changed
    from escalada.services.war_room_slack import post_changes

    reschedule_changed(session, policy, now)
    post_changes(session, policy, now)


def detect_language(text: str) -> Language | None:
    """The main language of `text` by the shipped detector (lingua)."""
    from escalada.adapters.language_detector import main_language

    return main_language(text)


def token_lifetimes(environ: Mapping[str, str]) -> TokenLifetimes:
    """ESCALADA_TOKEN_DAYS (default 90) and ESCALADA_TOKEN_MAX_DAYS (default 365)."""
    return Settings.of(environ).token_lifetimes()
