"""Reads of tasks, the board and one's own work, always through the visibility rules.

Tasks are internal: the team, viewers and organisation staff read them; clients and
outsiders get none (an empty list, a 404 for one task), never a count. Query counts do not
grow with the data: the board reads each column with a LIMIT on the (project, status, rank)
index plus one grouped count; lists select their related rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from accord.core import integers
from accord.core.history_cache import remember
from accord.delivery import policies
from accord.delivery.choices import MOVES, OPEN_TASK_STATES, TaskPriority, TaskStatus
from accord.delivery.models import ChecklistItem, Task, TimeEntry, WipLimit
from accord.projects.choices import INTERNAL_ROLES
from accord.projects.models import Membership, Project

# The board shows at most this many cards per column (the column says how many it holds).
# A column shows its first cards; the rest are a click away in the list (filtered to it).
BOARD_COLUMN_SIZE = 30
# Filter values: nobody / no milestone, and the signed-in user.
NONE = "none"
ME = "me"
# Status filter value: any state but done.
OPEN = "open"

PRIORITY_ORDER = {
    TaskPriority.URGENT: 0,
    TaskPriority.HIGH: 1,
    TaskPriority.NORMAL: 2,
    TaskPriority.LOW: 3,
}
# Sort names of task lists (a leading "-" reverses); ties are broken by number.
TASK_SORTS = ("number", "title", "status", "priority", "due_date", "estimate_hours", "updated_at")


def _priority_rank() -> Case:
    return Case(
        *(When(priority=key, then=Value(value)) for key, value in PRIORITY_ORDER.items()),
        output_field=IntegerField(),
    )


# Filters and sorting -------------------------------------------------------------------------


def _number(value: Any, letter: str) -> int | None:
    """An item's number as people type it: "12", "T12" or "ACME-T12" for letter "T"."""
    text = str(value or "").strip().upper().rsplit("-", 1)[-1].removeprefix(letter)
    return integers.number_in(text)


def _ids(values: Any) -> list[str]:
    if values in (None, ""):
        return []
    if isinstance(values, str | int):
        return [str(values)]
    return [str(v) for v in values if v not in (None, "")]


def filter_tasks(tasks: QuerySet[Task], user: Any, filters: Mapping[str, Any]) -> QuerySet[Task]:
    """Narrow a task queryset by the list's filters; unknown or empty filters are ignored.

    - `status`: a state or several, or "open" (anything but done)
    - `assignee`: user ids, "me" or "none"; `milestone`: milestone ids or "none"
    - `type`, `priority`: one value or several
    - `requirement`: a requirement number ("12", "R12", "ACME-R12")
    - `q`: text in title or description, or the task's number ("T44")
    - `overdue`: True for open tasks past their due date (False for the others)
    """
    statuses = _ids(filters.get("status"))
    if OPEN in statuses:
        tasks = tasks.filter(status__in=OPEN_TASK_STATES)
    elif statuses:
        tasks = tasks.filter(status__in=statuses)
    people = _ids(filters.get("assignee"))
    if people:
        condition = Q(assignee__isnull=True) if NONE in people else Q()
        if ME in people:
            condition |= Q(assignee_id=getattr(user, "pk", None))
        numbers = integers.numbers_in(people)
        if numbers:
            condition |= Q(assignee_id__in=numbers)
        tasks = tasks.filter(condition) if condition else tasks.none()
    milestones = _ids(filters.get("milestone"))
    if milestones:
        condition = Q(milestone__isnull=True) if NONE in milestones else Q()
        numbers = integers.numbers_in(milestones)
        if numbers:
            condition |= Q(milestone_id__in=numbers)
        tasks = tasks.filter(condition) if condition else tasks.none()
    for name in ("type", "priority"):
        values = _ids(filters.get(name))
        if values:
            tasks = tasks.filter(**{f"{name}__in": values})
    requirement = filters.get("requirement")
    if requirement not in (None, ""):
        number = _number(requirement, "R")
        if number is None:
            return tasks.none()
        # Links are of the task's own project (the services see to it): one row per task.
        tasks = tasks.filter(requirements__number=number)
    text = str(filters.get("q") or "").strip()
    if text:
        condition = Q(title__icontains=text) | Q(description__icontains=text)
        number = _number(text, "T")
        if number is not None:
            condition |= Q(number=number)
        tasks = tasks.filter(condition)
    overdue = filters.get("overdue")
    if overdue in (True, False):
        late = Q(status__in=OPEN_TASK_STATES, due_date__lt=timezone.localdate())
        tasks = tasks.filter(late) if overdue else tasks.exclude(late)
    return tasks


def sort_tasks(tasks: QuerySet[Task], sort: str | None) -> QuerySet[Task]:
    """Order by one of TASK_SORTS ("-" for descending), newest first by default; no due date
    or estimate sorts last either way; ties by number so pages never overlap."""
    name = (sort or "").lstrip("-")
    descending = (sort or "").startswith("-")
    if name not in TASK_SORTS:
        return tasks.order_by("-number")
    tie = "-number" if descending else "number"
    if name == "number":
        return tasks.order_by(tie)
    if name in ("due_date", "estimate_hours"):
        column = F(name)
        order = column.desc(nulls_last=True) if descending else column.asc(nulls_last=True)
        return tasks.order_by(order, tie)
    if name == "priority":
        tasks = tasks.alias(priority_rank=_priority_rank())
        return tasks.order_by("-priority_rank" if descending else "priority_rank", tie)
    if name == "status":
        order = Case(
            *(When(status=s, then=Value(i)) for i, s in enumerate(MOVES)),
            output_field=IntegerField(),
        )
        tasks = tasks.alias(status_order=order)
        return tasks.order_by("-status_order" if descending else "status_order", tie)
    return tasks.order_by(f"-{name}" if descending else name, tie)


# Tasks ---------------------------------------------------------------------------------------


def task_list(
    user: Any,
    project: Project,
    filters: Mapping[str, Any] | None = None,
    sort: str | None = None,
) -> QuerySet[Task]:
    """The project's tasks for the team, viewers and staff (clients and outsiders: none),
    with assignee and milestone selected, filtered and sorted (newest first by default)."""
    if not policies.can_view_tasks(user, project):
        return Task.objects.none()
    tasks = Task.objects.filter(project=project).select_related("assignee", "milestone")
    if filters:
        tasks = filter_tasks(tasks, user, filters)
    return sort_tasks(tasks, sort)


def task_for(user: Any, project: Project, number: int) -> Task:
    """One task the user may read; an unknown task and a hidden one alike answer 404."""
    task = task_list(user, project).filter(number=number).first()
    if task is None:
        raise Http404
    task.project = project
    return task


def checklist_of(task: Task) -> QuerySet[ChecklistItem]:
    """A readable task's checklist, in order."""
    return ChecklistItem.objects.filter(task=task).select_related("done_by").order_by("position")


def time_entries_of(task: Task) -> QuerySet[TimeEntry]:
    """A readable task's time entries, newest day first."""
    return TimeEntry.objects.filter(task=task).select_related("user").order_by("-date", "-id")


def wip_limits_of(project: Project) -> dict[str, int]:
    """The project's WIP limit per column (columns without one are missing)."""
    return dict(WipLimit.objects.filter(project=project).values_list("status", "limit"))


# The board -----------------------------------------------------------------------------------


@dataclass
class Column:
    """One board column: its first cards in rank order, how many it holds (after the filters)
    and its WIP limit (counting every task of the column, filters aside)."""

    status: str
    label: str
    tasks: list[Task] = field(default_factory=list)
    count: int = 0
    total: int = 0
    limit: int | None = None
    moves: tuple[str, ...] = ()

    @property
    def over_limit(self) -> bool:
        return self.limit is not None and self.total > self.limit

    @property
    def more(self) -> int:
        """Cards of the column not shown."""
        return max(self.count - len(self.tasks), 0)


def board(
    user: Any,
    project: Project,
    filters: Mapping[str, Any] | None = None,
    per_column: int = BOARD_COLUMN_SIZE,
) -> list[Column]:
    """The board's columns in MOVES order, each with at most `per_column` cards (rank order),
    its count under the filters, its total and its WIP limit. Clients and outsiders get no
    column. A fixed number of queries whatever the data: two counts, the limits and one per
    column."""
    if not policies.can_view_tasks(user, project):
        return []
    every = Task.objects.filter(project=project)
    tasks = filter_tasks(every, user, filters or {})
    filtered = bool(filters) and any(v not in (None, "", []) for v in (filters or {}).values())
    # Counting a big project's tasks costs more than the rest of the board; the totals are the
    # same for everyone who reads tasks and change only with the project's history.
    totals = remember(
        project.pk,
        "board-totals",
        lambda: dict(every.order_by().values_list("status").annotate(n=Count("pk"))),
    )
    counts = (
        dict(tasks.order_by().values_list("status").annotate(n=Count("pk"))) if filtered else totals
    )
    limits = wip_limits_of(project)
    columns = []
    for status in MOVES:
        column = Column(
            status=status,
            label=str(TaskStatus(status).label),
            count=counts.get(status, 0),
            total=totals.get(status, 0),
            limit=limits.get(status),
            moves=MOVES[status],
        )
        if column.count:
            cards = (
                tasks.filter(status=status)
                .select_related("assignee", "milestone")
                .order_by("rank", "id")[:per_column]
            )
            column.tasks = list(cards)
            for task in column.tasks:
                task.project = project
        columns.append(column)
    return columns


# My work -------------------------------------------------------------------------------------


def my_work(user: Any, overdue: bool | None = None) -> QuerySet[Task]:
    """The open tasks assigned to the user in the projects they still belong to with an
    internal role, overdue and soonest due first (no due date last), then by priority. Each
    task's `is_overdue` says whether it is late; `overdue=True` keeps only those."""
    if not user.is_authenticated or not user.is_active:
        return Task.objects.none()
    projects = Membership.objects.filter(user=user, role__in=INTERNAL_ROLES).values("project_id")
    tasks = Task.objects.filter(
        assignee=user, status__in=OPEN_TASK_STATES, project_id__in=projects
    ).select_related("project", "milestone", "assignee")
    if overdue is not None:
        late = Q(due_date__lt=timezone.localdate())
        tasks = tasks.filter(late) if overdue else tasks.exclude(late)
    return tasks.alias(priority_rank=_priority_rank()).order_by(
        F("due_date").asc(nulls_last=True), "priority_rank", "project__key", "number"
    )


def overdue_count(user: Any, project: Project, today: dt.date | None = None) -> int:
    """Open tasks of the project past their due date (0 for those who may not read tasks)."""
    if not policies.can_view_tasks(user, project):
        return 0
    return Task.objects.filter(
        project=project,
        status__in=OPEN_TASK_STATES,
        due_date__lt=today or timezone.localdate(),
    ).count()
