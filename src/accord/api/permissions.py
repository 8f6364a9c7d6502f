"""Permission classes that defer to the policy functions of `accord.projects.policies`."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request


class ProjectPolicy(BasePermission):
    """Check the project-scoped view's policy for the request.

    The view names `read_policy` (for GET/HEAD/OPTIONS) and `write_policy` (for the rest),
    each a function `(user, project) -> bool`, or None for "anyone who sees the project".
    Resolving `view.project` first answers 404 to people who may not see the project, so they
    never learn it exists; likewise an object of the project they may not see (a client and
    an internal milestone) is 404. People who see it but may not act get 403.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        if getattr(view, "swagger_fake_view", False):
            return True
        project = view.project
        name = "read_policy" if request.method in SAFE_METHODS else "write_policy"
        policy = getattr(view, name, None)
        if policy is None or policy(request.user, project):
            return True
        if (view.lookup_url_kwarg or view.lookup_field) in view.kwargs:
            # An object the user may not see answers 404 like an unknown one, not 403.
            view.get_object()
        return False
