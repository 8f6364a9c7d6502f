"""Who may do what in the risk register; built on the project policies.

Seeing a risk is decided by `Risk.objects.visible_in` / `visible_to` (clients: shared risks
only); reviews and response actions follow the visibility of their risk.
"""

from __future__ import annotations

from typing import Any

from accord.core.choices import Visibility
from accord.projects import policies
from accord.projects.choices import INTERNAL_ROLES, Role
from accord.projects.models import Project


def can_edit_risks(user: Any, project: Project) -> bool:
    """Record, edit and review risks and their response actions: the team (managers, members)."""
    return policies.can_edit_content(user, project)


def can_delete_risks(user: Any, project: Project) -> bool:
    """Delete a risk with its history: the project manager."""
    return policies.can_manage_project(user, project)


def can_share_risks(user: Any, project: Project) -> bool:
    """Share a risk with the client (or take it back to internal): the project manager."""
    return policies.can_manage_project(user, project)


def can_manage_thresholds(user: Any, project: Project) -> bool:
    """Set where the project's levels (medium, high, critical) start: the project manager."""
    return policies.can_manage_project(user, project)


def member_can_see_risk(role: str | None, visibility: str) -> bool:
    """Whether a member with `role` in the risk's project reads a risk of that visibility: the
    team always, a client only when it is shared. Used to choose whom to notify."""
    if role in INTERNAL_ROLES:
        return True
    return role == Role.CLIENT and visibility == Visibility.SHARED
