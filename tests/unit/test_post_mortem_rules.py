"""The post-mortem's pure rules: the agenda, when one is due, how action items stand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from escalada.domain.post_mortem import (
    HEADING_TITLES,
    HEADINGS,
    action_state,
    is_overdue,
    needs_post_mortem,
)

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def test_the_agenda_follows_the_playbook_in_order() -> None:
    assert HEADINGS == ("timeline_review", "root_cause_technical", "root_cause_process",
                        "went_well", "went_wrong", "preventive_measures",
                        "process_improvements")
    assert set(HEADING_TITLES) == set(HEADINGS)


def test_an_action_item_is_open_then_overdue_unless_done() -> None:
    due = NOW + timedelta(days=1)
    assert action_state(due, None, NOW) == "open"
    assert action_state(due, None, due) == "open"
    assert action_state(due, None, due + timedelta(seconds=1)) == "overdue"
    assert action_state(due, due + timedelta(days=3), due + timedelta(days=9)) == "done"


def test_a_post_mortem_follows_a_resolution_at_l2_or_above() -> None:
    assert [needs_post_mortem(level, "L2") for level in (None, "L1", "L2", "L3", "L4")] == [
        False, False, True, True, True]
    assert not needs_post_mortem("L2", "L3")
    assert needs_post_mortem("L1", "L1")


def test_a_post_mortem_is_overdue_past_its_due_time_until_completed() -> None:
    due = NOW + timedelta(days=5)
    assert not is_overdue(None, None, NOW + timedelta(days=99))
    assert not is_overdue(due, None, due)
    assert is_overdue(due, None, due + timedelta(minutes=1))
    assert not is_overdue(due, due - timedelta(days=1), due + timedelta(days=9))
