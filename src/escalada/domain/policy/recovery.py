"""The recovery-plan template of the policy (data): the founding document's
"Relationship Recovery Plan", its post-mortem and the customer follow-up."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import Field, model_validator

from escalada.domain.model import ExecLevel, Language
from escalada.domain.policy.types import Key, Section

Phase = Literal["immediate", "short_term", "medium_term", "long_term"]
PHASES: tuple[Phase, ...] = ("immediate", "short_term", "medium_term", "long_term")
TaskStatus = Literal["open", "in_progress", "done", "cancelled"]
STATUSES: tuple[TaskStatus, ...] = ("open", "in_progress", "done", "cancelled")
OPEN_STATUSES = frozenset({"open", "in_progress"})
POST_MORTEM, CUSTOMER_FOLLOW_UP = "post_mortem", "customer_follow_up"
# The owner role that means "whoever answers for the level the escalation reached":
# the support manager for L2, the director for L3, the VP for L4.
ESCALATION_EXECUTIVE = "escalation_executive"


class TaskText(Section):
    """A task's wording in English and, where written, Russian."""

    en: str = Field(min_length=1)
    ru: str | None = Field(default=None, min_length=1)

    def in_language(self, language: Language | str) -> str:
        return self.ru if language == Language.RU and self.ru else self.en


class TaskTerms(Section):
    """What a task says, when it falls due after the plan opens, and who owns it."""

    text: TaskText
    # None: no due date. With `calendar: business`, days are the account's business days.
    due_days: int | None = Field(default=None, ge=0, le=3650)
    calendar: Literal["24x7", "business"] = "24x7"
    owner_role: Key = "support_manager"
    # What the customer reads of the task in a letter (the resolution's follow-up
    # actions). A task without it is internal work, never shown to the customer.
    customer_text: TaskText | None = None


class TaskTemplate(TaskTerms):
    key: Key


class PostResolutionTask(TaskTerms):
    """The post-mortem or the customer follow-up: always part of a plan."""

    phase: Phase = "short_term"


class RecoveryPolicy(Section):
    """The recovery-plan template: a plan opens when a case that reached `min_level`
    resolves (levels reached and stepped down from count)."""

    packaged_defaults = "*"

    min_level: ExecLevel
    phases: dict[Phase, tuple[TaskTemplate, ...]]
    post_mortem: PostResolutionTask
    customer_follow_up: PostResolutionTask

    @model_validator(mode="after")
    def _distinct_keys(self) -> RecoveryPolicy:
        keys = [t.key for tasks in self.phases.values() for t in tasks]
        reserved = [k for k in keys if k in (POST_MORTEM, CUSTOMER_FOLLOW_UP)]
        if reserved:
            raise ValueError(f"{', '.join(reserved)} is set by its own section, not a phase")
        repeated = sorted({k for k in keys if keys.count(k) > 1})
        if repeated:
            raise ValueError(f"task keys must be distinct: {', '.join(repeated)} repeated")
        return self

    def templates(self) -> Iterable[tuple[Phase, str, TaskTerms]]:
        """(phase, key, terms) of every task of a plan, in phase order."""
        for phase in PHASES:
            for task in self.phases.get(phase, ()):
                yield phase, task.key, task
            for key, extra in ((POST_MORTEM, self.post_mortem),
                               (CUSTOMER_FOLLOW_UP, self.customer_follow_up)):
                if extra.phase == phase:
                    yield phase, key, extra

    def terms(self, key: str | None) -> TaskTerms | None:
        return next((terms for _, k, terms in self.templates() if k == key), None)

