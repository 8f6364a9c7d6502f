"""Visibility of project content: the one place that decides what a user may read."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from accord.core.choices import Visibility


def user_sees_everything(user: Any) -> bool:
    """Organisation staff (PMO) and superusers read across all projects."""
    return bool(user.is_authenticated and user.is_active and (user.is_staff or user.is_superuser))


class ProjectContentQuerySet(models.QuerySet):
    """Content that belongs to a project and is internal or shared with the client."""

    def visible_to(self, user: Any) -> ProjectContentQuerySet:
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user_sees_everything(user):
            return self
        from accord.projects.choices import INTERNAL_ROLES, Role
        from accord.projects.models import Membership

        mine = Membership.objects.filter(user=user)
        internal = mine.filter(role__in=INTERNAL_ROLES).values("project_id")
        client = mine.filter(role=Role.CLIENT).values("project_id")
        return self.filter(
            Q(project_id__in=internal) | Q(project_id__in=client, visibility=Visibility.SHARED)
        )

    def visible_in(self, project: Any, user: Any) -> ProjectContentQuerySet:
        """The same rule as `visible_to`, for one project whose membership is already known:
        decided by the project policies instead of a membership subquery in the SQL."""
        from accord.projects import policies

        content = self.filter(project=project)
        if policies.can_view_internal(user, project):
            return content
        if policies.can_view_project(user, project):
            return content.filter(visibility=Visibility.SHARED)
        return content.none()
