"""The signed-in user's notifications over the API: list, mark one read, mark all read.

Reads go through `accord.notifications.selectors` (own notifications only), writes through
`accord.notifications.services`, exactly as the pages do.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accord.api.views import ApiViewMixin
from accord.notifications import selectors, services
from accord.notifications.api.serializers import NotificationSerializer, ReadAllResultSerializer
from accord.notifications.filters import NotificationFilter
from accord.notifications.models import Notification


class NotificationViewSet(ApiViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Your own notifications, newest first. Nobody sees anyone else's."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    ordering_fields = ["id", "created_at", "read_at"]
    ordering = ["-id"]
    search_fields: list[str] = []
    lookup_url_kwarg = "id"
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[Notification]:
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return selectors.notification_list(user=self.request.user)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Mark one of your notifications read; another person's is 404."""
        notification = selectors.notification_get(user=request.user, pk=self.kwargs["id"])
        services.notification_mark_read(user=request.user, notification=notification)
        return self.output(notification)

    @extend_schema(request=None, responses=ReadAllResultSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        """Mark all your unread notifications read."""
        marked = services.notification_mark_all_read(user=request.user)
        return Response({"marked": marked})
