"""What every page inside a project shares: its context, the permission check and pagination.

Project pages of every app build on these, so the tabs, rights and page size behave the same
everywhere.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from django.urls import reverse

from accord.projects import policies
from accord.projects.models import Project


def project_context(request: HttpRequest, project: Project, active: str) -> dict[str, Any]:
    """The project, the user's rights in it and the active tab."""
    user = request.user
    return {
        "project": project,
        "nav_active": active,
        "membership": policies.membership_of(user, project),
        "can_view_internal": policies.can_view_internal(user, project),
        "can_edit": policies.can_edit_content(user, project),
        "can_manage": policies.can_manage_project(user, project),
    }


def require(allowed: bool) -> None:
    """Refuse an action with 403. Only reached for users who can see the project or item;
    the others got their 404 already."""
    if not allowed:
        raise PermissionDenied


def paginate(request: HttpRequest, items: Any, param: str = "page") -> Page:
    return Paginator(items, settings.ACCORD_PAGE_SIZE).get_page(request.GET.get(param))


# Stands in for a number in a reversed address, so that one reverse() serves a whole list.
SLOT = 987654321


def address_maker(name: str, **kwargs: Any) -> Any:
    """Addresses of many rows from one reverse(): pass SLOT for the part that varies, then call
    the result with each row's value. Reversing once per row would cost more than the row."""
    pattern = reverse(name, kwargs=kwargs)
    slot = str(SLOT)

    def address(value: int) -> str:
        return pattern.replace(slot, str(value))

    return address
