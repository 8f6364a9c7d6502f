"""Filters of the problem list: status, owner, overdue, text; sorted by key, due date, status
or last change."""

from __future__ import annotations

import re
from typing import Any

import django_filters
from django import forms
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.risks.choices import OPEN_PROBLEM_STATES, ProblemStatus
from accord.risks.models import Problem

# "3", "P3", "p3", "ACME-P3": a problem number as people type it.
NUMBER_PATTERN = re.compile(r"^(?:[A-Za-z0-9]+-)?[Pp]?(\d{1,9})$")
# The status filter's extra choice: open or being solved.
UNSOLVED = "unsolved"
# Owner filter value for problems without an owner.
NO_OWNER = "none"
# Status order for sorting: the stages a problem goes through.
STATUS_ORDER = {status: index for index, status in enumerate(ProblemStatus.values)}


def parse_number(value: str | None) -> int | None:
    match = NUMBER_PATTERN.match((value or "").strip())
    return int(match.group(1)) if match else None


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


class ProblemFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    status = django_filters.ChoiceFilter(
        choices=[(UNSOLVED, _("Unsolved (open or being solved)")), *ProblemStatus.choices],
        method="filter_status",
        label=_("Status"),
        empty_label=_("All statuses"),
    )
    owner = django_filters.ChoiceFilter(
        choices=(), method="filter_owner", label=_("Owner"), empty_label=_("Anyone")
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

    class Meta:
        model = Problem
        fields: list[str] = []

    def __init__(self, *args: Any, owners: list[tuple[str, str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        owner_choices = [(NO_OWNER, _("Nobody yet")), *(owners or [])]
        self.filters["owner"].extra["choices"] = owner_choices
        self.form.fields["owner"].choices = [("", _("Anyone")), *owner_choices]
        self.form.fields["sort"].initial = "-key"
        self.form.fields["q"].widget.input_type = "search"
        self.form.fields["q"].widget.attrs["placeholder"] = _("Title, text or number")

    @property
    def is_filtered(self) -> bool:
        data = self.data or {}
        return any(data.get(name) for name in self.FILTER_NAMES)

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        condition = (
            Q(title__icontains=value)
            | Q(description__icontains=value)
            | Q(impact__icontains=value)
            | Q(root_cause__icontains=value)
            | Q(solution__icontains=value)
        )
        number = parse_number(value)
        if number is not None:
            condition |= Q(number=number)
        return queryset.filter(condition)

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == UNSOLVED:
            return queryset.filter(status__in=OPEN_PROBLEM_STATES)
        return queryset.filter(status=value) if value else queryset

    def filter_owner(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == NO_OWNER:
            return queryset.filter(owner__isnull=True)
        return queryset.filter(owner_id=value) if value else queryset

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if not value:
            return queryset
        return queryset.filter(status__in=OPEN_PROBLEM_STATES, due_date__lt=timezone.localdate())
