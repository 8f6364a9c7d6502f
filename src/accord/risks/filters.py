"""Filters of the risk register (shared by the page and the API)."""

from __future__ import annotations

import re
from typing import Any

import django_filters
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from accord.risks.choices import ACTIVE_STATES, Category, Impact, Level, Probability, RiskStatus
from accord.risks.choices import Strategy as StrategyChoices
from accord.risks.models import ResponseAction, Risk, RiskThresholds

# The status filter's extra choice: open or monitoring.
ACTIVE = "active"
# Owner filter value for items without an owner.
NO_OWNER = "none"


def parse_number(value: str | None, letter: str) -> int | None:
    """An item's number as people type it: "5", "K5", "k5" or "ACME-K5" for letter "K"."""
    pattern = rf"^(?:[A-Za-z0-9]+-)?[{letter.upper()}{letter.lower()}]?(\d{{1,9}})$"
    match = re.match(pattern, (value or "").strip())
    return int(match.group(1)) if match else None


class OwnedItemFilter(django_filters.FilterSet):
    """What the risk register and the problem list filter alike: text over the item's texts
    and its number, and its owner (or nobody)."""

    q = django_filters.CharFilter(method="search", label=_("Search"))
    owner = django_filters.ChoiceFilter(
        choices=(), method="filter_owner", label=_("Owner"), empty_label=_("Anyone")
    )

    FILTER_NAMES: tuple[str, ...] = ()
    SEARCH_FIELDS: tuple[str, ...] = ()
    KEY_LETTER = ""
    DEFAULT_SORT = ""

    def __init__(self, *args: Any, owners: list[tuple[str, str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        owner_choices = [(NO_OWNER, _("Nobody yet")), *(owners or [])]
        self.filters["owner"].extra["choices"] = owner_choices
        self.form.fields["owner"].choices = [("", _("Anyone")), *owner_choices]
        self.form.fields["sort"].initial = self.DEFAULT_SORT
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
        condition = Q()
        for field in self.SEARCH_FIELDS:
            condition |= Q(**{f"{field}__icontains": value})
        number = parse_number(value, self.KEY_LETTER)
        if number is not None:
            condition |= Q(number=number)
        return queryset.filter(condition)

    def filter_owner(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == NO_OWNER:
            return queryset.filter(owner__isnull=True)
        return queryset.filter(owner_id=value) if value else queryset


def with_next_due(queryset: QuerySet) -> QuerySet:
    """Each risk with the due date of its next open response action (None when it has none)."""
    if "next_due" in queryset.query.annotations:
        return queryset
    next_due = (
        ResponseAction.objects.filter(risk=OuterRef("pk"), done_at__isnull=True)
        .exclude(due_date__isnull=True)
        .order_by("due_date")
        .values("due_date")[:1]
    )
    return queryset.annotate(next_due=Subquery(next_due))


class RiskOrdering(django_filters.OrderingFilter):
    """Orders by the chosen column, then by number so that pages never overlap; risks without
    an open action come last when sorting by the next due date."""

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        ordering = [self.get_ordering_value(p) for p in value or [] if p]
        if not ordering:
            return qs.order_by("-score", "number")
        first = ordering[0]
        descending = first.startswith("-")
        name = first.lstrip("-")
        if name == "next_due":
            qs = with_next_due(qs)
            column = F("next_due")
            order = column.desc(nulls_last=True) if descending else column.asc(nulls_last=True)
            return qs.order_by(order, "number")
        if name == "number":
            return qs.order_by(first)
        return qs.order_by(first, "-number" if descending else "number")


class RiskFilter(OwnedItemFilter):
    status = django_filters.ChoiceFilter(
        choices=[(ACTIVE, _("Active (open or monitoring)")), *RiskStatus.choices],
        method="filter_status",
        label=_("Status"),
        empty_label=_("All statuses"),
    )
    level = django_filters.ChoiceFilter(
        choices=Level.choices, method="filter_level", label=_("Level"), empty_label=_("All levels")
    )
    category = django_filters.ChoiceFilter(
        choices=Category.choices, label=_("Category"), empty_label=_("All categories")
    )
    strategy = django_filters.ChoiceFilter(
        choices=StrategyChoices.choices, label=_("Strategy"), empty_label=_("All strategies")
    )
    probability = django_filters.ChoiceFilter(
        choices=Probability.choices, label=_("Probability"), empty_label=_("Any probability")
    )
    impact = django_filters.ChoiceFilter(
        choices=Impact.choices, label=_("Impact"), empty_label=_("Any impact")
    )
    sort = RiskOrdering(
        fields=(
            ("score", "score"),
            ("number", "key"),
            ("title", "title"),
            ("updated_at", "updated"),
            ("next_due", "due"),
        ),
        field_labels={
            "score": _("Score (lowest first)"),
            # Descending labels are keyed by the URL parameter (django-filter's build_choices).
            "-score": _("Score (highest first)"),
            "number": _("Key"),
            "-key": _("Key (newest first)"),
            "title": _("Title"),
            "-title": _("Title (Z–A)"),
            "updated_at": _("Least recently changed"),
            "-updated": _("Recently changed"),
            "next_due": _("Next action due (soonest first)"),
            "-due": _("Next action due (latest first)"),
        },
        label=_("Sort by"),
        empty_label=None,
    )

    FILTER_NAMES = (
        "q",
        "status",
        "level",
        "category",
        "strategy",
        "owner",
        "probability",
        "impact",
    )

    SEARCH_FIELDS = ("title", "cause", "event", "consequence", "trigger")
    KEY_LETTER = "K"
    DEFAULT_SORT = "-score"  # the highest scores first unless another order is chosen

    class Meta:
        model = Risk
        fields: list[str] = []

    def __init__(self, *args: Any, thresholds: RiskThresholds, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.thresholds = thresholds

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == ACTIVE:
            return queryset.filter(status__in=ACTIVE_STATES)
        return queryset.filter(status=value) if value else queryset

    def filter_level(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value:
            return queryset
        low, high = self.thresholds.score_range(value)
        return queryset.filter(score__gte=low, score__lte=high)
