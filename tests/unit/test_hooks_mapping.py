"""The help desks' mapping is data validated on load like the policy: the shipped one
loads, and a bad file is refused naming the file, the path in it and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from escalada.adapters.hooks_file import HOOKS_MAPPING
from escalada.domain.errors import PayloadRejected, PolicyInvalid
from escalada.domain.helpdesk_events import HelpdeskEvent, read_generic, read_jira, read_zendesk
from escalada.domain.helpdesk_mapping import PlaceField, SourceMapping
from escalada.domain.model import Severity


def _shipped() -> dict[str, object]:
    document: dict[str, object] = yaml.safe_load(
        HOOKS_MAPPING.default_path().read_text(encoding="utf-8"))
    return document


def test_the_shipped_mapping_loads_and_maps_zendesk_words_without_regard_to_case() -> None:
    mapping = HOOKS_MAPPING.load(HOOKS_MAPPING.default_path())
    zendesk = mapping.source("zendesk")

    assert zendesk.severity("URGENT") is Severity.P1
    assert zendesk.status("PENDING") == (True, "waiting_on_customer")
    assert zendesk.status("new") == (True, None)
    assert zendesk.status("ON_MARS") == (False, None)
    assert zendesk.event("zen:event-type:ticket.created") == "created"
    assert zendesk.rating("bad") == 1 and zendesk.rating("4") == 4 and zendesk.rating("9") is None
    assert mapping.replay_window.total_seconds() == 300


def test_a_bad_mapping_names_the_file_the_path_and_the_reason(tmp_path: Path) -> None:
    document = _shipped()
    document["zendesk"]["priorities"]["urgent"] = "P0"  # type: ignore[index]
    document["jira"]["statuses"]["resolved"] = "fixed"  # type: ignore[index]
    path = tmp_path / "hooks.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")

    with pytest.raises(PolicyInvalid) as refused:
        HOOKS_MAPPING.load(path)

    message = str(refused.value)
    assert "hooks.yaml: zendesk.priorities.urgent" in message
    assert "hooks.yaml: jira.statuses.resolved" in message


def test_an_unknown_key_is_refused(tmp_path: Path) -> None:
    document = _shipped()
    document["generic"]["acounts"] = {}  # type: ignore[index]
    path = tmp_path / "hooks.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")

    with pytest.raises(PolicyInvalid, match=r"generic\.acounts"):
        HOOKS_MAPPING.load(path)


def test_a_tickets_services_and_regions_are_read_from_the_mapped_fields() -> None:
    mapping = HOOKS_MAPPING.load(HOOKS_MAPPING.default_path())
    detail = {"id": "1", "tags": ["vip", "SERVICE_rds", "service_rds", "region_eu-central-1"]}
    zendesk = read_zendesk({"id": "e1", "type": "zen:event-type:ticket.created",
                            "time": "2026-12-04T10:00:00Z", "detail": detail},
                           mapping.source("zendesk"))
    jira = read_jira({"webhookEvent": "jira:issue_created", "timestamp": 1_780_000_000_000,
                      "issue": {"key": "SUP-1", "fields": {
                          "components": [{"name": "s3"}, {"name": "rds"}],
                          "labels": ["region_us-east-1", "outage"]}}},
                     mapping.source("jira"), {})
    silent = read_zendesk({"id": "e2", "type": "zen:event-type:ticket.created",
                           "time": "2026-12-04T10:00:00Z", "detail": {"id": "2"}},
                          mapping.source("zendesk"))

    assert (zendesk.ticket.services, zendesk.ticket.regions) == (("rds",), ("eu-central-1",))
    assert (jira.ticket.services, jira.ticket.regions) == (("rds", "s3"), ("us-east-1",))
    assert (silent.ticket.services, silent.ticket.regions) == (None, None)  # left alone


def test_a_place_field_renames_values_and_a_bad_value_names_the_field() -> None:
    rules = SourceMapping(events={"ticket.created": "created"}, account_path="ticket.account",
                          service_field=PlaceField(path="ticket.product",
                                                   names={"Managed Postgres": "rds"}),
                          region_field=PlaceField(path="ticket.dc"))

    def read(ticket: dict[str, object]) -> HelpdeskEvent:
        return read_generic({"id": "e1", "type": "ticket.created",
                             "occurred_at": "2026-12-04T10:00:00Z",
                             "ticket": {"id": "T1", **ticket}}, rules)

    event = read({"product": "managed postgres", "dc": {"value": "fra"}})
    assert (event.ticket.services, event.ticket.regions) == (("rds",), ("fra",))
    with pytest.raises(PayloadRejected) as refused:
        read({"product": [True], "dc": [f"r{n}" for n in range(21)]})
    assert [field for field, _ in refused.value.problems] == ["ticket.product", "ticket.dc"]
    with pytest.raises(PayloadRejected, match="control characters"):
        read({"product": "rds\x00"})


def test_a_place_field_of_a_bad_shape_is_refused_on_load(tmp_path: Path) -> None:
    document = _shipped()
    document["jira"]["region_field"] = {"path": "issue.fields.labels[0]"}  # type: ignore[index]
    path = tmp_path / "hooks.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")

    with pytest.raises(PolicyInvalid, match=r"jira\.region_field\.path"):
        HOOKS_MAPPING.load(path)
