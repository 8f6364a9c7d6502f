"""Filters and sort orders of the risk register over the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accord.core import integers
from accord.risks.choices import Category, Level, RiskStatus, Strategy
from accord.risks.models import Risk
from accord.risks.selectors import filter_levels, thresholds_of


class RiskFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    # One value per row: no DISTINCT needed (it would compare every column of every row).
    status = django_filters.MultipleChoiceFilter(
        choices=RiskStatus.choices, label=_("Status"), distinct=False
    )
    category = django_filters.MultipleChoiceFilter(
        choices=Category.choices, label=_("Category"), distinct=False
    )
    strategy = django_filters.MultipleChoiceFilter(
        choices=Strategy.choices, label=_("Strategy"), distinct=False
    )
    # Levels become score ranges of the project's thresholds (the score is indexed).
    level = django_filters.MultipleChoiceFilter(
        choices=Level.choices, label=_("Level"), distinct=False, method="filter_level"
    )
    owner = integers.NumberFilter(field_name="owner_id", label=_("Owner (user id)"))
    ordering = django_filters.OrderingFilter(
        fields=(
            ("number", "number"),
            ("title", "title"),
            ("score", "score"),
            ("probability", "probability"),
            ("impact", "impact"),
            ("category", "category"),
            ("status", "status"),
            ("reviewed_at", "reviewed_at"),
            ("created_at", "created_at"),
            ("updated_at", "updated_at"),
        ),
        label=_("Sort by"),
    )

    class Meta:
        model = Risk
        fields = ["q", "status", "category", "strategy", "level", "owner"]

    def filter_level(self, queryset: QuerySet, name: str, values: list[str]) -> QuerySet:
        if not values:
            return queryset
        # The project the view resolved (through the visibility rule) holds the thresholds.
        project = self.request.parser_context["view"].project
        return filter_levels(queryset, thresholds_of(project), values)

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        condition = (
            Q(title__icontains=value)
            | Q(cause__icontains=value)
            | Q(event__icontains=value)
            | Q(consequence__icontains=value)
        )
        # "K5", "ACME-K5" and "5" find the risk by number too.
        number = value.upper().rsplit("-", 1)[-1].removeprefix(Risk.KEY_PREFIX)
        if integers.number_in(number) is not None:
            condition |= Q(number=integers.number_in(number))
        return queryset.filter(condition)
