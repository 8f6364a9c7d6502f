"""Filters of the change log (the page and the API can share them)."""

from __future__ import annotations

import re
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accord.changes.choices import DECIDED_STATES, OPEN_STATES, ChangeType, Status, Urgency
from accord.changes.models import ChangeRequest

OPEN = "open"
DECIDED = "decided"
_NUMBER = re.compile(r"^(?:[A-Za-z0-9]+-)?(?:CR|cr|Cr)?(\d{1,9})$")


def parse_change_number(value: str | None) -> int | None:
    """A change request's number as people type it: "3", "CR3" or "ACME-CR3"."""
    match = _NUMBER.match((value or "").strip())
    return int(match.group(1)) if match else None


class ChangeOrdering(django_filters.OrderingFilter):
    """The chosen column, then the number, so pages never overlap."""

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        ordering = [self.get_ordering_value(p) for p in value or [] if p]
        if not ordering:
            return qs.order_by("-number")
        first = ordering[0]
        if first.lstrip("-") == "number":
            return qs.order_by(first)
        return qs.order_by(first, "-number" if first.startswith("-") else "number")


class ChangeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    status = django_filters.ChoiceFilter(
        choices=Status.choices, label=_("Status"), empty_label=_("All statuses")
    )
    state = django_filters.ChoiceFilter(
        choices=[
            (OPEN, pgettext_lazy("change log filter", "Open (awaiting a decision)")),
            (DECIDED, pgettext_lazy("change log filter", "Decided")),
        ],
        method="filter_state",
        label=_("Decision"),
        empty_label=_("Open and decided"),
    )
    type = django_filters.ChoiceFilter(
        choices=ChangeType.choices, label=_("Type"), empty_label=_("All types")
    )
    urgency = django_filters.ChoiceFilter(
        choices=Urgency.choices, label=_("Urgency"), empty_label=_("Any urgency")
    )
    requester = django_filters.ChoiceFilter(
        choices=(), field_name="requested_by_id", label=_("Requested by"), empty_label=_("Anyone")
    )
    sort = ChangeOrdering(
        fields=(
            ("number", "number"),
            ("updated_at", "updated"),
            ("title", "title"),
            ("submitted_at", "submitted"),
            ("decided_at", "decided"),
        ),
        field_labels={
            "-number": _("Newest first"),
            "number": _("Oldest first"),
            "-updated": _("Recently changed"),
            "updated_at": _("Least recently changed"),
            "title": _("Title"),
            "-title": _("Title (Z–A)"),
            "-submitted": _("Recently submitted"),
            "submitted_at": _("Submitted (earliest first)"),
            "-decided": _("Recently decided"),
            "decided_at": _("Decided (earliest first)"),
        },
        label=_("Sort by"),
        empty_label=None,
    )

    FILTER_NAMES = ("q", "status", "state", "type", "urgency", "requester")

    class Meta:
        model = ChangeRequest
        fields: list[str] = []

    def __init__(self, *args: Any, requesters: list[tuple[str, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = requesters or []
        self.filters["requester"].extra["choices"] = choices
        self.form.fields["requester"].choices = [("", _("Anyone")), *choices]
        self.form.fields["sort"].initial = "-number"
        self.form.fields["q"].widget.input_type = "search"
        self.form.fields["q"].widget.attrs["placeholder"] = _("Title, reason or number")

    @property
    def is_filtered(self) -> bool:
        data = self.data or {}
        return any(data.get(name) for name in self.FILTER_NAMES)

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        condition = Q(title__icontains=value) | Q(reason__icontains=value)
        number = parse_change_number(value)
        if number is not None:
            condition |= Q(number=number)
        return queryset.filter(condition)

    def filter_state(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == OPEN:
            return queryset.filter(status__in=OPEN_STATES)
        if value == DECIDED:
            return queryset.filter(status__in=DECIDED_STATES)
        return queryset
