"""Tasks for tests, made through the services so every number, rank and audit record is
real."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from accord.delivery import services
from accord.delivery.models import Task, TimeEntry
from accord.projects.choices import Role
from accord.projects.models import Membership


def project_manager(project: Any) -> Any:
    membership = (
        Membership.objects.filter(project=project, role=Role.MANAGER)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return membership.user


def make_task(
    project: Any, *, actor: Any = None, title: str = "Build the sign-in page", **fields: Any
) -> Task:
    """A task created by the project's manager (or `actor`)."""
    return services.task_create(
        actor=actor or project_manager(project), project=project, title=title, **fields
    )


def log_time(
    task: Task,
    *,
    actor: Any = None,
    hours: Decimal | str = "2",
    date: dt.date | None = None,
    note: str = "",
) -> TimeEntry:
    """Time logged on a task (by the project manager unless `actor`), today by default."""
    from django.utils import timezone

    return services.time_entry_create(
        actor=actor or project_manager(task.project),
        task=task,
        date=date or timezone.localdate(),
        hours=hours,
        note=note,
    )
