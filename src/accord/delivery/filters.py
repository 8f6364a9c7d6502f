"""Filters of the task list and the board.

The list filters by status, assignee, milestone, type, priority, linked requirement, overdue
and text, and sorts; the board uses the assignee, milestone and type filters of the same set.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.delivery.choices import OPEN_TASK_STATES, TaskPriority, TaskStatus, TaskType
from accord.delivery.models import Task
from accord.risks.filters import parse_number

# Status filter value: any state but done.
OPEN = "open"
# Assignee and milestone filter value: none set.
NONE = "none"
# Assignee filter value: the signed-in user.
ME = "me"
# Priority, highest first, for sorting.
PRIORITY_RANK = {
    TaskPriority.URGENT: 0,
    TaskPriority.HIGH: 1,
    TaskPriority.NORMAL: 2,
    TaskPriority.LOW: 3,
}


class TaskOrdering(django_filters.OrderingFilter):
    """Orders by the chosen column, then by number so that pages never overlap; tasks without
    a due date or estimate come last."""

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        ordering = [self.get_ordering_value(p) for p in value or [] if p]
        if not ordering:
            return qs.order_by("-number")
        first = ordering[0]
        descending = first.startswith("-")
        name = first.lstrip("-")
        if name == "number":
            return qs.order_by(first)
        if name in ("due_date", "estimate_hours"):
            column = F(name)
            order = column.desc(nulls_last=True) if descending else column.asc(nulls_last=True)
            return qs.order_by(order, "-number")
        if name == "priority":
            # urgent < high < normal < low in the stored words' order would be alphabetical;
            # the rank puts urgent first.
            from django.db.models import Case, IntegerField, Value, When

            rank = Case(
                *(When(priority=key, then=Value(value)) for key, value in PRIORITY_RANK.items()),
                output_field=IntegerField(),
            )
            qs = qs.alias(priority_rank=rank)
            return qs.order_by("-priority_rank" if descending else "priority_rank", "-number")
        return qs.order_by(first, "-number")


class TaskFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    status = django_filters.ChoiceFilter(
        choices=[(OPEN, _("Open (not done)")), *TaskStatus.choices],
        method="filter_status",
        label=_("Status"),
        empty_label=_("All statuses"),
    )
    assignee = django_filters.ChoiceFilter(
        choices=(), method="filter_assignee", label=_("Assignee"), empty_label=_("Anyone")
    )
    milestone = django_filters.ChoiceFilter(
        choices=(), method="filter_milestone", label=_("Milestone"), empty_label=_("Any milestone")
    )
    type = django_filters.ChoiceFilter(
        choices=TaskType.choices, label=_("Type"), empty_label=_("All types")
    )
    priority = django_filters.ChoiceFilter(
        choices=TaskPriority.choices, label=_("Priority"), empty_label=_("Any priority")
    )
    requirement = django_filters.CharFilter(method="filter_requirement", label=_("Requirement"))
    overdue = django_filters.BooleanFilter(
        method="filter_overdue",
        label=_("Overdue only"),
        widget=django_filters.widgets.forms.CheckboxInput,
    )
    sort = TaskOrdering(
        fields=(
            ("number", "key"),
            ("title", "title"),
            ("due_date", "due"),
            ("priority", "priority"),
            ("estimate_hours", "estimate"),
            ("updated_at", "updated"),
        ),
        field_labels={
            "-key": _("Newest first"),
            "number": _("Oldest first"),
            "title": _("Title"),
            "-title": _("Title (Z–A)"),
            "due_date": _("Due date (soonest first)"),
            "-due": _("Due date (latest first)"),
            "priority": _("Priority (highest first)"),
            "-priority": _("Priority (lowest first)"),
            "estimate_hours": _("Estimate (smallest first)"),
            "-estimate": _("Estimate (largest first)"),
            "updated_at": _("Least recently changed"),
            "-updated": _("Recently changed"),
        },
        label=_("Sort by"),
        empty_label=None,
    )

    FILTER_NAMES = ("q", "status", "assignee", "milestone", "type", "priority", "requirement",
                    "overdue")  # fmt: skip
    BOARD_FILTERS = ("assignee", "milestone", "type")

    class Meta:
        model = Task
        fields: list[str] = []

    def __init__(
        self,
        *args: Any,
        user: Any,
        people: list[tuple[str, str]],
        milestones: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        assignees = [(ME, _("Me")), (NONE, _("Nobody yet")), *people]
        self.filters["assignee"].extra["choices"] = assignees
        self.form.fields["assignee"].choices = [("", _("Anyone")), *assignees]
        milestone_choices = [(NONE, _("No milestone")), *milestones]
        self.filters["milestone"].extra["choices"] = milestone_choices
        self.form.fields["milestone"].choices = [("", _("Any milestone")), *milestone_choices]
        self.form.fields["sort"].initial = "-key"
        self.form.fields["q"].widget.input_type = "search"
        self.form.fields["q"].widget.attrs["placeholder"] = _("Title, text or number")
        self.form.fields["requirement"].widget.attrs["placeholder"] = "R12"

    @property
    def is_filtered(self) -> bool:
        data = self.data or {}
        return any(data.get(name) for name in self.FILTER_NAMES)

    def board_values(self) -> dict[str, str]:
        """The board's filters as given (for its links and moves)."""
        data = self.data or {}
        return {name: data.get(name, "") for name in self.BOARD_FILTERS if data.get(name)}

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        condition = Q(title__icontains=value) | Q(description__icontains=value)
        number = parse_number(value, "T")
        if number is not None:
            condition |= Q(number=number)
        return queryset.filter(condition)

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == OPEN:
            return queryset.filter(status__in=OPEN_TASK_STATES)
        return queryset.filter(status=value) if value else queryset

    def filter_assignee(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == NONE:
            return queryset.filter(assignee__isnull=True)
        if value == ME:
            return queryset.filter(assignee_id=self.user.pk)
        return queryset.filter(assignee_id=value) if value else queryset

    def filter_milestone(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == NONE:
            return queryset.filter(milestone__isnull=True)
        return queryset.filter(milestone_id=value) if value else queryset

    def filter_requirement(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value.strip():
            return queryset
        number = parse_number(value, "R")
        if number is None:
            return queryset.none()
        return queryset.filter(requirements__number=number)

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if not value:
            return queryset
        return queryset.filter(status__in=OPEN_TASK_STATES, due_date__lt=timezone.localdate())
