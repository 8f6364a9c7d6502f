"""Who may do what with requirements; built on the project policies."""

from __future__ import annotations

from typing import Any

from accord.projects import policies
from accord.projects.models import Project
from accord.requirements.models import Requirement


def can_edit_requirements(user: Any, project: Project) -> bool:
    """Write and edit requirements, criteria, links and tags: the team (managers, members)."""
    return policies.can_edit_content(user, project)


def can_submit(user: Any, project: Project) -> bool:
    """Put requirements before the client, withdraw and reinstate them: the project manager."""
    return policies.can_manage_project(user, project)


def can_decide(user: Any, project: Project) -> bool:
    """Confirm, return, reject and accept on the client's behalf: client approvers only."""
    return policies.can_approve_for_client(user, project)


def can_comment(user: Any, requirement: Requirement) -> bool:
    """The team comments on every requirement it sees; clients on requirements shared with them
    (and then only shared comments). Viewers read only."""
    project = requirement.project
    if policies.can_edit_content(user, project):
        return True
    return policies.role_in(user, project) == "client" and requirement.is_shared


def can_create_baseline(user: Any, project: Project) -> bool:
    return policies.can_manage_project(user, project)
