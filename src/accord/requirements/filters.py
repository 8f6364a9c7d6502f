"""Filters of the requirements list (shared by the page and the API)."""

from __future__ import annotations

import re
from typing import Any

import django_filters
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accord.requirements.choices import Priority, RequirementType, Source, Status
from accord.requirements.models import Requirement

# "12", "R12", "r12", "ACME-R12": a requirement number as people type it.
NUMBER_PATTERN = re.compile(r"^(?:[A-Za-z0-9]+-)?[Rr]?(\d{1,9})$")


def parse_number(value: str | None) -> int | None:
    match = NUMBER_PATTERN.match((value or "").strip())
    return int(match.group(1)) if match else None


def _rank(field: str, values: list[str]) -> Case:
    """Sort by the order of a choice list instead of alphabetically (MoSCoW, the workflow)."""
    return Case(
        *(When(**{field: value}, then=Value(i)) for i, value in enumerate(values)),
        default=Value(len(values)),
        output_field=IntegerField(),
    )


PRIORITY_RANK = _rank("priority", list(Priority.values))
STATUS_RANK = _rank("status", list(Status.values))


class ConfirmationState:
    CONFIRMED = "yes"
    UNCONFIRMED = "no"
    CHANGED = "changed"

    choices = (
        (CONFIRMED, _("Confirmed by the client")),
        (UNCONFIRMED, _("Not confirmed")),
        (CHANGED, _("Changed since confirmation")),
    )


class RequirementOrdering(django_filters.OrderingFilter):
    """Orders by the chosen column, then by number so that pages never overlap."""

    RANKS = {"priority_rank": PRIORITY_RANK, "status_rank": STATUS_RANK}

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        ordering = [self.get_ordering_value(p) for p in value or [] if p]
        if not ordering:
            return qs.order_by("number")
        for name in {o.lstrip("-") for o in ordering} & self.RANKS.keys():
            qs = qs.annotate(**{name: self.RANKS[name]})
        tie = "-number" if ordering[0].startswith("-") else "number"
        if ordering[0].lstrip("-") != "number":
            ordering.append(tie)
        return qs.order_by(*ordering)


class RequirementFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    status = django_filters.ChoiceFilter(
        choices=Status.choices, label=_("Status"), empty_label=_("All statuses")
    )
    priority = django_filters.ChoiceFilter(
        choices=Priority.choices, label=_("Priority"), empty_label=_("All priorities")
    )
    type = django_filters.ChoiceFilter(
        choices=RequirementType.choices, label=_("Type"), empty_label=_("All types")
    )
    tag = django_filters.ChoiceFilter(
        choices=(), method="filter_tag", label=_("Tag"), empty_label=_("All tags")
    )
    source = django_filters.ChoiceFilter(
        choices=Source.choices, label=_("Source"), empty_label=_("All sources")
    )
    confirmed = django_filters.ChoiceFilter(
        choices=ConfirmationState.choices,
        method="filter_confirmed",
        label=_("Confirmation"),
        empty_label=_("Confirmed or not"),
    )
    parent = django_filters.CharFilter(
        method="filter_parent", label=_("Parent requirement"), help_text=_("e.g. R12")
    )
    sort = RequirementOrdering(
        fields=(
            ("number", "key"),
            ("title", "title"),
            ("priority_rank", "priority"),
            ("status_rank", "status"),
            ("updated_at", "updated"),
        ),
        field_labels={
            "number": _("Key"),
            # Descending labels are keyed by the URL parameter (django-filter's build_choices).
            "-key": _("Key (newest first)"),
            "title": _("Title"),
            "-title": _("Title (Z–A)"),
            "priority_rank": _("Priority (must first)"),
            "-priority": _("Priority (won't first)"),
            "status_rank": pgettext_lazy("sort", "Status (draft first)"),
            "-status": pgettext_lazy("sort", "Status (latest stage first)"),
            "updated_at": _("Least recently changed"),
            "-updated": _("Recently changed"),
        },
        label=_("Sort by"),
        # Sorted by key unless another order is chosen; no separate empty choice.
        empty_label=None,
    )

    class Meta:
        model = Requirement
        fields = ["q", "status", "priority", "type", "tag", "source", "confirmed", "parent"]

    def __init__(
        self,
        *args: Any,
        tags: list[str] | None = None,
        statuses: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if statuses is not None:
            # Clients are not offered states they never see a requirement in.
            labels = dict(Status.choices)
            status_choices = [(value, labels[value]) for value in statuses]
            self.filters["status"].extra["choices"] = status_choices
            self.form.fields["status"].choices = [("", _("All statuses")), *status_choices]
        tag_choices = [(name, name) for name in tags or []]
        self.filters["tag"].extra["choices"] = tag_choices
        self.form.fields["tag"].choices = [("", _("All tags")), *tag_choices]
        self.form.fields["q"].widget.input_type = "search"
        self.form.fields["q"].widget.attrs["placeholder"] = _("Title, text or number")
        self.form.fields["parent"].widget.attrs.update(placeholder=_("Parent, e.g. R12"), size=10)

    @property
    def is_filtered(self) -> bool:
        data = self.data or {}
        return any(data.get(name) for name in self.Meta.fields)

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        condition = Q(title__icontains=value) | Q(description__icontains=value)
        number = parse_number(value)
        if number is not None:
            condition |= Q(number=number)
        return queryset.filter(condition)

    def filter_tag(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # Tag names are unique per project, so the join yields each requirement once.
        return queryset.filter(tags__name=value) if value else queryset

    def filter_confirmed(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == ConfirmationState.CONFIRMED:
            return queryset.filter(
                confirmed_version__isnull=False, changed_since_confirmation=False
            )
        if value == ConfirmationState.UNCONFIRMED:
            return queryset.filter(
                Q(confirmed_version__isnull=True) | Q(changed_since_confirmation=True)
            )
        if value == ConfirmationState.CHANGED:
            return queryset.filter(changed_since_confirmation=True)
        return queryset

    def filter_parent(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value.strip():
            return queryset
        number = parse_number(value)
        if number is None:
            return queryset.none()
        # Among the requirements the reader sees (the list's own queryset): a hidden parent
        # finds what an unknown one finds.
        parents = self.queryset.filter(number=number).values("pk")
        return queryset.filter(parent__in=parents)
