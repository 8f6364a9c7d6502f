"""Filters and sort orders of the requirements list over the API."""

from __future__ import annotations

import django_filters
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from accord.api.references import VisibleReferenceFilter
from accord.core import integers, parameters
from accord.requirements.choices import Priority, RequirementType, Source, Status
from accord.requirements.models import Requirement

# MoSCoW order: must first, won't last (the stored values sort alphabetically otherwise).
PRIORITY_RANK = Case(
    *(When(priority=value, then=Value(rank)) for rank, value in enumerate(Priority.values)),
    default=Value(len(Priority.values)),
    output_field=IntegerField(),
)


def with_priority_rank(queryset: QuerySet[Requirement]) -> QuerySet[Requirement]:
    return queryset.annotate(priority_rank=PRIORITY_RANK)


class RequirementFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    # Columns of the requirement itself: one row each, so no DISTINCT (which made the page's
    # count compare every column of the project's requirements).
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices, label=_("Status"), distinct=False
    )
    priority = django_filters.MultipleChoiceFilter(
        choices=Priority.choices, label=_("Priority"), distinct=False
    )
    type = django_filters.MultipleChoiceFilter(
        choices=RequirementType.choices, label=_("Type"), distinct=False
    )
    source = django_filters.MultipleChoiceFilter(
        choices=Source.choices, label=_("Source"), distinct=False
    )
    tag = django_filters.CharFilter(method="filter_tag", label=_("Tag"))
    confirmed = parameters.BooleanFilter(method="filter_confirmed", label=_("Confirmed"))
    # Among the parents the reader may see: a hidden parent counts like an unknown one.
    parent = VisibleReferenceFilter(
        field_name="parent", model=Requirement, label=_("Parent (number)")
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("number", "number"),
            ("title", "title"),
            ("priority_rank", "priority"),
            ("status", "status"),
            ("type", "type"),
            ("business_value", "business_value"),
            ("created_at", "created_at"),
            ("updated_at", "updated_at"),
        ),
        label=_("Sort by"),
    )

    class Meta:
        model = Requirement
        fields = ["q", "status", "priority", "type", "source", "tag", "confirmed", "parent"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        condition = Q(title__icontains=value) | Q(description__icontains=value)
        # "R12", "ACME-R12" and "12" find the requirement by number too.
        number = value.upper().rsplit("-", 1)[-1].removeprefix(Requirement.KEY_PREFIX)
        if integers.number_in(number) is not None:
            condition |= Q(number=integers.number_in(number))
        return queryset.filter(condition)

    def filter_tag(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(tags__name=value)

    def filter_confirmed(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        confirmed = Q(confirmed_version__isnull=False, changed_since_confirmation=False)
        return queryset.filter(confirmed) if value else queryset.exclude(confirmed)
