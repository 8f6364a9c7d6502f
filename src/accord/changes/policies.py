"""Who may do what with change requests; built on the project policies."""

from __future__ import annotations

from typing import Any

from accord.changes.choices import EDITABLE_STATES, Status
from accord.projects import policies
from accord.projects.choices import Role
from accord.projects.models import Project


def is_client(user: Any, project: Project) -> bool:
    return policies.role_in(user, project) == Role.CLIENT


def can_view(user: Any, change: Any) -> bool:
    return policies.can_view_item(user, change)


def can_raise(user: Any, project: Project) -> bool:
    """The team's editors and every client member (with or without signing authority)."""
    return policies.can_edit_content(user, project) or is_client(user, project)


def can_assess(user: Any, project: Project) -> bool:
    """Effort, cost, schedule impact and new risks are the team's estimate."""
    return policies.can_edit_content(user, project)


def can_manage(user: Any, project: Project) -> bool:
    """The approval policy, requesting approval, applying: the project manager."""
    return policies.can_manage_project(user, project)


def can_edit(user: Any, change: Any) -> bool:
    """The team edits a request until it is decided; a client edits their own request only
    while the team has not started assessing it."""
    if change.status not in EDITABLE_STATES:
        return False
    project = change.project
    if policies.can_edit_content(user, project):
        return True
    return (
        is_client(user, project)
        and change.requested_by_id == user.pk
        and change.status in (Status.DRAFT, Status.SUBMITTED)
    )


def can_apply(user: Any, change: Any) -> bool:
    return change.status in (Status.APPROVED, Status.IN_IMPLEMENTATION) and can_manage(
        user, change.project
    )
