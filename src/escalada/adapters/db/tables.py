"""The relational schema (SQLAlchemy 2 ORM); migrations live in `migrations/`.

No `from __future__ import annotations` here: SQLAlchemy reads every `Mapped[...]` as it
maps the classes, and strings cost it a parse and an eval each (~300 columns: 40 ms of
every command that touches the database). A class named before it is defined is quoted:
`Mapped[list["PauseRow"]]`."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from escalada.adapters.db.types import Cents, ExactDecimal, UtcDateTime
from escalada.domain.model import case_label


class Base(DeclarativeBase):
    pass


class CalendarRow(Base):
    """A named business calendar (a `CalendarSpec` document) accounts can use."""

    __tablename__ = "calendars"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PolicyRow(Base):
    """A policy as it was in force: cases keep the one they opened under."""

    __tablename__ = "policies"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the document
    version: Mapped[str] = mapped_column(String(50))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AccountRow(Base):
    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    tier: Mapped[str] = mapped_column(String(20))
    support_plan: Mapped[str] = mapped_column(String(20))
    timezone: Mapped[str] = mapped_column(String(64))
    country: Mapped[str | None] = mapped_column(String(2))
    language: Mapped[str] = mapped_column(String(5))
    health_score: Mapped[float | None] = mapped_column(Float)
    monthly_fee_usd: Mapped[Decimal | None] = mapped_column(Cents())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    calendar_name: Mapped[str | None] = mapped_column(ForeignKey("calendars.name"), index=True)

    calendar: Mapped["CalendarRow | None"] = relationship(lazy="joined")


class ContactRow(Base):
    """A person at a customer: who escalates, at which level, and how letters greet them.
    Removed contacts stay (cases that named them keep their name), out of lists."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    address_as: Mapped[str | None] = mapped_column(String(200))  # e.g. Иван Петрович
    title: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(5))
    level: Mapped[str] = mapped_column(String(10))  # staff | manager | vp | c_level
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    removed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class AccountLogRow(Base):
    """Something that happened to an account (added, changed, a contact added or
    removed): who, when, why and the fields before and after. Appended, never changed."""

    __tablename__ = "account_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The summary's template and parameters (domain.words), for readers of other
    # languages; None for an entry written before, or as plain text.
    words: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class HealthInputRow(Base):
    """A health sub-metric people entered for an account (NPS, QBR attendance ...): the
    value, the date it is for, who entered it and when. Appended; the newest counts."""

    __tablename__ = "health_inputs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    metric: Mapped[str] = mapped_column(String(60))
    value: Mapped[Decimal] = mapped_column(ExactDecimal())
    as_of: Mapped[datetime] = mapped_column(UtcDateTime())
    entered_by: Mapped[str] = mapped_column(String(100))
    entered_at: Mapped[datetime] = mapped_column(UtcDateTime())
    note: Mapped[str | None] = mapped_column(Text)


Index("ix_health_inputs_account_metric", HealthInputRow.account_id, HealthInputRow.metric,
      HealthInputRow.as_of)


class HealthScoreRow(Base):
    """An account's health score as kept at a moment, with its components (the trend);
    the account's `health_score` is the newest."""

    __tablename__ = "health_scores"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    score: Mapped[Decimal | None] = mapped_column(ExactDecimal())
    band: Mapped[str | None] = mapped_column(String(60))
    coverage: Mapped[Decimal] = mapped_column(ExactDecimal())
    components: Mapped[dict[str, Any]] = mapped_column(JSON)
    kept_by: Mapped[str] = mapped_column(String(100))


Index("ix_health_scores_account_at", HealthScoreRow.account_id, HealthScoreRow.at)


class HealthRefreshRow(Base):
    """When an account's health score is next computed and kept by a worker (the
    policy's `health.refresh_every_hours` after the last), taken with a lease as timers
    are: while a worker holds it, `due_at` is its lease's end."""

    __tablename__ = "health_refreshes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), unique=True)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    holder: Mapped[str | None] = mapped_column(String(100))
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class CaseRow(Base):
    __tablename__ = "cases"

    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    severity: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(30), index=True)
    tier: Mapped[str] = mapped_column(String(10))
    exec_level: Mapped[str | None] = mapped_column(String(2))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    first_response_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_customer_update_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    services: Mapped[list[str]] = mapped_column(JSON)
    # The case's reach, as people tell it: regions affected and how many users.
    regions: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    # The vendors' open service-health events linked to it (vendor:event id), kept by
    # the vendor health polls: the engine reads them as the case's (vendor_event_open).
    vendor_events: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    users_affected: Mapped[int | None] = mapped_column(Integer)
    flags: Mapped[list[str]] = mapped_column(JSON)
    csat: Mapped[float | None] = mapped_column(Float)
    revenue_impact_usd: Mapped[Decimal] = mapped_column(Cents())
    business_impact_usd: Mapped[Decimal] = mapped_column(Cents())
    escalating_contact_level: Mapped[str] = mapped_column(String(10))
    contact_title: Mapped[str | None] = mapped_column(String(100))  # e.g. CTO
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    policy_version: Mapped[str] = mapped_column(String(50))
    policy_id: Mapped[str | None] = mapped_column(ForeignKey("policies.id"))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Timers planned from the case's state carry the generation they were planned
    # in; a new plan moves it on, and a timer of an older generation is dropped.
    timer_generation: Mapped[int] = mapped_column(Integer, default=0)
    # When its next SLA target falls due (domain.sla.next_due), kept by timer planning:
    # the board sorts by it. None while no clock runs (ended, waiting on the customer).
    sla_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Its war room's Slack channel (C0123ABC), once created: what is recorded on the case
    # is posted there (services.war_room_slack).
    slack_channel_id: Mapped[str | None] = mapped_column(String(30))

    pauses: Mapped[list["PauseRow"]] = relationship(order_by="PauseRow.id", lazy="selectin")
    escalations: Mapped[list["EscalationRow"]] = relationship(
        order_by="EscalationRow.seq", lazy="selectin"
    )

    # Every recorded change bumps the version (see `touch`), so that a change to a
    # step or a pause still conflicts with a concurrent change to the same case.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012

    def touch(self, at: datetime) -> None:
        """Mark the case changed: the next flush checks and bumps its version. An entry
        recorded as at an earlier moment never moves the last change back."""
        if self.updated_at is None or at > self.updated_at:
            self.updated_at = at
        self.version = (self.version or 0) + 1

    @property
    def ref(self) -> str:
        return case_label(self.number)


Index("ix_cases_account_opened", CaseRow.account_id, CaseRow.opened_at)
# The board's orders (services.case_board): by SLA due, then number; by last change.
Index("ix_cases_sla_due", CaseRow.sla_due_at, CaseRow.number)
Index("ix_cases_updated", CaseRow.updated_at, CaseRow.number)


class PauseRow(Base):
    """The case waited on the customer from started_at until ended_at."""

    __tablename__ = "pauses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_number: Mapped[int] = mapped_column(ForeignKey("cases.number"), index=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class EscalationRow(Base):
    """One step up or down a track, numbered per case."""

    __tablename__ = "escalations"
    __table_args__ = (UniqueConstraint("case_number", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_number: Mapped[int] = mapped_column(ForeignKey("cases.number"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    track: Mapped[str] = mapped_column(String(10))
    direction: Mapped[str] = mapped_column(String(4))
    from_level: Mapped[str | None] = mapped_column(String(10))
    to_level: Mapped[str | None] = mapped_column(String(10))
    criteria: Mapped[list[str]] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    # The reason's words when escalada composed it (a credit's routing, an automatic
    # step): shown in the reader's language while they render to `reason` in English.
    reason_words: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    handoff: Mapped[dict[str, Any]] = mapped_column(JSON)
    override_reason: Mapped[str | None] = mapped_column(Text)
    overridden_items: Mapped[list[str]] = mapped_column(JSON)
    requested_by: Mapped[str] = mapped_column(String(100))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime())
    respond_within_minutes: Mapped[int | None]
    response_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Whom the acknowledger (always the authenticated actor) answered for, if anyone.
    acknowledged_on_behalf_of: Mapped[str | None] = mapped_column(String(100))


# The board's owner filter: the cases whose steps a person acknowledged.
Index("ix_escalations_acknowledged_by", EscalationRow.acknowledged_by, EscalationRow.case_number)


class TimelineRow(Base):
    """One thing that happened to a case; inserted, never updated or deleted."""

    __tablename__ = "timeline"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_number: Mapped[int] = mapped_column(ForeignKey("cases.number"))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The summary's English template and parameters (domain.words.Words.as_json), for
    # readers of other languages; None for an entry written before (or as plain text).
    # Not hashed: it is shown only while it renders to the hashed summary in English.
    words: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The reason's words, likewise (when escalada composed the reason); not hashed.
    reason_words: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The hash chain of the case's timeline (domain.audit): each entry's hash covers
    # the previous entry's, so that an altered or removed entry is detectable.
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))
    # The audit key the hash is an HMAC under; None: a plain SHA-256 anyone can recompute.
    key_id: Mapped[str | None] = mapped_column(String(40))


# The case's latest entries (its chain's head, the view's last ten) in entry order.
Index("ix_timeline_case_entry", TimelineRow.case_number, TimelineRow.id)


class TimerRow(Base):
    """A durable, due-dated piece of work on a case, claimed by one worker at a time.

    `available_at` is when a worker may claim it: the due time, then the end of the
    claiming worker's lease, so that a crashed worker's timers come back.
    """

    __tablename__ = "timers"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    case_number: Mapped[int] = mapped_column(ForeignKey("cases.number"))
    kind: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(200))
    # None: the timer does not depend on the case's state (a person's reminder).
    generation: Mapped[int | None] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    available_at: Mapped[datetime] = mapped_column(UtcDateTime())
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    fired_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    outcome: Mapped[str | None] = mapped_column(Text)
    # The outcome's words (domain.words), for readers of other languages; None for an
    # outcome kept before, read as it is.
    outcome_words: Mapped[dict[str, Any] | None] = mapped_column(JSON)


# Claiming reads the pending timers in `available_at` order: a range scan of this
# index however many future timers wait behind the due ones.
Index("ix_timers_claim", TimerRow.available_at,
      sqlite_where=TimerRow.state == "pending", postgresql_where=TimerRow.state == "pending")
Index("ix_timers_case_state", TimerRow.case_number, TimerRow.state)
# A new plan looks up, by key, the dropped thresholds it may carry (timer_planning): a
# long-lived case's tens of thousands of dropped timers are never scanned.
Index("ix_timers_case_dropped", TimerRow.case_number, TimerRow.key,
      sqlite_where=TimerRow.state == "dropped", postgresql_where=TimerRow.state == "dropped")
Index("ix_timers_overdue", TimerRow.due_at,
      sqlite_where=TimerRow.state == "pending", postgresql_where=TimerRow.state == "pending")


class UserRow(Base):
    """A person who uses escalada: one role, and an executive title where they have one."""

    __tablename__ = "users"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    role: Mapped[str] = mapped_column(String(30))
    title: Mapped[str | None] = mapped_column(String(100))
    display_name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Argon2id in its PHC string form; None: no password, no console sign-in.
    password_hash: Mapped[str | None] = mapped_column(String(200))
    # What escalada writes to them in (en | ru); None: the account's language.
    language: Mapped[str | None] = mapped_column(String(5))
    # Their Slack user id (U0123ABC): who a Slack slash command acts as.
    slack_user_id: Mapped[str | None] = mapped_column(String(30), unique=True, index=True)


class ConsoleSessionRow(Base):
    """A signed-in browser: the session id is in its cookie, only its SHA-256 here."""

    __tablename__ = "console_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_name: Mapped[str] = mapped_column(ForeignKey("users.name"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    language: Mapped[str | None] = mapped_column(String(5))


class SignInFailureRow(Base):
    """A failed console sign-in, counted by the rate limit (per username and client)."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (Index("ix_sign_in_failures_who_at", "username", "client", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(100))
    client: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class TokenRow(Base):
    """An API token: only its SHA-256 is stored; revocable, and it expires."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_name: Mapped[str] = mapped_column(ForeignKey("users.name"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Always its owner since tokens are minted by their owner only; None before that rule.
    created_by: Mapped[str | None] = mapped_column(String(100))


class PeopleLogRow(Base):
    """Who added, promoted, demoted, disabled or enabled whom, and who made or revoked
    which token; inserted, never updated or deleted (a trigger refuses both)."""

    __tablename__ = "people_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(40))
    user_name: Mapped[str] = mapped_column(String(100))
    summary: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The summary's template and parameters, as on the account log.
    words: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class AgentCallRow(Base):
    """One MCP tool call or resource read by an AI agent: as which user (the token's),
    which tool, the identifiers among its arguments (never free text or secrets), and
    whether it was answered or refused. One hash chain over all of them (domain.audit);
    inserted, never updated or deleted (a trigger refuses both)."""

    __tablename__ = "agent_calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(100), index=True)
    tool: Mapped[str] = mapped_column(String(100))  # a tool's name or a resource's URI
    kind: Mapped[str] = mapped_column(String(20))  # tool | resource
    outcome: Mapped[str] = mapped_column(String(20))  # answered | refused | failed
    reason: Mapped[str | None] = mapped_column(Text)  # why it was refused
    arguments: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str | None] = mapped_column(String(40))


class CreditRow(Base):
    """A service credit owed to a customer for a case: proposed, then approved or rejected."""

    __tablename__ = "credits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_number: Mapped[int] = mapped_column(ForeignKey("cases.number"), index=True)
    amount_usd: Mapped[Decimal] = mapped_column(Cents())
    basis: Mapped[str] = mapped_column(String(10))  # entered | breach
    computation: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(10))  # proposed | approved | rejected
    reason: Mapped[str | None] = mapped_column(Text)
    proposed_by: Mapped[str] = mapped_column(String(100))
    proposed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    decision_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class WarRoomRow(Base):
    """The executive playbook opened for a case (L3, L4 or a C-level escalation)."""

    __tablename__ = "war_rooms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_number: Mapped[int] = mapped_column(ForeignKey("cases.number"), unique=True)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    opened_by: Mapped[str] = mapped_column(String(100))
    trigger: Mapped[str] = mapped_column(String(60))
    channel: Mapped[str] = mapped_column(String(100))
    customer_contact: Mapped[str | None] = mapped_column(String(100))  # e.g. CTO
    executive: Mapped[str | None] = mapped_column(String(100))  # users.name matched
    executive_ack_due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    executive_ack_by: Mapped[str | None] = mapped_column(String(100))
    executive_ack_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    update_every_minutes: Mapped[int] = mapped_column(Integer)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    attendees: Mapped[list["WarRoomAttendeeRow"]] = relationship(
        order_by="WarRoomAttendeeRow.id", lazy="selectin")
    checklist: Mapped[list["ChecklistItemRow"]] = relationship(
        order_by="ChecklistItemRow.id", lazy="selectin")


class WarRoomAttendeeRow(Base):
    __tablename__ = "war_room_attendees"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    war_room_id: Mapped[int] = mapped_column(ForeignKey("war_rooms.id"), index=True)
    role: Mapped[str] = mapped_column(String(60))  # escalation_coordinator, tam, ...
    lead: Mapped[bool] = mapped_column(default=False)
    user_name: Mapped[str | None] = mapped_column(String(100))


class ChecklistItemRow(Base):
    __tablename__ = "checklist_items"
    __table_args__ = (UniqueConstraint("war_room_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    war_room_id: Mapped[int] = mapped_column(ForeignKey("war_rooms.id"), index=True)
    checklist: Mapped[str] = mapped_column(String(20))  # immediate | assessment
    key: Mapped[str] = mapped_column(String(60))
    text: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    done_by: Mapped[str | None] = mapped_column(String(100))
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    note: Mapped[str | None] = mapped_column(Text)


class RecoveryTaskRow(Base):
    """One task of a case's relationship recovery plan."""

    __tablename__ = "recovery_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_number: Mapped[int] = mapped_column(ForeignKey("cases.number"), index=True)
    phase: Mapped[str] = mapped_column(String(20))  # immediate, short_term, medium_term, long_term
    key: Mapped[str | None] = mapped_column(String(60))
    text: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    owner: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))  # open, in_progress, done, cancelled
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(100))


class RootCauseRow(Base):
    """A case's root cause, technical and process, as last entered."""

    __tablename__ = "root_causes"

    case_number: Mapped[int] = mapped_column(ForeignKey("cases.number"), primary_key=True)
    technical: Mapped[str | None] = mapped_column(Text)
    process: Mapped[str | None] = mapped_column(Text)
    entered_by: Mapped[str] = mapped_column(String(100))
    entered_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class KbEntryRow(Base):
    """A knowledge-base entry: a root cause, post-mortem or lesson learned of a case, in
    one language. Searched through `document` (PostgreSQL: its tsvector, GIN-indexed) or
    the FTS5 table `kb_fts` (SQLite: its Snowball-stemmed words, rowid = id); both are
    kept by services.knowledge_base.publish and live outside this metadata
    (OUTSIDE_METADATA)."""

    __tablename__ = "kb_entries"
    __table_args__ = (UniqueConstraint("kind", "case_number", "key",
                                       name="uq_kb_entries_kind_case_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))
    case_number: Mapped[int] = mapped_column(ForeignKey("cases.number"), index=True)
    key: Mapped[str] = mapped_column(String(100))
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    language: Mapped[str] = mapped_column(String(5))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    services: Mapped[list[str]] = mapped_column(JSON)
    regions: Mapped[list[str]] = mapped_column(JSON)
    published_at: Mapped[datetime] = mapped_column(UtcDateTime())
    document: Mapped[Any | None] = mapped_column(
        Text().with_variant(TSVECTOR(), "postgresql"), deferred=True)


# What the migrations create beside this metadata, dialect by dialect (the schema check
# leaves them out): SQLite's full-text table and its shadow tables, PostgreSQL's GIN index.
OUTSIDE_METADATA = ("kb_fts", "ix_kb_entries_document")


class CommitmentRow(Base):
    """A commitment made to the customer on a case: what, by when, who owns it; met
    when closed in time, missed when it falls due open (a timer tells) or closes late."""

    __tablename__ = "commitments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_number: Mapped[int] = mapped_column(ForeignKey("cases.number"), index=True)
    what: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    owner: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(10))  # open | met | missed
    made_by: Mapped[str] = mapped_column(String(100))
    made_at: Mapped[datetime] = mapped_column(UtcDateTime())
    closed_by: Mapped[str | None] = mapped_column(String(100))
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    note: Mapped[str | None] = mapped_column(Text)


class PostMortemRow(Base):
    """The post-mortem of a case: due after an L2+ resolution, started by people,
    frozen when completed."""

    __tablename__ = "post_mortems"

    case_number: Mapped[int] = mapped_column(ForeignKey("cases.number"), primary_key=True)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    started_by: Mapped[str | None] = mapped_column(String(100))
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    completed_by: Mapped[str | None] = mapped_column(String(100))
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    summary: Mapped[str | None] = mapped_column(Text)


class PostMortemAttendeeRow(Base):
    __tablename__ = "post_mortem_attendees"
    __table_args__ = (UniqueConstraint("case_number", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_number: Mapped[int] = mapped_column(ForeignKey("post_mortems.case_number"),
                                             index=True)
    name: Mapped[str] = mapped_column(String(100))
    why: Mapped[str] = mapped_column(String(60))  # war room role, executive, added


class PostMortemFindingRow(Base):
    __tablename__ = "post_mortem_findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_number: Mapped[int] = mapped_column(ForeignKey("post_mortems.case_number"),
                                             index=True)
    heading: Mapped[str] = mapped_column(String(30))  # domain.post_mortem.HEADINGS
    text: Mapped[str] = mapped_column(Text)
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PostMortemActionRow(Base):
    """An action item of a post-mortem: a tracked task with an owner and a due date; a
    timer reminds its owner when it falls due undone."""

    __tablename__ = "post_mortem_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_number: Mapped[int] = mapped_column(ForeignKey("post_mortems.case_number"),
                                             index=True)
    what: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(100))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime())
    done_by: Mapped[str | None] = mapped_column(String(100))
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class CaseMessageRow(Base):
    """A message that came in on a case (from the customer, a vendor or a colleague),
    with the language it was detected in."""

    __tablename__ = "case_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_number: Mapped[int] = mapped_column(ForeignKey("cases.number"), index=True)
    sender: Mapped[str] = mapped_column(String(20))  # customer | vendor | internal
    author: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(5))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    recorded_by: Mapped[str] = mapped_column(String(100))


class CommunicationRow(Base):
    """A message escalada drafted for a case, in one language for one audience; sent
    through the outbox as often as a person asks (each send one `OutboxRow`)."""

    __tablename__ = "communications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_number: Mapped[int] = mapped_column(ForeignKey("cases.number"), index=True)
    kind: Mapped[str] = mapped_column(String(60))
    audience: Mapped[str] = mapped_column(String(10))
    language: Mapped[str] = mapped_column(String(5))
    language_reason: Mapped[str] = mapped_column(Text)
    # The reason's words (domain.words), for readers of other languages: shown while they
    # render to `language_reason` in English; None for a draft kept before (migration 0031).
    language_reason_words: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    timezone: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    template: Mapped[str] = mapped_column(String(500))
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    missing: Mapped[list[str]] = mapped_column(JSON)
    update_number: Mapped[int | None] = mapped_column(Integer)
    update_status: Mapped[str | None] = mapped_column(String(20))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class OutboxRow(Base):
    """One delivery of a communication to one recipient over one channel.

    Written in the transaction that asks for it; workers claim due rows with a lease
    (as timers), try the channel, and either mark it delivered or wait longer before
    the next attempt, until the dead letters.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    communication_id: Mapped[int] = mapped_column(ForeignKey("communications.id"), index=True)
    case_number: Mapped[int] = mapped_column(ForeignKey("cases.number"), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    recipient: Mapped[str] = mapped_column(Text)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    state: Mapped[str] = mapped_column(String(10))  # pending | delivered | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    available_at: Mapped[datetime] = mapped_column(UtcDateTime())
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(String(300))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    dead_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


Index("ix_outbox_claim", OutboxRow.available_at,
      sqlite_where=OutboxRow.state == "pending", postgresql_where=OutboxRow.state == "pending")


class EndpointRow(Base):
    """A named destination an admin configured for webhook or Slack deliveries.

    Deliveries name it as their recipient and the URL is looked up at each attempt, so
    the URL (a secret, for a Slack incoming webhook) is never shown, logged on the
    timeline or kept with a delivery.
    """

    __tablename__ = "endpoints"

    name: Mapped[str] = mapped_column(String(63), primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))  # webhook | slack
    url: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class VendorCaseRow(Base):
    """A case opened with a cloud vendor's support for one of our cases: its plan, the
    vendor's response due time by that plan, and where syncing it stands."""

    __tablename__ = "vendor_cases"
    __table_args__ = (UniqueConstraint("vendor", "vendor_case_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_number: Mapped[int] = mapped_column(ForeignKey("cases.number"), index=True)
    vendor: Mapped[str] = mapped_column(String(10))  # aws | azure | gcp
    plan: Mapped[str] = mapped_column(String(60))
    vendor_case_id: Mapped[str] = mapped_column(String(300))
    display_id: Mapped[str | None] = mapped_column(String(100))
    severity: Mapped[str] = mapped_column(String(30))  # the vendor's
    subject: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(60))  # the vendor's word
    state: Mapped[str] = mapped_column(String(20))  # open | waiting_on_us | resolved | closed
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    opened_by: Mapped[str] = mapped_column(String(100))
    response_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    responded_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_synced_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # When a worker syncs it next (None once closed); moved on by a lease while syncing.
    next_sync_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    sync_error: Mapped[str | None] = mapped_column(Text)


Index("ix_vendor_cases_sync", VendorCaseRow.next_sync_at)
# The board's vendor filter: the cases with a case at that vendor.
Index("ix_vendor_cases_vendor", VendorCaseRow.vendor, VendorCaseRow.case_number)


class VendorMessageRow(Base):
    """A communication on a vendor case, as the vendor's API showed it."""

    __tablename__ = "vendor_messages"
    __table_args__ = (UniqueConstraint("vendor_case_id", "message_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    vendor_case_id: Mapped[int] = mapped_column(ForeignKey("vendor_cases.id"), index=True)
    message_id: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    author: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    from_vendor: Mapped[bool]


class VendorHealthPollRow(Base):
    """When a vendor's service-health feed is next polled by a worker, taken with a
    lease as timers are (while a worker holds it, `due_at` is its lease's end), and
    how the last poll went."""

    __tablename__ = "vendor_health_polls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    vendor: Mapped[str] = mapped_column(String(10), unique=True)  # aws | azure | gcp
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    holder: Mapped[str | None] = mapped_column(String(100))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    polled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    error: Mapped[str | None] = mapped_column(Text)


class VendorEventRow(Base):
    """An event on a vendor's service-health feed, as last seen there (closed once the
    vendor closes it or no longer lists it as open)."""

    __tablename__ = "vendor_events"
    __table_args__ = (UniqueConstraint("vendor", "event_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    vendor: Mapped[str] = mapped_column(String(10))
    event_id: Mapped[str] = mapped_column(String(500))
    service: Mapped[str] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(100))  # None: global
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), index=True)  # open | closed
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    first_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CaseVendorEventRow(Base):
    """A vendor's service-health event linked to a case it bears on."""

    __tablename__ = "case_vendor_events"
    __table_args__ = (UniqueConstraint("case_number", "vendor_event_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_number: Mapped[int] = mapped_column(ForeignKey("cases.number"), index=True)
    vendor_event_id: Mapped[int] = mapped_column(ForeignKey("vendor_events.id"), index=True)
    linked_at: Mapped[datetime] = mapped_column(UtcDateTime())


class HookDeliveryRow(Base):
    """A signed webhook a help desk sent, keyed by the sender's event id: applied (or
    ignored, as a repeat of something older) in the transaction that changed the case,
    or failed and kept, with its body and what is wrong, for people to replay."""

    __tablename__ = "hook_deliveries"
    __table_args__ = (UniqueConstraint("source", "event_id",
                                       name="uq_hook_deliveries_source_event_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(20))  # zendesk | jira | generic
    event_id: Mapped[str | None] = mapped_column(String(200))  # None: unreadable
    event_type: Mapped[str | None] = mapped_column(String(200))
    ticket_id: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(10), index=True)  # applied | ignored | failed
    outcome: Mapped[str | None] = mapped_column(Text)  # what it did, or why it was ignored
    outcome_words: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # as on timers
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    body: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict[str, str]] = mapped_column(JSON)  # those the payload is read with
    case_number: Mapped[int | None] = mapped_column(ForeignKey("cases.number"))
    occurred_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    replayed_by: Mapped[str | None] = mapped_column(String(100))


class HelpdeskTicketRow(Base):
    """A help-desk ticket and the case it is: the time of the latest change applied
    from it (an older one arriving late is ignored), and the tier and level last
    written back to it."""

    __tablename__ = "helpdesk_tickets"

    source: Mapped[str] = mapped_column(String(20), primary_key=True)
    ticket_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    case_number: Mapped[int] = mapped_column(ForeignKey("cases.number"), index=True)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    written_back: Mapped[str | None] = mapped_column(String(40))  # e.g. "T2/L2"


class WorkerHeartbeatRow(Base):
    """When each worker last went round its loop (`/readyz` wants a recent one)."""

    __tablename__ = "worker_heartbeats"

    worker: Mapped[str] = mapped_column(String(200), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class IncidentRow(Base):
    """A platform incident: an outage storm of one service in one region across
    accounts, opened by escalada (or by people), its cases linked, resolved once."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    service: Mapped[str] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), index=True)  # open | resolved
    # "service|region" while open, None once resolved: one open incident per place,
    # even when two processes see the same storm at once.
    open_key: Mapped[str | None] = mapped_column(String(401), unique=True)
    accounts: Mapped[int] = mapped_column(Integer, default=0)
    flags: Mapped[list[str]] = mapped_column(JSON)
    opened_by: Mapped[str] = mapped_column(String(100))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    resolution: Mapped[str | None] = mapped_column(Text)

    @property
    def ref(self) -> str:
        return f"INC-{self.id}"


class IncidentCaseRow(Base):
    """A case linked to an incident; when the incident resolves, resolving the case is
    proposed (people confirm it)."""

    __tablename__ = "incident_cases"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), primary_key=True)
    case_number: Mapped[int] = mapped_column(ForeignKey("cases.number"), primary_key=True,
                                             index=True)
    account_id: Mapped[str] = mapped_column(String(64))
    linked_by: Mapped[str] = mapped_column(String(100))
    linked_at: Mapped[datetime] = mapped_column(UtcDateTime())
    resolution_proposed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class IncidentUpdateRow(Base):
    """One update to an incident, fanned out to every linked customer: its parts, and
    per case the draft written in that customer's language and where it went."""

    __tablename__ = "incident_updates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    fields: Mapped[dict[str, str]] = mapped_column(JSON)
    # [{case, language, draft, delivery, to, next_update_due_at, skipped}]
    fan_out: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    posted_by: Mapped[str] = mapped_column(String(100))
    posted_at: Mapped[datetime] = mapped_column(UtcDateTime())


# The storm rule reads the cases opened within its window.
Index("ix_cases_opened_at", CaseRow.opened_at)
