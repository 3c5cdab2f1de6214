"""The handoff gate of a technical step, as a pure rule: which items a package supplies,
and when a step may be taken without them."""

from __future__ import annotations

import re
from typing import Any

import pytest

from escalada.domain.errors import HandoffIncomplete, InvalidInput
from escalada.domain.handoff import pass_handoff_gate, supplied

REQUIRED = ("technical_analysis", "root_cause_hypothesis", "diagnostic_logs")
COMPLETE = {"technical_analysis": "race in the attach path",
            "root_cause_hypothesis": "driver timeout too short",
            "diagnostic_logs": "trace-7781"}


@pytest.mark.parametrize("value", [None, "", "   ", "\n\t", [], [""], ["trace-1", "  "]])
def test_an_item_sent_as_nothing_does_not_supply_it(value: Any) -> None:
    assert not supplied(value)

    with pytest.raises(HandoffIncomplete, match=r"T2 -> T3 is incomplete: missing "
                                                r"diagnostic_logs$") as refused:
        pass_handoff_gate("T2 -> T3", REQUIRED, {**COMPLETE, "diagnostic_logs": value})

    assert (refused.value.step, refused.value.missing) == ("T2 -> T3", ["diagnostic_logs"])


def test_a_package_of_nulls_is_refused_listing_every_item() -> None:
    nulls = dict.fromkeys(REQUIRED)

    with pytest.raises(HandoffIncomplete, match="missing technical_analysis, "
                                                "root_cause_hypothesis, diagnostic_logs"):
        pass_handoff_gate("T2 -> T3", REQUIRED, nulls)


@pytest.mark.parametrize("value", ["None", "null", "x", ["trace-1", "trace-2"]])
def test_text_or_a_list_of_texts_supplies_an_item_whatever_it_says(value: Any) -> None:
    passed = pass_handoff_gate("T2 -> T3", REQUIRED, {**COMPLETE, "diagnostic_logs": value})

    assert supplied(value)
    assert passed.package["diagnostic_logs"] == value
    assert (passed.overridden, passed.override_reason) == ([], None)


def test_a_complete_package_passes_and_keeps_only_what_it_supplies() -> None:
    passed = pass_handoff_gate("T2 -> T3", REQUIRED,
                               {**COMPLETE, "extra_note": "see the bridge", "empty": None})

    assert passed.package == {**COMPLETE, "extra_note": "see the bridge"}
    assert passed.overridden == []


def test_an_override_reason_waives_the_missing_items_and_is_kept_with_them() -> None:
    passed = pass_handoff_gate("T2 -> T3", REQUIRED, {"technical_analysis": "race", "x": None},
                               override_reason="  outage in progress  ")

    assert passed.overridden == ["root_cause_hypothesis", "diagnostic_logs"]
    assert passed.override_reason == "outage in progress"
    assert passed.package == {"technical_analysis": "race"}


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_a_blank_override_reason_overrides_nothing(reason: str | None) -> None:
    with pytest.raises(HandoffIncomplete, match="missing root_cause_hypothesis"):
        pass_handoff_gate("T2 -> T3", REQUIRED, {"technical_analysis": "race"},
                          override_reason=reason)


def test_an_override_reason_on_a_complete_package_is_not_an_override() -> None:
    passed = pass_handoff_gate("T2 -> T3", REQUIRED, COMPLETE, override_reason="just in case")

    assert (passed.overridden, passed.override_reason) == ([], None)


def test_no_package_at_all_passes_a_step_that_needs_none() -> None:
    assert pass_handoff_gate("none -> L2", (), None).package == {}


@pytest.mark.parametrize(("value", "kind"), [
    (0, "a number"), (3.5, "a number"), (True, "true/false"), (False, "true/false"),
    ({}, "an object"), ({"text": "x"}, "an object"), (["x", 1], "a list of something else"),
])
def test_a_value_that_is_not_text_is_bad_input_naming_the_item(value: Any, kind: str) -> None:
    with pytest.raises(
        InvalidInput,
        match=rf"^handoff\.diagnostic_logs: must be text or a list of texts, not {kind}$",
    ) as refused:
        pass_handoff_gate("T2 -> T3", REQUIRED, {**COMPLETE, "diagnostic_logs": value})

    assert refused.value.problems == [
        ("handoff.diagnostic_logs", f"must be text or a list of texts, not {kind}")]


def test_a_package_that_is_not_an_object_is_bad_input() -> None:
    with pytest.raises(InvalidInput, match="handoff: must be an object of item id -> text"):
        pass_handoff_gate("T2 -> T3", REQUIRED, ["technical_analysis"])  # type: ignore[arg-type]


@pytest.mark.parametrize(("package", "field", "reason"), [
    ({**COMPLETE, "diagnostic_logs": "x" * 100_001}, "handoff.diagnostic_logs",
     "must be at most 100000 characters"),
    ({**COMPLETE, "diagnostic_logs": ["ok", "nul\x00byte"]}, "handoff.diagnostic_logs",
     "must not contain control characters other than newline and tab (U+0000"),
    ({**COMPLETE, "x" * 201: "text"}, "handoff", "must be at most 200 characters"),
])
def test_an_item_beyond_the_text_limits_is_bad_input_naming_it(
    package: dict[str, Any], field: str, reason: str
) -> None:
    with pytest.raises(
        InvalidInput,
        match=rf"^{re.escape(field)}: .*{re.escape(reason)}",
    ) as refused:
        pass_handoff_gate("T2 -> T3", REQUIRED, package)

    [(named, why)] = refused.value.problems
    assert named == field and reason in why


def test_an_item_on_several_lines_with_tabs_is_kept() -> None:
    package = {**COMPLETE, "diagnostic_logs": "line one\n\tline two"}
    assert pass_handoff_gate("T2 -> T3", REQUIRED, package).package == package
