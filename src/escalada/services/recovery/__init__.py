"""The relationship recovery plan of a case: opened when an L2+ escalation resolves
(or by hand), then edited task by task, each change on the case's timeline.

The plan outlives the case: its tasks stay editable after the case closes, since
the medium- and long-term work runs for months. Plan changes go on the case's
timeline but do not move the case's version: the case itself does not change.

One module per job: `schemas` (what people send), `plans` (opening and reading a
plan), `tasks` (editing tasks), `views` (what people see), `rows` (loading rows).
"""

from escalada.services.recovery.plans import create_plan, plan_on_resolution, recovery_plan
from escalada.services.recovery.schemas import NewTask, TaskChanges
from escalada.services.recovery.tasks import add_task, update_task
from escalada.services.recovery.views import (
    RecoveryPhaseView,
    RecoveryPlanView,
    RecoveryTaskView,
)

__all__ = [
    "NewTask", "RecoveryPhaseView", "RecoveryPlanView", "RecoveryTaskView", "TaskChanges",
    "add_task", "create_plan", "plan_on_resolution", "recovery_plan", "update_task",
]
