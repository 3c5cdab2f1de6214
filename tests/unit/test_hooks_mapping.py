"""The help desks' mapping is data validated on load like the policy: the shipped one
loads, and a bad file is refused naming the file, the path in it and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from escalada.adapters.hooks_file import HOOKS_MAPPING
from escalada.domain.errors import PolicyInvalid
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
