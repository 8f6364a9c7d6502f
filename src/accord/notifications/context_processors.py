"""The header bell: how many unread notifications the signed-in user has."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.http import HttpRequest

from accord.notifications.selectors import notification_unread_count

BELL_CAP = 99


class NotificationBell:
    """Counts only when a template reads it: pages without the header pay no query."""

    def __init__(self, user: Any) -> None:
        self.user = user

    @cached_property
    def unread(self) -> int:
        return notification_unread_count(user=self.user)

    @property
    def label(self) -> str:
        """The count as the badge shows it: "99+" beyond 99."""
        return f"{BELL_CAP}+" if self.unread > BELL_CAP else str(self.unread)


def notifications(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notification_bell": NotificationBell(user)}
