"""Who may do what with tasks, time and the board; built on the project policies.

Tasks are internal: the team (managers, members), viewers and organisation staff read them;
clients never do, not even their count. Reading is decided by `can_view_tasks`; an object a
user may not read answers 404 like an unknown one.
"""

from __future__ import annotations

from typing import Any

from accord.projects import policies
from accord.projects.choices import EDITOR_ROLES, Role
from accord.projects.models import Membership, Project


def can_view_tasks(user: Any, project: Project) -> bool:
    """Read tasks, the board, time entries and WIP limits: internal roles and staff."""
    return policies.can_view_internal(user, project)


def can_edit_tasks(user: Any, project: Project) -> bool:
    """Create, edit and move tasks, tick checklists and log time: managers and members."""
    return policies.can_edit_content(user, project)


def can_delete_tasks(user: Any, project: Project) -> bool:
    """Delete a task with its checklist and time: the project manager."""
    return policies.can_manage_project(user, project)


def can_manage_board(user: Any, project: Project) -> bool:
    """Set the board's WIP limits: the project manager."""
    return policies.can_manage_project(user, project)


def can_delete_time_entry(user: Any, entry: Any) -> bool:
    """A time entry is deleted by the person who logged it (while still on the team) or by the
    project manager."""
    project = entry.task.project
    if policies.can_manage_project(user, project):
        return True
    return entry.user_id == user.pk and policies.can_edit_content(user, project)


def can_be_assigned(role: str | None) -> bool:
    """Who may hold a task: managers and members (not clients, not viewers)."""
    return role in EDITOR_ROLES


def can_set_capacity(user: Any, person: Any) -> bool:
    """A person's weekly capacity: themself, or a manager of a project the person is on."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.pk == person.pk or user.is_superuser:
        return True
    managed = Membership.objects.filter(user=user, role=Role.MANAGER).values("project_id")
    return Membership.objects.filter(user=person, project_id__in=managed).exists()
