"""Who may do what in a project. Views, API, exports and services all ask here.

Unknown projects and projects a user may not see must look the same to that user: callers turn
a refusal to *view* into a 404, never a 403.
"""

from __future__ import annotations

from typing import Any

from accord.core.choices import Visibility
from accord.core.querysets import user_sees_everything
from accord.projects.choices import EDITOR_ROLES, INTERNAL_ROLES, Role
from accord.projects.models import Membership, Project

_CACHE_ATTR = "_accord_memberships"


def membership_of(user: Any, project: Project) -> Membership | None:
    """The user's membership in the project, cached on the user object for the request."""
    if not user.is_authenticated or not user.is_active:
        return None
    cache: dict[int, Membership | None] = user.__dict__.setdefault(_CACHE_ATTR, {})
    if project.pk not in cache:
        cache[project.pk] = Membership.objects.filter(user=user, project=project).first()
    return cache[project.pk]


def remember_membership(user: Any, project: Project, membership: Membership | None) -> None:
    """Seed the request's cache with a membership a selector has read already."""
    user.__dict__.setdefault(_CACHE_ATTR, {})[project.pk] = membership


def forget_memberships(user: Any) -> None:
    """Drop the cached memberships after a role change within the same request."""
    user.__dict__.pop(_CACHE_ATTR, None)


def role_in(user: Any, project: Project) -> str | None:
    membership = membership_of(user, project)
    return membership.role if membership else None


def can_view_project(user: Any, project: Project) -> bool:
    return user_sees_everything(user) or membership_of(user, project) is not None


def can_view_internal(user: Any, project: Project) -> bool:
    return user_sees_everything(user) or role_in(user, project) in INTERNAL_ROLES


def can_view_item(user: Any, item: Any) -> bool:
    """An item with a `visibility`: clients see it only when it is shared."""
    project = item.project
    if can_view_internal(user, project):
        return True
    return role_in(user, project) == Role.CLIENT and item.visibility == Visibility.SHARED


def can_edit_content(user: Any, project: Project) -> bool:
    return user.is_superuser or role_in(user, project) in EDITOR_ROLES


def can_manage_project(user: Any, project: Project) -> bool:
    """Settings, members, invitations: the project manager (and superusers)."""
    return user.is_superuser or role_in(user, project) == Role.MANAGER


def can_approve_for_client(user: Any, project: Project) -> bool:
    """Signing authority: a client member with `can_approve`."""
    membership = membership_of(user, project)
    return bool(membership and membership.role == Role.CLIENT and membership.can_approve)


def can_create_project(user: Any) -> bool:
    """Staff (PMO) and people who already manage a project open new ones."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return Membership.objects.filter(user=user, role=Role.MANAGER).exists()
