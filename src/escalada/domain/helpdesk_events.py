"""A help desk's webhook payload read into one event in escalada's words (pure): which
ticket, of which customer, what changed. Zendesk's ticket events, Jira (Service
Management)'s issue and comment webhooks, and a generic JSON document; anything that
cannot be read is PayloadRejected naming each field and the reason."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from escalada.domain.errors import PayloadRejected
from escalada.domain.helpdesk_mapping import EventKind, PlaceField, SourceMapping
from escalada.domain.validation import LABEL_CHARS, text_problem
from escalada.domain.words import Words

JIRA_DELIVERY_ID = "x-atlassian-webhook-identifier"
_TEXT_LIMIT = 100_000
_PLACES_LIMIT = 20  # services or regions one ticket may name


@dataclass(frozen=True)
class TicketFacts:
    """The ticket as the payload shows it."""

    id: str
    subject: str | None = None
    priority: str | None = None
    status: str | None = None
    customer: str | None = None  # the reference the account is found by
    # The services and regions the ticket names (None: the mapping reads none, or the
    # payload does not show the field, so the case's are left as they are).
    services: tuple[str, ...] | None = None
    regions: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Change:
    """One thing an event did to its ticket."""

    kind: EventKind
    value: str | None = None  # the new priority, status or rating
    text: str | None = None  # a comment's body
    author: str | None = None
    from_customer: bool = True


@dataclass(frozen=True)
class HelpdeskEvent:
    source: str
    event_id: str
    event_type: str
    occurred_at: datetime
    ticket: TicketFacts
    changes: tuple[Change, ...]

    @property
    def kinds(self) -> list[str]:
        return [change.kind for change in self.changes]


class _Reader:
    """Reads fields of a payload, collecting a problem for each one that is wrong."""

    def __init__(self, document: Any) -> None:
        self.document = document
        self.problems: list[tuple[str, Words]] = []

    def get(self, path: str) -> Any:
        value = self.document
        for part in path.split("."):
            if not isinstance(value, Mapping):
                return None
            value = value.get(part)
        return value

    def text(self, path: str, *, required: bool = True) -> str | None:
        value = self.get(path)
        if isinstance(value, bool) or not isinstance(value, str | int):
            if value is not None or required:
                self.problems.append((path, Words("required: a string") if value is None
                                      else Words("must be a string")))
            return None
        text = str(value).strip()
        if not text and required:
            self.problems.append((path, Words("must not be empty")))
            return None
        if len(text) > _TEXT_LIMIT:
            self.problems.append((path, Words("must be at most {limit} characters",
                                              limit=_TEXT_LIMIT)))
            return None
        return text or None

    def time(self, path: str) -> datetime | None:
        value = self.text(path)
        if value is None:
            return None
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            self.problems.append((path, Words("must be an ISO 8601 time")))
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    def reference(self, path: str) -> str | None:
        """A customer reference: a string or number, an object's name or id, or the
        first of a list of them."""
        value = self.get(path)
        if isinstance(value, list):
            value = value[0] if value else None
        if isinstance(value, Mapping):
            value = value.get("name") or value.get("id") or value.get("value")
        if isinstance(value, bool) or not isinstance(value, str | int):
            return None
        return str(value).strip() or None

    def places(self, field: PlaceField | None) -> tuple[str, ...] | None:
        """The services or regions a mapped field names, sorted and once each (None:
        no field mapped, or the payload does not show it)."""
        if field is None:
            return None
        value = self.get(field.path)
        if value is None:
            return None
        found: set[str] = set()
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, Mapping):
                item = item.get("name") or item.get("value") or item.get("id")
            if item is None:
                continue
            if isinstance(item, bool) or not isinstance(item, str | int):
                self.fail(field.path, Words("must be strings, or objects with a name"))
                return None
            name = field.name(str(item).strip())
            if name is None:
                continue
            problem = text_problem(name, LABEL_CHARS, lines=False)
            if problem is not None:
                self.fail(field.path, problem)
                return None
            found.add(name)
        if len(found) > _PLACES_LIMIT:
            self.fail(field.path, Words("names {count} services or regions: at most "
                                        "{limit}", count=len(found), limit=_PLACES_LIMIT))
            return None
        return tuple(sorted(found))

    def fail(self, field: str, reason: Words) -> None:
        self.problems.append((field, reason))

    def done(self) -> None:
        if self.problems:
            raise PayloadRejected(self.problems)


def _kind(reader: _Reader, mapping: SourceMapping, field: str, name: str | None
          ) -> EventKind | None:
    if name is None:
        return None
    kind = mapping.event(name)
    if kind is None:
        reader.fail(field, Words("unknown event type {name!r} (the hooks mapping knows: "
                                 "{known})", name=name, known=", ".join(mapping.events)))
    return kind


def read_zendesk(document: Any, mapping: SourceMapping) -> HelpdeskEvent:
    """A Zendesk ticket event (`zen:event-type:ticket.*`: id, type, time, detail, event)."""
    reader = _Reader(document)
    if not isinstance(document, Mapping):
        raise PayloadRejected([("body", Words("must be a JSON object"))])
    event_id, event_type = reader.text("id"), reader.text("type")
    occurred_at = reader.time("time")
    ticket = TicketFacts(
        id=reader.text("detail.id") or "", subject=reader.text("detail.subject", required=False),
        priority=reader.text("detail.priority", required=False),
        status=reader.text("detail.status", required=False),
        customer=reader.reference(mapping.account_path),
        services=reader.places(mapping.service_field),
        regions=reader.places(mapping.region_field))
    kind = _kind(reader, mapping, "type", event_type)
    change = Change(kind or "ignored")
    if kind in ("priority_changed", "status_changed", "csat_rated"):
        current = reader.get("event.current")
        if isinstance(current, Mapping):  # a rating's current value is an object
            current = current.get("score") or current.get("rating")
        change = Change(kind, value=str(current) if current is not None else None)
        if current is None:
            reader.fail("event.current", Words("required: the new value"))
    elif kind == "comment_added":
        change = Change(kind, text=reader.text("event.comment.body"),
                        author=reader.text("event.comment.author.name", required=False),
                        from_customer=reader.get("event.comment.author.is_staff") is not True)
    reader.done()
    assert event_id and event_type and occurred_at
    return HelpdeskEvent("zendesk", event_id, event_type, occurred_at, ticket, (change,))


def read_jira(document: Any, mapping: SourceMapping, headers: Mapping[str, str]
              ) -> HelpdeskEvent:
    """A Jira webhook (jira:issue_created, jira:issue_updated with its changelog,
    comment_created); its event id is the X-Atlassian-Webhook-Identifier header."""
    if not isinstance(document, Mapping):
        raise PayloadRejected([("body", Words("must be a JSON object"))])
    reader = _Reader(document)
    event_type = reader.text("webhookEvent")
    stamp = reader.get("timestamp")
    occurred_at = None
    if isinstance(stamp, int) and not isinstance(stamp, bool) and 0 < stamp < 2**45:
        occurred_at = datetime.fromtimestamp(stamp / 1000, UTC)
    else:
        reader.fail("timestamp", Words("required: milliseconds since 1970"))
    ticket = TicketFacts(
        id=reader.text("issue.key") or "",
        subject=reader.text("issue.fields.summary", required=False),
        priority=reader.text("issue.fields.priority.name", required=False),
        status=reader.text("issue.fields.status.name", required=False),
        customer=reader.reference(mapping.account_path),
        services=reader.places(mapping.service_field),
        regions=reader.places(mapping.region_field))
    # Jira's delivery id, the same on each retry; without it (a Connect app's webhook),
    # the event's own ids and time.
    event_id = headers.get(JIRA_DELIVERY_ID, "").strip() or ":".join(
        str(part) for part in (event_type, reader.get("issue.id"), stamp,
                               reader.get("changelog.id") or reader.get("comment.id") or ""))
    kind = _kind(reader, mapping, "webhookEvent", event_type)
    changes = [Change(kind or "ignored")]
    if kind == "updated":
        changes += _jira_changelog(reader, mapping)
    elif kind == "comment_added":
        changes = [Change(kind, text=_jira_text(reader.get("comment.body")) or None,
                          author=reader.text("comment.author.displayName", required=False),
                          from_customer=reader.get("comment.author.accountType") == "customer")]
        if changes[0].text is None:
            reader.fail("comment.body", Words("required: the comment's text"))
    reader.done()
    assert event_type and occurred_at
    return HelpdeskEvent("jira", event_id, event_type, occurred_at, ticket, tuple(changes))


def _jira_changelog(reader: _Reader, mapping: SourceMapping) -> list[Change]:
    items = reader.get("changelog.items") or []
    if not isinstance(items, list):
        reader.fail("changelog.items", Words("must be a list"))
        return []
    changes = []
    for item in items:
        if not isinstance(item, Mapping):
            continue
        field, to = str(item.get("field", "")).lower(), item.get("toString")
        if field == "priority" and to:
            changes.append(Change("priority_changed", value=str(to)))
        elif field == "status" and to:
            changes.append(Change("status_changed", value=str(to)))
        elif mapping.csat_field and field == mapping.csat_field.lower() and to:
            changes.append(Change("csat_rated", value=str(to)))
    return changes


def _jira_text(body: Any) -> str:
    """A comment's text: a string (REST v2), or the text nodes of an Atlassian document."""
    if isinstance(body, str):
        return body.strip()[:_TEXT_LIMIT]
    if isinstance(body, Mapping):
        own = body.get("text") if isinstance(body.get("text"), str) else ""
        inner = " ".join(_jira_text(node) for node in body.get("content") or []
                         if isinstance(node, Mapping))
        return " ".join(part for part in (own, inner) if part).strip()[:_TEXT_LIMIT]
    return ""


def read_generic(document: Any, mapping: SourceMapping) -> HelpdeskEvent:
    """escalada's own document: id, type, occurred_at, ticket {id, account, subject,
    priority, status}, and changes {priority, status}, comment {body, author,
    from_customer} or csat as the type says."""
    if not isinstance(document, Mapping):
        raise PayloadRejected([("body", Words("must be a JSON object"))])
    reader = _Reader(document)
    event_id, event_type = reader.text("id"), reader.text("type")
    occurred_at = reader.time("occurred_at")
    ticket = TicketFacts(
        id=reader.text("ticket.id") or "",
        subject=reader.text("ticket.subject", required=False),
        priority=reader.text("ticket.priority", required=False),
        status=reader.text("ticket.status", required=False),
        customer=reader.reference(mapping.account_path),
        services=reader.places(mapping.service_field),
        regions=reader.places(mapping.region_field))
    kind = _kind(reader, mapping, "type", event_type)
    changes = [Change(kind or "ignored")]
    if kind == "updated":
        for field, change in (("priority", "priority_changed"), ("status", "status_changed")):
            value = reader.text(f"changes.{field}", required=False)
            if value is not None:
                changes.append(Change(change, value=value))  # type: ignore[arg-type]
    elif kind == "comment_added":
        changes = [Change(kind, text=reader.text("comment.body"),
                          author=reader.text("comment.author", required=False),
                          from_customer=reader.get("comment.from_customer") is not False)]
    elif kind == "csat_rated":
        changes = [Change(kind, value=reader.text("csat"))]
    reader.done()
    assert event_id and event_type and occurred_at
    return HelpdeskEvent("generic", event_id, event_type, occurred_at, ticket, tuple(changes))
