"""Filters and sort orders of the change log over the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accord.changes.choices import ChangeType, Status, Urgency
from accord.changes.models import ChangeRequest
from accord.core import integers


class ChangeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices, label=_("Status"), distinct=False
    )
    type = django_filters.MultipleChoiceFilter(
        choices=ChangeType.choices, label=_("Type"), distinct=False
    )
    urgency = django_filters.MultipleChoiceFilter(
        choices=Urgency.choices, label=_("Urgency"), distinct=False
    )
    requested_by = integers.NumberFilter(
        field_name="requested_by_id", label=_("Requested by (user id)")
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("number", "number"),
            ("title", "title"),
            ("status", "status"),
            ("urgency", "urgency"),
            ("submitted_at", "submitted_at"),
            ("decided_at", "decided_at"),
            ("created_at", "created_at"),
            ("updated_at", "updated_at"),
        ),
        label=_("Sort by"),
    )

    class Meta:
        model = ChangeRequest
        fields = ["q", "status", "type", "urgency", "requested_by"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        condition = Q(title__icontains=value) | Q(reason__icontains=value)
        # "CR3", "ACME-CR3" and "3" find the request by number too.
        number = value.upper().rsplit("-", 1)[-1].removeprefix(ChangeRequest.KEY_PREFIX)
        if integers.number_in(number) is not None:
            condition |= Q(number=integers.number_in(number))
        return queryset.filter(condition)
