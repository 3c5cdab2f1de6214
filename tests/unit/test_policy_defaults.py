"""Defaults are written once, in the shipped policy: an operator's file (or a policy an
older escalada froze on a case) that leaves a section or a key of it out gets the
shipped value, exactly as it did when the code carried a copy of the defaults."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from escalada.adapters.policy_file import complete, load_policy, packaged_document
from escalada.domain.errors import PolicyInvalid
from escalada.domain.model import SupportPlan
from escalada.domain.policy import Policy

SECTIONS = ("timers", "credits", "war_room", "recovery", "communications", "health",
            "incidents")


def load(tmp_path: Path, document: dict[str, Any]) -> Policy:
    path = tmp_path / "operator.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return load_policy(path)


@pytest.mark.parametrize("section", SECTIONS)
def test_an_operator_file_without_a_section_gets_the_shipped_one(
    tmp_path: Path, policy: Policy, section: str,
) -> None:
    document = packaged_document()
    del document[section]

    assert getattr(load(tmp_path, document), section) == getattr(policy, section)


def test_an_operator_file_with_only_the_required_sections_is_the_shipped_policy(
    tmp_path: Path, policy: Policy,
) -> None:
    document = packaged_document()
    for section in SECTIONS:
        del document[section]

    assert load(tmp_path, document) == policy


def test_a_key_left_out_of_a_section_is_the_shipped_one(tmp_path: Path, policy: Policy
                                                        ) -> None:
    document = packaged_document()
    document["communications"] = {"delivery": {"max_attempts": 3}}
    document["timers"] = {"auto_escalate": {"executive": True}}
    document["war_room"] = {"channel": "#war-{slug}"}

    loaded = load(tmp_path, document)

    assert loaded.communications.delivery.max_attempts == 3
    assert loaded.communications.delivery.jitter == policy.communications.delivery.jitter
    assert loaded.communications.acknowledgment_within == (
        policy.communications.acknowledgment_within)
    assert loaded.timers.auto_escalate.executive is True
    assert loaded.timers.auto_escalate.technical is False
    assert loaded.timers.sla_thresholds == policy.timers.sla_thresholds
    assert loaded.war_room.channel == "#war-{slug}"
    assert loaded.war_room.attendees == policy.war_room.attendees


def test_a_table_the_operator_gives_replaces_the_shipped_one_whole(tmp_path: Path) -> None:
    document = packaged_document()
    document["credits"] = {"schedules": {"enterprise": {"tiers": [
        {"breached_minutes": 0, "percent": 5}]}}}
    document["recovery"] = {"phases": {"immediate": [
        {"key": "call_back", "text": {"en": "Call the customer back"}}]}}

    loaded = load(tmp_path, document)

    assert set(loaded.credits.schedules) == {SupportPlan.ENTERPRISE}
    assert loaded.credits.authority_window_days == 30
    assert [key for _, key, _ in loaded.recovery.templates()] == [
        "call_back", "post_mortem", "customer_follow_up"]


def test_a_required_section_is_still_required(tmp_path: Path) -> None:
    document = packaged_document()
    del document["sla"]
    del document["criteria"]

    with pytest.raises(PolicyInvalid, match="sla: is required"):
        load(tmp_path, document)


def test_an_operator_file_without_criteria_has_none_as_before(tmp_path: Path) -> None:
    document = packaged_document()
    document["criteria"] = {}
    loaded = load(tmp_path, document)
    del document["criteria"]

    assert load(tmp_path, document).criteria == loaded.criteria == {}


def test_a_frozen_policy_from_before_a_section_existed_still_reads(policy: Policy) -> None:
    stored = policy.model_dump(mode="json", by_alias=True)
    del stored["communications"]
    del stored["war_room"]["rank_for_contact"]

    assert Policy.model_validate(complete(stored)) == policy


def test_completing_a_document_leaves_it_and_the_shipped_one_unchanged() -> None:
    document: dict[str, Any] = {"version": "x", "war_room": {"channel": "#w-{slug}"}}
    before = copy.deepcopy(document)

    completed = complete(document)
    completed["war_room"]["attendees"].clear()

    assert document == before
    assert packaged_document()["war_room"]["attendees"]
