"""Input and output shapes of projects, memberships, milestones and invitations.

Output serializers are read-only; input serializers only parse and type-check, the services
enforce the rules (and name the field at fault when they refuse).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accord.accounts.api.serializers import UserSummarySerializer
from accord.api import texts
from accord.api.fields import BooleanField
from accord.api.serializers import ModelSerializer
from accord.projects.choices import Role
from accord.projects.models import Invitation, Membership, Milestone, Project

# Projects ------------------------------------------------------------------------------------


class ProjectSerializer(ModelSerializer):
    my_role = serializers.SerializerMethodField(help_text=texts.MY_ROLE_HELP)

    class Meta:
        model = Project
        fields = [
            "key", "name", "client_name", "description", "start_date", "end_date", "status",
            "objectives", "values", "my_role", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=Role.choices, allow_null=True))
    def get_my_role(self, project: Project) -> str | None:
        return getattr(project, "my_role", None)


class ProjectCreateSerializer(ModelSerializer):
    # The service upper-cases the key before validating it, so "acme" becomes ACME; the pattern
    # (also in the schema) admits either case.
    key = serializers.RegexField(
        r"^[A-Za-z][A-Za-z0-9]{1,9}$",
        max_length=10,
        help_text=texts.PROJECT_KEY_HELP,
        error_messages={"invalid": texts.PROJECT_KEY_HELP},
    )

    class Meta:
        model = Project
        fields = [
            "key", "name", "client_name", "description", "start_date", "end_date", "status",
            "objectives", "values",
        ]  # fmt: skip
        extra_kwargs = {"end_date": {"help_text": texts.END_DATE_HELP}}


class ProjectUpdateSerializer(ModelSerializer):
    class Meta:
        model = Project
        fields = [
            "name", "client_name", "description", "start_date", "end_date", "status",
            "objectives", "values",
        ]  # fmt: skip
        extra_kwargs = {"end_date": {"help_text": texts.END_DATE_HELP}}


# Memberships and invitations -----------------------------------------------------------------


class MembershipSerializer(ModelSerializer):
    user = UserSummarySerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "user", "role", "can_approve", "version", "created_at", "updated_at"]
        read_only_fields = fields


class MemberInviteSerializer(serializers.Serializer):
    """Someone to add by e-mail: added at once when they have an account, else invited."""

    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=Role.choices)
    can_approve = BooleanField(default=False, help_text=texts.CAN_APPROVE_HELP)


class MembershipUpdateSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    can_approve = BooleanField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs:
            raise serializers.ValidationError(texts.NOTHING_TO_CHANGE)
        return attrs


class InvitationSerializer(ModelSerializer):
    invited_by = UserSummarySerializer(read_only=True, allow_null=True)
    is_expired = serializers.BooleanField(read_only=True)

    class Meta:
        model = Invitation
        fields = [
            "id", "email", "role", "can_approve", "status", "invited_by", "expires_at",
            "is_expired", "accepted_at", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


# Milestones ----------------------------------------------------------------------------------


class MilestoneSerializer(ModelSerializer):
    key = serializers.CharField(read_only=True, help_text=texts.ITEM_KEY_HELP)
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Milestone
        fields = [
            "key", "number", "name", "description", "due_date", "status", "visibility",
            "is_overdue", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class MilestoneInputSerializer(ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["name", "description", "due_date", "status", "visibility"]
