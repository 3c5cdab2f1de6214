"""How a help desk's tickets map onto escalada's accounts and cases: data, shipped as
`policies/hooks.yaml` and replaceable by the operator (ESCALADA_HOOKS_MAPPING), validated
on load like the policy."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from escalada.domain.model import Severity

SOURCES = ("zendesk", "jira", "generic")
# What a help-desk event does to the case of its ticket.
EventKind = Literal["created", "updated", "priority_changed", "status_changed",
                    "comment_added", "csat_rated", "ignored"]
# What a help-desk status does to the case: a status of escalada's own, or nothing.
CaseStatusTarget = Literal["investigating", "mitigating", "monitoring", "waiting_on_customer",
                           "resolved", "closed"]
T = TypeVar("T")
Path = Annotated[str, Field(pattern=r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$", max_length=200)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PlaceField(_Strict):
    """Where a ticket names the services (or regions) it is about: the values at `path`
    (a string, a list, or objects of them with a name or value: Jira's components, a
    Zendesk ticket's tags); with a prefix, only the values that start with it, the prefix
    taken off (`service_rds` -> `rds`); `names` renames a value (matched without regard
    to case), else it is kept as it is."""

    path: Path
    prefix: Annotated[str, Field(max_length=40)] = ""
    names: dict[str, Annotated[str, Field(min_length=1, max_length=200)]] = {}

    def name(self, value: str) -> str | None:
        """The service or region a value of the field names, or None (not one of them)."""
        if self.prefix:
            if not value.casefold().startswith(self.prefix.casefold()):
                return None
            value = value[len(self.prefix):].strip()
        return (_lookup(self.names, value) or value) if value else None


class SourceMapping(_Strict):
    """One help desk's tickets: which event is what, the customer reference that names
    the account, and its priorities, statuses and satisfaction ratings in our words.
    Keys are matched without regard to case."""

    events: dict[str, EventKind] = Field(min_length=1)
    account_path: Path = Field(description="where in the payload the customer reference is")
    accounts: dict[str, Annotated[str, Field(min_length=1, max_length=64)]] = {}
    default_account: str | None = Field(default=None, min_length=1, max_length=64)
    default_severity: Severity = Severity.P3
    priorities: dict[str, Severity] = {}
    statuses: dict[str, CaseStatusTarget | None] = {}
    csat: dict[str, Annotated[float, Field(ge=1, le=5)]] = {}
    csat_field: str | None = Field(default=None, description="Jira: the satisfaction field")
    # The ticket's services and regions (a storm of tickets opens a platform incident as
    # cases opened by people do); none: its cases are about no service or region.
    service_field: PlaceField | None = None
    region_field: PlaceField | None = None
    # Write-back: the tags put on the ticket for the case's tier and level.
    tag_prefix: Annotated[str, Field(pattern=r"^[a-z0-9_]*$", max_length=40)] = "escalada_"

    def event(self, name: str) -> EventKind | None:
        return _lookup(self.events, name)

    def severity(self, priority: str) -> Severity | None:
        return _lookup(self.priorities, priority)

    def status(self, status: str) -> tuple[bool, CaseStatusTarget | None]:
        """(known, target): a known status may map to nothing (it changes no case)."""
        for key, target in self.statuses.items():
            if key.casefold() == status.casefold():
                return True, target
        return False, None

    def rating(self, value: str) -> float | None:
        found = _lookup(self.csat, value)
        if found is not None:
            return found
        try:
            score = float(value)
        except ValueError:
            return None
        return score if 1 <= score <= 5 else None

    def account(self, reference: str) -> str | None:
        """The account a customer reference maps to (None: by its own id, or the default)."""
        return _lookup(self.accounts, reference)


def _lookup(table: dict[str, T], key: str) -> T | None:
    folded = key.casefold()
    for name, value in table.items():
        if name.casefold() == folded:
            return value
    return None


class HookMapping(_Strict):
    """Every help desk's mapping, and how fresh a signed delivery must be."""

    version: str = Field(min_length=1, max_length=50)
    replay_window_seconds: int = Field(default=300, ge=10, le=3600)
    zendesk: SourceMapping
    jira: SourceMapping
    generic: SourceMapping

    @property
    def replay_window(self) -> timedelta:
        return timedelta(seconds=self.replay_window_seconds)

    def source(self, name: str) -> SourceMapping:
        mapping: SourceMapping = getattr(self, name)
        return mapping
