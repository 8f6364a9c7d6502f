"""The shape of a notification in the API."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accord.accounts.api.serializers import UserSummarySerializer
from accord.api.serializers import ModelSerializer
from accord.notifications.models import Notification


class NotificationSerializer(ModelSerializer):
    project = serializers.SerializerMethodField(help_text="The project's key, if any.")
    actor = UserSummarySerializer(read_only=True, allow_null=True)
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = [
            "id", "kind", "title", "body", "url", "project", "actor", "created_at", "read_at",
            "is_read",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_project(self, notification: Notification) -> str | None:
        return notification.project.key if notification.project_id else None


class ReadAllResultSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many unread notifications were marked read.")
