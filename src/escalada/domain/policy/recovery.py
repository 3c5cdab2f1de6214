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


def _t(key: str, days: int | None, owner: str, en: str, ru: str,
       customer: TaskText | None = None) -> TaskTemplate:
    return TaskTemplate(key=key, due_days=days, owner_role=owner, text=TaskText(en=en, ru=ru),
                        customer_text=customer)


def _phases() -> dict[Phase, tuple[TaskTemplate, ...]]:
    return {
        "immediate": (
            _t("resolution_communication", 1, "support_manager",
               "Confirm the resolution with the customer and send the resolution summary: "
               "what happened, what was fixed, what comes next",
               "Подтвердить решение с клиентом и отправить итоговое письмо: что произошло, "
               "что исправлено, что будет дальше"),
        ),
        "short_term": (
            _t("executive_apology", 7, ESCALATION_EXECUTIVE,
               "Executive apology call or visit",
               "Звонок или визит руководителя с извинениями"),
            _t("service_credits", 14, "account_executive",
               "Agree service credits or other compensation with the customer",
               "Согласовать с клиентом сервисные кредиты или иную компенсацию"),
            _t("committed_improvements", 14, "support_director",
               "Commit to improvements with a timeline and share them with the customer",
               "Зафиксировать улучшения со сроками и передать их клиенту",
               TaskText(en="We will share the improvements we commit to, each with its date",
                        ru="Мы направим Вам план улучшений, которые берём на себя, "
                           "с конкретными сроками")),
        ),
        "medium_term": (
            _t("enhanced_support", 30, "support_manager",
               "Put an enhanced support model in place (temporary or permanent)",
               "Ввести усиленную модель поддержки (временно или постоянно)"),
            _t("internal_learning", 30, "support_manager",
               "Internal learning: document the escalation in the knowledge base, update "
               "the playbooks, train the team on the lessons learned, implement the "
               "process improvements",
               "Внутреннее обучение: описать эскалацию в базе знаний, обновить регламенты, "
               "обучить команду по итогам, внедрить улучшения процессов"),
            _t("roadmap_input", 60, "support_director",
               "Bring the customer's needs into the product roadmap",
               "Передать потребности клиента в продуктовую дорожную карту"),
            _t("quarterly_business_review", 90, "account_executive",
               "Hold a quarterly business review with the customer",
               "Провести с клиентом квартальный бизнес-обзор (QBR)"),
            _t("advisory_board_invitation", 90, "vp",
               "Invite the customer to the customer advisory board",
               "Пригласить клиента в клиентский консультативный совет"),
        ),
        "long_term": (
            _t("strategic_partnership", 180, "vp",
               "Discuss a strategic partnership",
               "Обсудить стратегическое партнёрство"),
            _t("co_marketing", 180, "account_executive",
               "Explore co-marketing opportunities",
               "Проработать возможности совместного маркетинга"),
            _t("reference_programme", 180, "account_executive",
               "Invite the customer to the reference customer programme",
               "Пригласить клиента в программу референс-клиентов"),
        ),
    }


def _post_mortem() -> PostResolutionTask:
    return PostResolutionTask(
        due_days=5, calendar="business", owner_role="support_manager", text=TaskText(
            en="Post-mortem with the war room team and the executives. Agenda: 1. timeline "
               "review; 2. root cause (technical and process); 3. what went well; 4. what "
               "went wrong; 5. preventive measures; 6. process improvements",
            ru="Разбор инцидента (post-mortem) с командой war room и руководством. Повестка: "
               "1. хронология; 2. первопричина (техническая и процессная); 3. что прошло "
               "хорошо; 4. что пошло не так; 5. превентивные меры; 6. улучшения процессов"),
        customer_text=TaskText(
            en="We will review the incident in a post-mortem and share its findings with you",
            ru="Мы проведём разбор инцидента и поделимся с Вами его выводами"))


def _customer_follow_up() -> PostResolutionTask:
    return PostResolutionTask(
        due_days=7, owner_role=ESCALATION_EXECUTIVE, text=TaskText(
            en="Customer follow-up: executive-to-executive call to present the post-mortem "
               "findings, share the committed improvements and rebuild trust",
            ru="Повторный контакт с клиентом: звонок на уровне руководителей, чтобы "
               "представить выводы разбора, рассказать о принятых улучшениях и восстановить "
               "доверие"),
        customer_text=TaskText(
            en="Our executive will call yours to present the post-mortem findings and the "
               "improvements we commit to",
            ru="Наш руководитель позвонит руководству Вашей компании, чтобы рассказать о "
               "выводах разбора инцидента и о плане улучшений"))


class RecoveryPolicy(Section):
    """The recovery-plan template: a plan opens when a case that reached `min_level`
    resolves (levels reached and stepped down from count)."""

    min_level: ExecLevel = ExecLevel.L2
    phases: dict[Phase, tuple[TaskTemplate, ...]] = Field(default_factory=_phases)
    post_mortem: PostResolutionTask = Field(default_factory=_post_mortem)
    customer_follow_up: PostResolutionTask = Field(default_factory=_customer_follow_up)

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

