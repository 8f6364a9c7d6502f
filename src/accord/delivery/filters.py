"""Filters of the task list and the board.

The list filters by status, assignee, milestone, type, priority, linked requirement, overdue
and text, and sorts; the board uses the assignee, milestone and type filters of the same set.
Each filter hands its value to `selectors.filter_tasks`, so the pages and the API agree on
what a filter means.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accord.delivery import selectors
from accord.delivery.choices import TaskPriority, TaskStatus, TaskType
from accord.delivery.models import Task
from accord.delivery.selectors import ME, NONE, OPEN

# The sort menu: values as `selectors.sort_tasks` takes them.
SORTS = (
    ("-number", _("Newest first")),
    ("number", _("Oldest first")),
    ("title", _("Title")),
    ("-title", _("Title (Z–A)")),
    ("due_date", _("Due date (soonest first)")),
    ("-due_date", _("Due date (latest first)")),
    ("priority", _("Priority (highest first)")),
    ("-priority", _("Priority (lowest first)")),
    ("status", _("Status (board order)")),
    ("estimate_hours", _("Estimate (smallest first)")),
    ("-estimate_hours", _("Estimate (largest first)")),
    ("-updated_at", _("Recently changed")),
    ("updated_at", _("Least recently changed")),
)


class TaskFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="by_selector", label=_("Search"))
    status = django_filters.ChoiceFilter(
        choices=[(OPEN, _("Open (not done)")), *TaskStatus.choices],
        method="by_selector",
        label=_("Status"),
        empty_label=_("All statuses"),
    )
    assignee = django_filters.ChoiceFilter(
        choices=(), method="by_selector", label=_("Assignee"), empty_label=_("Anyone")
    )
    milestone = django_filters.ChoiceFilter(
        choices=(), method="by_selector", label=_("Milestone"), empty_label=_("Any milestone")
    )
    type = django_filters.ChoiceFilter(
        choices=TaskType.choices, method="by_selector", label=_("Type"), empty_label=_("All types")
    )
    priority = django_filters.ChoiceFilter(
        choices=TaskPriority.choices,
        method="by_selector",
        label=_("Priority"),
        empty_label=_("Any priority"),
    )
    requirement = django_filters.CharFilter(method="by_selector", label=_("Requirement"))
    overdue = django_filters.BooleanFilter(
        method="by_selector",
        label=_("Overdue only"),
        widget=django_filters.widgets.forms.CheckboxInput,
    )
    sort = django_filters.ChoiceFilter(
        choices=SORTS, method="by_sort", label=_("Sort by"), empty_label=None
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
        self.form.fields["sort"].initial = "-number"
        self.form.fields["q"].widget.input_type = "search"
        self.form.fields["q"].widget.attrs["placeholder"] = _("Title, text or number")
        self.form.fields["requirement"].widget.attrs["placeholder"] = "R12"

    @property
    def is_filtered(self) -> bool:
        data = self.data or {}
        return any(data.get(name) for name in self.FILTER_NAMES)

    def board_values(self) -> dict[str, str]:
        """The board's filters as given (for its links and moves), those the form accepts: a
        value it refuses (an unknown or out-of-range id) shows as the form's error instead."""
        data = self.data or {}
        refused = self.form.errors
        return {
            name: data.get(name, "")
            for name in self.BOARD_FILTERS
            if data.get(name) and name not in refused
        }

    def by_selector(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        """Every filter means what `selectors.filter_tasks` says, as in the API."""
        if value in (None, "", False):
            return queryset
        return selectors.filter_tasks(queryset, self.user, {name: value})

    def by_sort(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return selectors.sort_tasks(queryset, value)
