"""Filters of the project, milestone and history lists (shared by pages and the API)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accord.core import parameters
from accord.core.models import AuditEvent
from accord.projects.choices import MilestoneStatus, ProjectStatus
from accord.projects.models import Membership, Milestone, Project
from accord.projects.selectors import ACTION_LABELS, OPEN_MILESTONE_STATES


class ProjectFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    status = django_filters.ChoiceFilter(
        choices=ProjectStatus.choices, label=_("Status"), empty_label=_("All statuses")
    )
    sort = django_filters.OrderingFilter(
        fields=(
            ("name", "name"),
            ("key", "key"),
            ("client_name", "client"),
            ("start_date", "start"),
            ("end_date", "end"),
            ("updated_at", "updated"),
        ),
        field_labels={
            "name": _("Name"),
            "-name": _("Name (Z–A)"),
            "key": _("Key"),
            "-key": _("Key (Z–A)"),
            "client_name": _("Client"),
            "-client": _("Client (Z–A)"),
            "start_date": _("Start date (earliest)"),
            "-start": _("Start date (latest)"),
            "end_date": _("End date (earliest)"),
            "-end": _("End date (latest)"),
            "updated_at": _("Least recently changed"),
            "-updated": _("Recently changed"),
        },
        label=_("Sort by"),
        # The list is sorted by name unless another order is chosen; no separate empty choice.
        empty_label=None,
    )

    class Meta:
        model = Project
        fields = ["q", "status"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(key__icontains=value) | Q(client_name__icontains=value)
        )


class MilestoneFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=MilestoneStatus.choices, label=_("Status"), empty_label=_("All statuses")
    )
    overdue = parameters.BooleanFilter(
        method="filter_overdue",
        label=_("Overdue only"),
        widget=parameters.CheckboxInput,
    )

    class Meta:
        model = Milestone
        fields = ["status", "overdue"]

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        # An unticked box shows everything rather than hiding the overdue ones.
        if not value:
            return queryset
        return queryset.filter(status__in=OPEN_MILESTONE_STATES, due_date__lt=timezone.localdate())


class MembershipFilter(parameters.FilterSet):
    class Meta:
        model = Membership
        fields = ["role", "can_approve"]


class AuditEventFilter(django_filters.FilterSet):
    action = django_filters.ChoiceFilter(
        choices=list(ACTION_LABELS.items()),
        label=pgettext_lazy("audit filter", "Action"),
        empty_label=_("All actions"),
    )
    actor = django_filters.ModelChoiceFilter(
        queryset=get_user_model().objects.none(), label=_("Who"), empty_label=_("Everyone")
    )

    class Meta:
        model = AuditEvent
        fields = ["action", "actor"]

    def __init__(self, *args: Any, actors: QuerySet | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if actors is not None:
            self.filters["actor"].queryset = actors
            self.form.fields["actor"].queryset = actors
