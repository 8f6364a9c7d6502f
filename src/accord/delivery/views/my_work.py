"""My work: the signed-in person's open tasks across their projects, grouped by project with
the overdue ones first, and the time they logged this week.

A fixed handful of queries whatever the data: the tasks (bounded), this week's hours by task,
and the week's total.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from accord.delivery import selectors
from accord.delivery.models import Task, TimeEntry
from accord.delivery.views.tasks import label, labels

# The page lists at most this many tasks; the count says how many more there are.
TASK_LIMIT = 300


@dataclass
class ProjectGroup:
    project: Any
    tasks: list[Task] = field(default_factory=list)
    week_hours: Decimal = Decimal("0")

    @property
    def overdue(self) -> int:
        return sum(1 for task in self.tasks if task.is_overdue)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    rows = list(selectors.my_work(user)[: TASK_LIMIT + 1])
    more = len(rows) > TASK_LIMIT
    rows = rows[:TASK_LIMIT]
    week = TimeEntry.objects.filter(user=user, date__gte=monday, date__lte=today)
    by_task = dict(
        week.filter(task_id__in=[task.pk for task in rows])
        .order_by()
        .values_list("task_id")
        .annotate(hours=Sum("hours"))
        .values_list("task_id", "hours")
    )
    week_total = week.aggregate(total=Sum("hours"))["total"] or Decimal("0")
    names = labels()
    groups: dict[int, ProjectGroup] = {}
    for task in rows:
        label(task, names)
        task.week_hours = by_task.get(task.pk) or Decimal("0")
        task.url = reverse(
            "delivery:detail", kwargs={"key": task.project.key, "number": task.number}
        )
        group = groups.setdefault(task.project_id, ProjectGroup(project=task.project))
        group.tasks.append(task)
        group.week_hours += task.week_hours
    ordered = sorted(groups.values(), key=lambda g: g.project.key)
    for group in ordered:
        # Overdue first; otherwise the selector's order (soonest due, then priority).
        group.tasks.sort(key=lambda task: not task.is_overdue)
    return render(
        request,
        "delivery/my_work.html",
        {
            "groups": ordered,
            "task_count": len(rows),
            "overdue_count": sum(group.overdue for group in ordered),
            "more": more,
            "task_limit": TASK_LIMIT,
            "week_total": week_total,
            "monday": monday,
        },
    )
