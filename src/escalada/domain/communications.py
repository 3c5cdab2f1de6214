"""Messages escalada drafts: their kinds, audiences and the facts a template is filled from.

Pure data. The services gather the facts from the case (its timeline, impact,
commitments, credits, recovery plan); `adapters.templates` renders them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

LANGUAGES = ("en", "ru")


class MessageKind(StrEnum):
    ACKNOWLEDGMENT = "acknowledgment"
    PROGRESS_UPDATE = "progress_update"
    RESOLUTION = "resolution"
    EXECUTIVE_ACKNOWLEDGMENT = "executive_acknowledgment"
    HANDOFF = "handoff"
    VENDOR_ESCALATION = "vendor_escalation"


class Audience(StrEnum):
    CUSTOMER = "customer"
    INTERNAL = "internal"
    EXECUTIVE = "executive"  # the customer's executive, written by ours
    VENDOR = "vendor"

    @property
    def is_customer_side(self) -> bool:
        """A message the customer reads: sending it is a customer update."""
        return self in (Audience.CUSTOMER, Audience.EXECUTIVE)


AUDIENCE_OF: dict[str, Audience] = {
    MessageKind.ACKNOWLEDGMENT: Audience.CUSTOMER,
    MessageKind.PROGRESS_UPDATE: Audience.CUSTOMER,
    MessageKind.RESOLUTION: Audience.CUSTOMER,
    MessageKind.EXECUTIVE_ACKNOWLEDGMENT: Audience.EXECUTIVE,
    MessageKind.HANDOFF: Audience.INTERNAL,
    MessageKind.VENDOR_ESCALATION: Audience.VENDOR,
}


class UpdateStatus(StrEnum):
    """The status a progress update reports."""

    INVESTIGATING = "INVESTIGATING"
    MITIGATING = "MITIGATING"
    RESOLVED = "RESOLVED"
    MONITORING = "MONITORING"


# What a person writes into a draft (`--set name=text`), by kind. The required ones
# are shown as a visible gap in the draft until given, and a draft with gaps is not
# sent. Every kind also takes `note` (a line of the sender's own).
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    MessageKind.ACKNOWLEDGMENT: (),
    MessageKind.PROGRESS_UPDATE: ("understanding", "doing_now", "next_steps"),
    MessageKind.RESOLUTION: ("root_cause", "fix", "verification"),
    MessageKind.EXECUTIVE_ACKNOWLEDGMENT: (),
    MessageKind.HANDOFF: (),
    MessageKind.VENDOR_ESCALATION: ("component", "region", "request"),
}
OPTIONAL_FIELDS: dict[str, tuple[str, ...]] = {
    MessageKind.ACKNOWLEDGMENT: ("note",),
    MessageKind.PROGRESS_UPDATE: ("progress", "blockers", "note"),
    MessageKind.RESOLUTION: ("preventive_measures", "lessons_learned", "note"),
    MessageKind.EXECUTIVE_ACKNOWLEDGMENT: ("note",),
    MessageKind.HANDOFF: ("note",),
    MessageKind.VENDOR_ESCALATION: ("note",),
}


@dataclass(frozen=True, slots=True)
class Happening:
    """One line of the case's story: when, who and what (from its timeline)."""

    at: datetime
    actor: str
    summary: str


@dataclass(frozen=True, slots=True)
class Person:
    """Someone of ours a letter is from. `name` is how they sign (their display name,
    never a login; None: they sign with their title or role alone); `title` is in the
    letter's language; `role` names them when they have no title."""

    name: str | None
    title: str | None = None
    email: str | None = None
    role: str | None = None


@dataclass(frozen=True, slots=True)
class Contact:
    """The customer's person a letter greets: by `address_as` (e.g. "Иван Петрович"),
    else by name."""

    name: str
    address_as: str | None = None
    title: str | None = None


@dataclass(frozen=True, slots=True)
class FollowUp:
    """A commitment after the case: a recovery task as its reader may see it, with its
    owner's name (or none) and due date."""

    text: str
    owner: str | None
    due_at: datetime | None


@dataclass(frozen=True, slots=True)
class WarRoom:
    """The case's war room while it is open: a letter speaks of one only then."""

    channel: str
    update_every_minutes: int


@dataclass(frozen=True, slots=True)
class VendorReport:
    """An open event on a vendor's own service-health feed linked to the case: what a
    vendor escalation points the vendor to."""

    vendor: str  # AWS, Azure, Google Cloud
    service: str
    region: str | None  # None: global
    title: str
    started_at: datetime
    event_id: str


@dataclass(frozen=True, slots=True)
class Handoff:
    """The newest technical step: from which tier to which, and its handoff package."""

    from_tier: str | None
    to_tier: str
    at: datetime
    by: str
    reason: str | None
    items: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MessageFacts:
    """Everything a template may use. Times are UTC; templates show them in
    `timezone`, the recipient's. Money is Decimal (USD)."""

    kind: str
    language: str
    timezone: str
    now: datetime
    case_ref: str
    title: str
    severity: str
    status: str
    tier: str
    exec_level: str | None
    account_name: str
    account_tier: str
    support_plan: str
    opened_at: datetime
    resolved_at: datetime | None
    services: tuple[str, ...]
    revenue_impact_usd: Decimal
    business_impact_usd: Decimal
    contact_title: str | None
    sender: Person
    # The customer's next update is due then (the SLA's next-update clock, or the
    # cadence from `now` once this message goes out).
    next_update_at: datetime | None
    # Progress update number N (1 for the first), and the status it reports.
    update_number: int = 1
    update_status: str | None = None
    # What happened since the customer was last told; everything done, in order.
    since_last_update: tuple[Happening, ...] = ()
    actions: tuple[Happening, ...] = ()
    # What a person wrote in (see REQUIRED_FIELDS); a missing required one holds
    # a visible placeholder in the draft's language.
    fields: dict[str, str] = field(default_factory=dict)
    credit_usd: Decimal | None = None
    # What the reader may see of the recovery plan: for the customer, only the tasks
    # the policy words for them, owners by display name (never a login).
    follow_ups: tuple[FollowUp, ...] = ()
    handoff: Handoff | None = None
    executive: Person | None = None
    war_room: WarRoom | None = None
    # The case's escalating contact, whom customer letters greet by name.
    contact: Contact | None = None
    # The vendors' open service-health events linked to the case (vendor letters).
    vendor_reports: tuple[VendorReport, ...] = ()

    @property
    def duration_minutes(self) -> int | None:
        """How long the case took, opening to resolution (to now while open)."""
        end = self.resolved_at or self.now
        return max(int((end - self.opened_at).total_seconds() // 60), 0)
