"""Every setting escalada reads from the environment, in one class.

`Settings()` reads the process environment; `Settings.of(mapping)` reads a mapping
instead (tests, or a caller configuring an adapter by hand). Values are kept as the
operator typed them and checked when the part that needs them is built (the SMTP
settings when email is first sent, a vendor's when it is first called), so a bad
setting of one channel never stops the rest of escalada; each check names the variable
and says what it must be. Vendor credentials are not here: each SDK finds them on its
usual chain (environment, shared config, workload or instance identity).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from escalada.domain.errors import InvalidInput

VENDOR_ATTEMPTS_DEFAULT = 4
LONGEST_CONFIGURABLE_DAYS = 3650
SESSION_HOURS_DEFAULT, LONGEST_SESSION_HOURS = 12, 24 * 30
_YES = ("1", "true", "yes", "on")
_NO = ("", "0", "false", "no", "off")


@dataclass(frozen=True)
class TokenLifetimes:
    """How long an API token lasts when nobody says (`default_days`), and at most."""

    default_days: int = 90
    longest_days: int = 365


def _env(name: str, *more: str) -> Any:
    """A field read from the environment variable `name` (or the first of `more` set)."""
    alias = AliasChoices(name, *more) if more else name
    return Field(default="", validation_alias=alias)


def _secret(name: str) -> Any:
    return Field(default="", validation_alias=name, repr=False)


class Settings(BaseSettings):
    """The environment as escalada reads it. Each field is named after its variable."""

    model_config = SettingsConfigDict(case_sensitive=True, extra="ignore", frozen=True,
                                      env_ignore_empty=True)

    # Where things are
    database_url: str = _env("ESCALADA_DATABASE_URL")
    # How a SQLite commit waits for the disk (normal, full): see sqlite_synchronous
    sqlite_synchronous: str = _env("ESCALADA_SQLITE_SYNCHRONOUS")
    policy_file: str = _env("ESCALADA_POLICY")
    vendor_plans_file: str = _env("ESCALADA_VENDOR_PLANS")
    templates_dir: str = _env("ESCALADA_TEMPLATES")
    # The language the CLI speaks (ru, en); unset: LC_ALL, LC_MESSAGES, then LANG
    language: str = _env("ESCALADA_LANG")
    # API tokens and the audit timeline
    token_days: str = _env("ESCALADA_TOKEN_DAYS")
    token_max_days: str = _env("ESCALADA_TOKEN_MAX_DAYS")
    audit_keys: str = _secret("ESCALADA_AUDIT_KEYS")
    # The web console's sessions: how long one lasts, and whether its cookie is HTTPS-only
    session_hours: str = _env("ESCALADA_SESSION_HOURS")
    cookie_secure: str = _env("ESCALADA_COOKIE_SECURE")
    # Vendors: our plans, whom they write to, how often a call is tried
    aws_plan: str = _env("ESCALADA_AWS_PLAN")
    azure_plan: str = _env("ESCALADA_AZURE_PLAN")
    gcp_plan: str = _env("ESCALADA_GCP_PLAN")
    vendor_contact_email: str = _env("ESCALADA_VENDOR_CONTACT_EMAIL")
    vendor_max_attempts: str = _env("ESCALADA_VENDOR_MAX_ATTEMPTS")
    aws_endpoint_url_support: str = _env("AWS_ENDPOINT_URL_SUPPORT")
    aws_endpoint_url: str = _env("AWS_ENDPOINT_URL")
    aws_endpoint_url_health: str = _env("AWS_ENDPOINT_URL_HEALTH")
    aws_health_services: str = _env("ESCALADA_AWS_HEALTH_SERVICES")
    aws_health_regions: str = _env("ESCALADA_AWS_HEALTH_REGIONS")
    # The vendors whose service health workers poll (aws,azure,gcp), and how often.
    vendor_health: str = _env("ESCALADA_VENDOR_HEALTH")
    vendor_health_every: str = _env("ESCALADA_VENDOR_HEALTH_EVERY")
    aws_profile: str = _env("AWS_PROFILE")
    aws_tam_email: str = _env("ESCALADA_AWS_TAM_EMAIL")
    azure_subscription_id: str = _env("AZURE_SUBSCRIPTION_ID")
    azure_endpoint: str = _env("ESCALADA_AZURE_ENDPOINT")
    azure_contact_first_name: str = _env("ESCALADA_AZURE_CONTACT_FIRST_NAME")
    azure_contact_last_name: str = _env("ESCALADA_AZURE_CONTACT_LAST_NAME")
    azure_contact_email: str = _env("ESCALADA_AZURE_CONTACT_EMAIL")
    azure_contact_country: str = _env("ESCALADA_AZURE_CONTACT_COUNTRY")
    azure_contact_timezone: str = _env("ESCALADA_AZURE_CONTACT_TIMEZONE")
    azure_contact_language: str = _env("ESCALADA_AZURE_CONTACT_LANGUAGE")
    gcp_parent: str = _env("ESCALADA_GCP_PARENT")
    gcp_endpoint: str = _env("ESCALADA_GCP_ENDPOINT")
    gcp_transport: str = _env("ESCALADA_GCP_TRANSPORT")
    gcp_test_cases: str = _env("ESCALADA_GCP_TEST_CASES")
    # Channels
    smtp_from: str = _env("ESCALADA_SMTP_FROM")
    smtp_host: str = _env("ESCALADA_SMTP_HOST")
    smtp_port: str = _env("ESCALADA_SMTP_PORT")
    smtp_starttls: str = _env("ESCALADA_SMTP_STARTTLS")
    smtp_ssl: str = _env("ESCALADA_SMTP_SSL")
    smtp_cafile: str = _env("ESCALADA_SMTP_CAFILE")
    smtp_username: str = _env("ESCALADA_SMTP_USERNAME")
    smtp_password: str = _secret("ESCALADA_SMTP_PASSWORD")
    smtp_timeout: str = _env("ESCALADA_SMTP_TIMEOUT")
    slack_token: str = Field(default="", repr=False, validation_alias=AliasChoices(
        "SLACK_BOT_TOKEN", "ESCALADA_SLACK_TOKEN"))
    slack_api_url: str = _env("ESCALADA_SLACK_API_URL")
    slack_timeout: str = _env("ESCALADA_SLACK_TIMEOUT")
    # Slack signs each slash command with it (POST /api/v1/slack/commands).
    slack_signing_secret: str = Field(default="", repr=False, validation_alias=AliasChoices(
        "SLACK_SIGNING_SECRET", "ESCALADA_SLACK_SIGNING_SECRET"))
    webhook_secret: str = _secret("ESCALADA_WEBHOOK_SECRET")
    webhook_timeout: str = _env("ESCALADA_WEBHOOK_TIMEOUT")
    # Help desks: the inbound webhooks' secrets and mapping, and Zendesk's and Jira's APIs
    # for the write-back of a case's tier and level
    hooks_mapping_file: str = _env("ESCALADA_HOOKS_MAPPING")
    zendesk_webhook_secret: str = _secret("ESCALADA_ZENDESK_WEBHOOK_SECRET")
    jira_webhook_secret: str = _secret("ESCALADA_JIRA_WEBHOOK_SECRET")
    jira_webhook_auth: str = _env("ESCALADA_JIRA_WEBHOOK_AUTH")  # hmac (default) or jwt
    generic_webhook_secret: str = _secret("ESCALADA_GENERIC_WEBHOOK_SECRET")
    zendesk_url: str = _env("ESCALADA_ZENDESK_URL")
    zendesk_email: str = _env("ESCALADA_ZENDESK_EMAIL")
    zendesk_api_token: str = _secret("ESCALADA_ZENDESK_API_TOKEN")
    zendesk_timeout: str = _env("ESCALADA_ZENDESK_TIMEOUT")
    jira_url: str = _env("ESCALADA_JIRA_URL")
    jira_email: str = _env("ESCALADA_JIRA_EMAIL")
    jira_api_token: str = _secret("ESCALADA_JIRA_API_TOKEN")
    jira_timeout: str = _env("ESCALADA_JIRA_TIMEOUT")

    @classmethod
    def current(cls) -> Settings:
        """`Settings()`: the process environment as it is now. The one read last is kept
        and given again while none of the variables it reads has changed: reading them
        through pydantic-settings costs a millisecond, and a context wired without fixed
        settings asks on every use (the policy in force, a channel), where comparing the
        variables costs a twentieth of that."""
        snapshot = tuple(map(os.environ.get, _variables()))
        last = _LAST_READ.get(cls)
        if last is not None and last[0] == snapshot:
            return last[1]
        settings = cls()
        _LAST_READ[cls] = (snapshot, settings)
        return settings

    @classmethod
    def of(cls, environ: Mapping[str, str]) -> Settings:
        """The settings in `environ` instead of the process environment. Blank values
        count as unset, as they do in the environment."""
        given = {name: value for name, value in environ.items() if value.strip()}
        return _FromMapping.model_validate(given)

    @classmethod
    def variable(cls, field: str) -> str:
        """The environment variable a field is read from (the first, if several)."""
        alias = cls.model_fields[field].validation_alias
        if isinstance(alias, AliasChoices):
            return str(alias.choices[0])
        return str(alias)

    def text(self, field: str) -> str | None:
        """The field's value, stripped; None when it is unset or blank."""
        value: str = getattr(self, field)
        return value.strip() or None

    def required(self, field: str, purpose: str) -> str:
        """The non-blank value of `field`; InvalidInput naming its variable when missing."""
        value = self.text(field)
        if value is None:
            raise InvalidInput.of(self.variable(field), "not set; {purpose}", purpose=purpose)
        return value

    def flag(self, field: str) -> bool:
        """A yes/no setting: 1/true/yes/on or 0/false/no/off (unset is off)."""
        value = (self.text(field) or "").lower()
        if value in _YES:
            return True
        if value in _NO:
            return False
        raise InvalidInput.of(self.variable(field), "must be 1/true/yes/on or 0/false/no/off, not "
                              "{value!r}", value=value)

    def seconds(self, field: str, default: float) -> float:
        """A positive number of seconds."""
        value = self.text(field)
        if value is None:
            return default
        try:
            seconds = float(value)
        except ValueError:
            seconds = 0.0
        if not 0 < seconds < float("inf"):
            raise InvalidInput.of(self.variable(field), "must be a positive number of seconds, not "
                                  "{value!r}", value=value)
        return seconds

    def sqlite_synchronous_level(self) -> str:
        """ESCALADA_SQLITE_SYNCHRONOUS: SQLite's `PRAGMA synchronous` under WAL, NORMAL
        (the default: a commit is not synced to disk until the WAL is checkpointed, so a
        power loss or an OS crash may lose the last commits, an application crash none)
        or FULL (every commit synced to disk before it returns)."""
        value = (self.text("sqlite_synchronous") or "normal").lower()
        if value not in ("normal", "full"):
            raise InvalidInput.of(self.variable("sqlite_synchronous"),
                                  "must be normal or full, not {value!r}", value=value)
        return value.upper()

    def vendor_attempts(self) -> int:
        """ESCALADA_VENDOR_MAX_ATTEMPTS: attempts per vendor call, the first included."""
        value = self.text("vendor_max_attempts")
        if value is None:
            return VENDOR_ATTEMPTS_DEFAULT
        try:
            attempts = int(value)
        except ValueError:
            attempts = 0
        if attempts < 1:
            raise InvalidInput.of(self.variable("vendor_max_attempts"),
                                  "must be a whole number of at least 1")
        return attempts

    def vendor_plan(self, vendor: str) -> str | None:
        """Our support plan with `vendor` (ESCALADA_AWS_PLAN, ...), if configured."""
        field = f"{vendor}_plan"
        return self.text(field) if field in type(self).model_fields else None

    def token_lifetimes(self) -> TokenLifetimes:
        """ESCALADA_TOKEN_DAYS (default 90) and ESCALADA_TOKEN_MAX_DAYS (default 365)."""
        defaults = TokenLifetimes()
        longest = self._days("token_max_days", fallback=defaults.longest_days,
                             most=LONGEST_CONFIGURABLE_DAYS)
        default = self._days("token_days", fallback=min(defaults.default_days, longest),
                             most=longest)
        return TokenLifetimes(default_days=default, longest_days=longest)

    def session_lifetime(self) -> timedelta:
        """ESCALADA_SESSION_HOURS: how long a console sign-in lasts (default 12 hours)."""
        raw = self.text("session_hours")
        if raw is None:
            return timedelta(hours=SESSION_HOURS_DEFAULT)
        if not raw.isdigit() or not 1 <= int(raw) <= LONGEST_SESSION_HOURS:
            raise InvalidInput.of(self.variable("session_hours"),
                "must be a whole number of hours from 1 to {longest_session_hours}",
                longest_session_hours=LONGEST_SESSION_HOURS)
        return timedelta(hours=int(raw))

    def _days(self, field: str, *, fallback: int, most: int) -> int:
        raw = self.text(field)
        if raw is None:
            return fallback
        if not raw.isdigit() or not 1 <= int(raw) <= most:
            raise InvalidInput.of(self.variable(field), "must be a whole number of days from 1 to "
                                  "{most}", most=most)
        return int(raw)


class _FromMapping(Settings):
    """Settings from the mapping given to `Settings.of`, and from nothing else."""

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


# Settings.current: the environment variables Settings reads, and the last read.
_LAST_READ: dict[type[Settings], tuple[tuple[str | None, ...], Settings]] = {}


@cache
def _variables() -> tuple[str, ...]:
    names: list[str] = []
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        names += ([str(choice) for choice in alias.choices] if isinstance(alias, AliasChoices)
                  else [str(alias)])
    return tuple(names)
