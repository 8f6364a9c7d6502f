from __future__ import annotations

from rest_framework import serializers

from accord.accounts.models import User


class UserSummarySerializer(serializers.ModelSerializer):
    """A person as other people see them in a project."""

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "organisation"]
        read_only_fields = fields


class MeSerializer(serializers.ModelSerializer):
    """The signed-in user, with the preferences that shape every response."""

    class Meta:
        model = User
        fields = [
            "id", "email", "full_name", "organisation", "language", "time_zone", "is_staff",
            "date_joined",
        ]  # fmt: skip
        read_only_fields = fields


class MeUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["full_name", "organisation", "language", "time_zone"]
