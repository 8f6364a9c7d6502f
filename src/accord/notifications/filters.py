"""The filter of the notification list (shared by the page and the API)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accord.core import parameters
from accord.notifications.models import Notification


class NotificationFilter(django_filters.FilterSet):
    unread = parameters.BooleanFilter(
        method="filter_unread", label=_("Unread only"), help_text=_("true: unread only")
    )

    class Meta:
        model = Notification
        fields: list[str] = []

    def filter_unread(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(read_at__isnull=value)
