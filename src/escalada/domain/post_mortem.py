"""The post-mortem of an escalation: the playbook's agenda, and the rules for when it
is due and how its action items stand (pure)."""

from __future__ import annotations

from datetime import datetime

# The playbook's agenda, in its order: findings are filed under one of these headings.
HEADINGS = ("timeline_review", "root_cause_technical", "root_cause_process", "went_well",
            "went_wrong", "preventive_measures", "process_improvements")
HEADING_TITLES = {
    "timeline_review": "Timeline review",
    "root_cause_technical": "Root cause (technical)",
    "root_cause_process": "Root cause (process)",
    "went_well": "What went well",
    "went_wrong": "What went wrong",
    "preventive_measures": "Preventive measures",
    "process_improvements": "Process improvements",
}
# An action item is open until done; open past its due time it is overdue.
OPEN, DONE, OVERDUE = "open", "done", "overdue"
ACTION_STATES = (OPEN, DONE, OVERDUE)
# Levels whose resolution calls for a post-mortem.
LEVEL_ORDER = ("L1", "L2", "L3", "L4")


def action_state(due_at: datetime, done_at: datetime | None, now: datetime) -> str:
    """Where an action item stands at `now`: done once done, else overdue past its due
    time, else open."""
    if done_at is not None:
        return DONE
    return OVERDUE if now > due_at else OPEN


def needs_post_mortem(exec_level: str | None, min_level: str) -> bool:
    """A case resolved at `min_level` (L2 by default) or above calls for a post-mortem."""
    if exec_level not in LEVEL_ORDER:
        return False
    return LEVEL_ORDER.index(exec_level) >= LEVEL_ORDER.index(min_level)


def is_overdue(due_at: datetime | None, completed_at: datetime | None,
               now: datetime) -> bool:
    """A post-mortem is overdue once its due time passed before it was completed."""
    return due_at is not None and completed_at is None and now > due_at
