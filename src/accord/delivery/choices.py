"""The vocabulary of delivery: task types, priorities, states and the board's moves."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TaskType(models.TextChoices):
    FEATURE = "feature", _("Feature")
    BUG = "bug", _("Bug")
    IMPROVEMENT = "improvement", _("Improvement")
    TEST = "test", pgettext_lazy("task type", "Test")
    DOCUMENTATION = "documentation", _("Documentation")
    CHORE = "chore", _("Chore")


class TaskPriority(models.TextChoices):
    LOW = "low", pgettext_lazy("task priority", "Low")
    NORMAL = "normal", pgettext_lazy("task priority", "Normal")
    HIGH = "high", pgettext_lazy("task priority", "High")
    URGENT = "urgent", pgettext_lazy("task priority", "Urgent")


class TaskStatus(models.TextChoices):
    """The board's columns, in order."""

    TODO = "todo", _("To do")
    IN_PROGRESS = "in_progress", pgettext_lazy("task status", "In progress")
    IN_REVIEW = "in_review", _("In review")
    BLOCKED = "blocked", _("Blocked")
    DONE = "done", pgettext_lazy("task status", "Done")


OPEN_TASK_STATES = (
    TaskStatus.TODO,
    TaskStatus.IN_PROGRESS,
    TaskStatus.IN_REVIEW,
    TaskStatus.BLOCKED,
)

T = TaskStatus
# Which column a task may move to from which; the board and the API offer only these, the
# services enforce them. Blocking needs a reason; reopening a done task goes back to "to do"
# or "in progress".
MOVES: dict[str, tuple[str, ...]] = {
    T.TODO: (T.IN_PROGRESS, T.BLOCKED, T.DONE),
    T.IN_PROGRESS: (T.TODO, T.IN_REVIEW, T.BLOCKED, T.DONE),
    T.IN_REVIEW: (T.IN_PROGRESS, T.BLOCKED, T.DONE),
    T.BLOCKED: (T.TODO, T.IN_PROGRESS, T.IN_REVIEW),
    T.DONE: (T.TODO, T.IN_PROGRESS),
}

DEFAULT_CAPACITY_HOURS = 40
