"""The health section of the policy: the packaged one loads, a bad one is refused naming
the field and the reason, and a policy without it takes the packaged one."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from escalada.adapters.policy_file import default_policy_path, load_policy
from escalada.domain.errors import PolicyInvalid

DEFAULT: dict[str, Any] = yaml.safe_load(default_policy_path().read_text("utf-8"))


def refused(tmp_path: Path, edit: Any) -> str:
    document = copy.deepcopy(DEFAULT)
    edit(document["health"])
    path = tmp_path / "operator.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    with pytest.raises(PolicyInvalid) as refusal:
        load_policy(path)
    return str(refusal.value)


def test_the_packaged_health_section_has_the_founding_documents_weights(policy):
    weights = {key: c.weight for key, c in policy.health.components.items()}
    assert {k: str(v) for k, v in weights.items()} == {
        "support_satisfaction": "0.25", "ticket_trends": "0.2", "engagement_quality": "0.25",
        "relationship_strength": "0.3"}
    assert [(b.key, b.lowest) for b in policy.health.bands] == [
        ("excellent", 90), ("good", 70), ("at_risk", 50), ("critical", 0)]


def test_weights_that_do_not_add_up_to_one_are_refused_naming_the_field(tmp_path):
    def heavier(health: dict[str, Any]) -> None:
        health["components"]["ticket_trends"]["weight"] = 0.25

    assert ("health.components: the components' weights must add up to 1; they add up "
            "to 1.05") in refused(tmp_path, heavier)


def test_a_negative_weight_is_refused_naming_the_field(tmp_path):
    def negative(health: dict[str, Any]) -> None:
        health["components"]["support_satisfaction"]["metrics"]["nps"]["weight"] = -1

    assert "health.components.support_satisfaction.metrics.nps.weight" in refused(
        tmp_path, negative)


def test_a_scale_out_of_order_is_refused(tmp_path):
    def backwards(health: dict[str, Any]) -> None:
        health["components"]["support_satisfaction"]["metrics"]["csat"]["scale"] = [
            [5, 100], [1, 0]]

    assert "csat.scale: points must be listed lowest value first" in refused(
        tmp_path, backwards)


def test_bands_must_run_from_the_top_down_to_zero(tmp_path):
    def no_floor(health: dict[str, Any]) -> None:
        health["bands"] = health["bands"][:-1]

    assert "health.bands: bands must be listed highest first" in refused(
        tmp_path, no_floor)


def test_an_unknown_computed_sub_metric_is_refused(tmp_path):
    def invented(health: dict[str, Any]) -> None:
        metrics = health["components"]["ticket_trends"]["metrics"]
        metrics["mood"] = {**metrics["p1_p2_share"]}

    assert "mood: escalada computes only" in refused(tmp_path, invented)


def test_an_entered_sub_metric_needs_its_range(tmp_path):
    def unbounded(health: dict[str, Any]) -> None:
        del health["components"]["support_satisfaction"]["metrics"]["nps"]["range"]

    assert "nps: an entered sub-metric needs its `range`" in refused(tmp_path, unbounded)


def test_a_policy_without_a_health_section_takes_the_packaged_one(tmp_path, policy):
    document = copy.deepcopy(DEFAULT)
    del document["health"]
    path = tmp_path / "operator.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    assert load_policy(path).health == policy.health
