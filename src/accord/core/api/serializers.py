from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accord.accounts.api.serializers import UserSummarySerializer
from accord.core.models import AuditEvent
from accord.projects.selectors import action_label


class AuditRecordSerializer(serializers.ModelSerializer):
    """One record of the audit trail, with the hashes that chain it to its predecessor."""

    actor = UserSummarySerializer(read_only=True, allow_null=True)
    action_label = serializers.SerializerMethodField()
    target_type = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = [
            "id", "sequence", "created_at", "actor", "actor_label", "action", "action_label",
            "target_type", "target_id", "target_label", "visibility", "before", "after",
            "request_id", "prev_hash", "hash",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_action_label(self, event: AuditEvent) -> str:
        return action_label(event.action)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_target_type(self, event: AuditEvent) -> str | None:
        # "projects.milestone": the app and model of the object the record is about.
        if event.target_type is None:
            return None
        return f"{event.target_type.app_label}.{event.target_type.model}"
