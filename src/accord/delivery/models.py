"""Tasks (ACME-T44) traced to requirements and change requests, their checklists and time
entries, the board's WIP limits and each person's weekly capacity.

Tasks are internal: clients see a milestone's summary (counts and progress), never the tasks.
`spent_hours` is the sum of the task's time entries, kept by the services for fast lists.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.core.models import KeyedItem, TimeStampedModel
from accord.delivery.choices import (
    DEFAULT_CAPACITY_HOURS,
    OPEN_TASK_STATES,
    TaskPriority,
    TaskStatus,
    TaskType,
)

HOURS = {"max_digits": 7, "decimal_places": 2}


class Task(KeyedItem):
    KEY_PREFIX = "T"

    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.CASCADE,
        related_name="tasks",
        verbose_name=_("project"),
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown."))
    type = models.CharField(
        _("type"), max_length=16, choices=TaskType.choices, default=TaskType.FEATURE
    )
    priority = models.CharField(
        _("priority"), max_length=8, choices=TaskPriority.choices, default=TaskPriority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.TODO
    )
    blocked_reason = models.CharField(_("why blocked"), max_length=500, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tasks",
        verbose_name=_("assignee"),
    )
    milestone = models.ForeignKey(
        "projects.Milestone",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
        verbose_name=_("milestone"),
    )
    estimate_hours = models.DecimalField(
        _("estimate (hours)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("2000"))],
        **HOURS,
    )
    spent_hours = models.DecimalField(_("time spent (hours)"), default=Decimal("0"), **HOURS)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    # Order within the board column; smaller first.
    rank = models.IntegerField(_("order"), default=0)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    requirements = models.ManyToManyField(
        "requirements.Requirement",
        blank=True,
        related_name="tasks",
        verbose_name=_("requirements"),
    )
    change_requests = models.ManyToManyField(
        "changes.ChangeRequest",
        blank=True,
        related_name="tasks",
        verbose_name=_("change requests"),
    )
    response_action = models.OneToOneField(
        "risks.ResponseAction",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="task",
        verbose_name=_("risk response action"),
    )
    problems = models.ManyToManyField(
        "risks.Problem", blank=True, related_name="tasks", verbose_name=_("problems")
    )

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="delivery_task_number"),
            models.CheckConstraint(
                condition=Q(due_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(due_date__gte=F("start_date")),
                name="delivery_task_dates_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(status="blocked") | ~Q(blocked_reason=""),
                name="delivery_task_blocked_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["project", "status", "rank"], name="delivery_task_board_idx"),
            models.Index(fields=["project", "assignee"], name="delivery_task_assignee_idx"),
            models.Index(fields=["project", "milestone"], name="delivery_task_milestone_idx"),
            models.Index(fields=["project", "type"], name="delivery_task_type_idx"),
            models.Index(fields=["project", "due_date"], name="delivery_task_due_idx"),
            models.Index(fields=["project", "updated_at"], name="delivery_task_updated_idx"),
            models.Index(fields=["assignee", "status"], name="delivery_task_mine_idx"),
        ]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")

    def __str__(self) -> str:
        return f"{self.key} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("delivery:detail", kwargs={"key": self.project.key, "number": self.number})

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_TASK_STATES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_date is not None and self.due_date < timezone.localdate()


class ChecklistItem(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="checklist")
    position = models.PositiveSmallIntegerField(_("position"))
    text = models.CharField(_("item"), max_length=300)
    done = models.BooleanField(_("done"), default=False)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        ordering = ["task", "position"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")

    def __str__(self) -> str:
        return self.text[:60]


class TimeEntry(TimeStampedModel):
    """Hours one person spent on a task on one day."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="time_entries")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="time_entries",
        verbose_name=_("who"),
    )
    date = models.DateField(_("date"))
    hours = models.DecimalField(
        _("hours"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.25")), MaxValueValidator(Decimal("24"))],
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=24), name="delivery_time_hours_range"
            )
        ]
        indexes = [
            models.Index(fields=["user", "date"], name="delivery_time_user_idx"),
        ]
        verbose_name = _("time entry")
        verbose_name_plural = _("time entries")

    def __str__(self) -> str:
        return f"{self.user_id} {self.date} {self.hours}h"


class WipLimit(models.Model):
    """The most tasks a board column should hold in one project; shown, and warned about."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="wip_limits"
    )
    status = models.CharField(_("column"), max_length=12, choices=TaskStatus.choices)
    limit = models.PositiveSmallIntegerField(
        _("WIP limit"), validators=[MinValueValidator(1), MaxValueValidator(999)]
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "status"], name="delivery_wip_unique")
        ]
        verbose_name = _("WIP limit")
        verbose_name_plural = _("WIP limits")

    def __str__(self) -> str:
        return f"{self.status} ≤ {self.limit}"


class Capacity(TimeStampedModel):
    """How many hours a week a person can work (across all projects)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="capacity"
    )
    hours_per_week = models.DecimalField(
        _("hours per week"),
        max_digits=5,
        decimal_places=1,
        default=DEFAULT_CAPACITY_HOURS,
        validators=[MinValueValidator(0), MaxValueValidator(168)],
    )

    class Meta:
        verbose_name = _("capacity")
        verbose_name_plural = _("capacities")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.hours_per_week} h/week"
