"""Reading notifications: a person sees their own, nobody else's."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from accord.notifications.models import Notification

# What a list row reads; the rest of the project and the actor stays in the database.
LIST_FIELDS = [
    "id", "recipient_id", "project_id", "actor_id", "kind", "title", "body", "url",
    "created_at", "read_at", "project__key", "actor__full_name", "actor__email",
    "actor__organisation",
]  # fmt: skip


def notification_list(*, user: Any) -> QuerySet[Notification]:
    """The user's notifications, newest first, with what a list row shows."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return (
        Notification.objects.filter(recipient=user)
        .select_related("project", "actor")
        .only(*LIST_FIELDS)
        .order_by("-id")
    )


def notification_get(*, user: Any, pk: Any) -> Notification:
    """One of the user's notifications; someone else's or an unknown one is the same 404."""
    notification = notification_list(user=user).filter(pk=pk).first()
    if notification is None:
        raise Http404
    return notification


def notification_unread_count(*, user: Any) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
