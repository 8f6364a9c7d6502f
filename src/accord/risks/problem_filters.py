"""Filters of the problem list: status, owner, overdue, text; sorted by key, due date, status
or last change."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.risks.choices import OPEN_PROBLEM_STATES, ProblemStatus
from accord.risks.filters import OwnedItemFilter
from accord.risks.models import Problem

# The status filter's extra choice: open or being solved.
UNSOLVED = "unsolved"
# Status order for sorting: the stages a problem goes through.
STATUS_ORDER = {status: index for index, status in enumerate(ProblemStatus.values)}


class ProblemOrdering(django_filters.OrderingFilter):
    """Orders by the chosen column, then by number so that pages never overlap; problems
    without a due date come last when sorting by it; statuses sort in their workflow order."""

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        ordering = [self.get_ordering_value(p) for p in value or [] if p]
        if not ordering:
            return qs.order_by("-number")
        first = ordering[0]
        descending = first.startswith("-")
        name = first.lstrip("-")
        tie = "-number" if descending else "number"
        if name == "due_date":
            column = F("due_date")
            order = column.desc(nulls_last=True) if descending else column.asc(nulls_last=True)
            return qs.order_by(order, tie)
        if name == "status":
            rank = Case(
                *(When(status=s, then=Value(i)) for s, i in STATUS_ORDER.items()),
                default=Value(len(STATUS_ORDER)),
                output_field=IntegerField(),
            )
            return qs.order_by(rank.desc() if descending else rank.asc(), tie)
        if name == "number":
            return qs.order_by(first)
        return qs.order_by(first, tie)


class ProblemFilter(OwnedItemFilter):
    status = django_filters.ChoiceFilter(
        choices=[(UNSOLVED, _("Unsolved (open or being solved)")), *ProblemStatus.choices],
        method="filter_status",
        label=_("Status"),
        empty_label=_("All statuses"),
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue",
        label=_("Overdue only"),
        widget=forms.CheckboxInput,
    )
    sort = ProblemOrdering(
        fields=(
            ("number", "key"),
            ("due_date", "due"),
            ("status", "status"),
            ("updated_at", "updated"),
        ),
        field_labels={
            "number": _("Key"),
            # Descending labels are keyed by the URL parameter (django-filter's build_choices).
            "-key": _("Key (newest first)"),
            "due_date": _("Due date (soonest first)"),
            "-due": _("Due date (latest first)"),
            "status": _("Status (open first)"),
            "-status": _("Status (closed first)"),
            "updated_at": _("Least recently changed"),
            "-updated": _("Recently changed"),
        },
        label=_("Sort by"),
        empty_label=None,
    )

    FILTER_NAMES = ("q", "status", "owner", "overdue")
    SEARCH_FIELDS = ("title", "description", "impact", "root_cause", "solution")
    KEY_LETTER = "P"
    DEFAULT_SORT = "-key"

    class Meta:
        model = Problem
        fields: list[str] = []

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == UNSOLVED:
            return queryset.filter(status__in=OPEN_PROBLEM_STATES)
        return queryset.filter(status=value) if value else queryset

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if not value:
            return queryset
        return queryset.filter(status__in=OPEN_PROBLEM_STATES, due_date__lt=timezone.localdate())
