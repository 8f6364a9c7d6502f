"""Reads of the risk register, always through the visibility rules.

Clients see shared risks of their own projects only, and the reviews and response actions of
those; outsiders see nothing; organisation staff see everything. Each risk read through
`risk_list` carries its `level` (low … critical), computed in the database from the project's
thresholds, so the register filters and sorts by level without reading every risk.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Case, Count, F, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from accord.core.choices import Visibility
from accord.core.querysets import user_sees_everything
from accord.projects import policies
from accord.projects.models import Project
from accord.risks.choices import (
    ACTIVE_STATES,
    DEFAULT_CRITICAL_FROM,
    DEFAULT_HIGH_FROM,
    DEFAULT_MEDIUM_FROM,
    Impact,
    Level,
    Probability,
)
from accord.risks.models import ResponseAction, Risk, RiskReview, RiskThresholds

LEVEL_ORDER = {Level.LOW: 1, Level.MEDIUM: 2, Level.HIGH: 3, Level.CRITICAL: 4}


def _level_case(medium: Any, high: Any, critical: Any) -> Case:
    """The level of a risk's score as an SQL expression; the bounds are numbers or columns."""
    return Case(
        When(score__gte=critical, then=Value(Level.CRITICAL.value)),
        When(score__gte=high, then=Value(Level.HIGH.value)),
        When(score__gte=medium, then=Value(Level.MEDIUM.value)),
        default=Value(Level.LOW.value),
    )


# Thresholds ----------------------------------------------------------------------------------


def thresholds_of(project: Project) -> RiskThresholds:
    """The project's level thresholds; an unsaved default instance when none are stored. Read
    once per project object (Django keeps the answer on it, a missing row included)."""
    try:
        return project.risk_thresholds
    except RiskThresholds.DoesNotExist:
        return RiskThresholds(project=project)


def thresholds_for(project_ids: Iterable[int]) -> dict[int, RiskThresholds]:
    """Each project's thresholds in one query, defaults for the projects without their own."""
    ids = set(project_ids)
    stored = {t.project_id: t for t in RiskThresholds.objects.filter(project_id__in=ids)}
    return {pid: stored.get(pid) or RiskThresholds(project_id=pid) for pid in ids}


def filter_levels(
    risks: QuerySet[Risk], thresholds: RiskThresholds, levels: Iterable[str]
) -> QuerySet[Risk]:
    """Risks of one project whose score falls in any of `levels`, as score ranges (indexed)."""
    condition = Q()
    for level in levels:
        if level not in LEVEL_ORDER:
            continue
        low, high = thresholds.score_range(level)
        condition |= Q(score__gte=low, score__lte=high)
    return risks.filter(condition) if condition else risks.none()


# Risks ---------------------------------------------------------------------------------------


def risk_list(user: Any, project: Project) -> QuerySet[Risk]:
    """The project's risks the user may see, each with its `level`, highest score first."""
    t = thresholds_of(project)
    return (
        Risk.objects.visible_in(project, user)
        .select_related("project", "owner")
        .annotate(level=_level_case(t.medium_from, t.high_from, t.critical_from))
    )


def risk_get(user: Any, project: Project, number: int) -> Risk:
    """One risk the user may see; unknown and hidden risks alike answer 404."""
    risk = risk_list(user, project).filter(number=number).first()
    if risk is None:
        raise Http404
    return risk


def review_list(risk: Risk) -> QuerySet[RiskReview]:
    """A visible risk's reviews, newest first (they follow the risk's visibility)."""
    return (
        RiskReview.objects.filter(risk=risk)
        .select_related("reviewed_by")
        .order_by("-reviewed_at", "-id")
    )


def action_list(risk: Risk) -> QuerySet[ResponseAction]:
    """A visible risk's response actions: open ones first by due date, then done ones."""
    return (
        ResponseAction.objects.filter(risk=risk)
        .select_related("owner", "risk", "risk__project")
        .order_by(F("done_at").asc(nulls_first=True), F("due_date").asc(nulls_last=True), "id")
    )


def action_get(risk: Risk, action_id: int) -> ResponseAction:
    action = action_list(risk).filter(pk=action_id).first()
    if action is None:
        raise Http404
    return action


def top_risks(user: Any, project: Project, limit: int = 5) -> list[Risk]:
    """The highest-scored active risks the user may see (the project overview's list)."""
    return list(
        risk_list(user, project)
        .filter(status__in=ACTIVE_STATES)
        .order_by("-score", "number")[:limit]
    )


def overdue_actions(user: Any, project: Project) -> QuerySet[ResponseAction]:
    """Open response actions past their due date, of risks the user may see, oldest first."""
    actions = ResponseAction.objects.filter(
        risk__project=project, done_at__isnull=True, due_date__lt=timezone.localdate()
    )
    if not policies.can_view_internal(user, project):
        if not policies.can_view_project(user, project):
            return actions.none()
        actions = actions.filter(risk__visibility=Visibility.SHARED)
    return actions.select_related("risk", "risk__project", "owner").order_by("due_date", "id")


# Heat map ------------------------------------------------------------------------------------


def heat_map(
    user: Any, project: Project, status: Iterable[str] | None = ACTIVE_STATES
) -> list[list[dict[str, Any]]]:
    """Visible risks counted per probability × impact cell, in ONE grouped query.

    Five rows, probability 5 (top) down to 1; each row five cells, impact 1 to 5. A cell is
    {probability, impact, score, level, count, probability_label, impact_label}. `status`
    limits the risks counted (active ones by default; None counts every state).
    """
    risks = Risk.objects.visible_in(project, user)
    if status is not None:
        risks = risks.filter(status__in=list(status))
    counts = {
        (row["probability"], row["impact"]): row["count"]
        for row in risks.order_by().values("probability", "impact").annotate(count=Count("pk"))
    }
    thresholds = thresholds_of(project)
    return [
        [
            {
                "probability": p,
                "impact": i,
                "score": p * i,
                "level": thresholds.level_of(p * i),
                "count": counts.get((p, i), 0),
                "probability_label": Probability(p).label,
                "impact_label": Impact(i).label,
            }
            for i in range(1, 6)
        ]
        for p in range(5, 0, -1)
    ]


# Across projects -----------------------------------------------------------------------------


def org_risks(user: Any, levels: Iterable[str] = (Level.HIGH, Level.CRITICAL)) -> QuerySet[Risk]:
    """Organisation staff only: the active risks of every project at the given levels, each
    judged by its own project's thresholds (joined in the same query; defaults where a project
    keeps them). Every risk carries `level` and `medium_from` / `high_from` / `critical_from`.
    Anyone else gets nothing."""
    if not user_sees_everything(user):
        return Risk.objects.none()
    medium = Coalesce(F("project__risk_thresholds__medium_from"), Value(DEFAULT_MEDIUM_FROM))
    high = Coalesce(F("project__risk_thresholds__high_from"), Value(DEFAULT_HIGH_FROM))
    critical = Coalesce(F("project__risk_thresholds__critical_from"), Value(DEFAULT_CRITICAL_FROM))
    wanted = [level for level in LEVEL_ORDER if level in set(levels)]
    if not wanted:
        return Risk.objects.none()
    return (
        Risk.objects.filter(status__in=ACTIVE_STATES)
        .annotate(medium_from=medium, high_from=high, critical_from=critical)
        .annotate(level=_level_case(F("medium_from"), F("high_from"), F("critical_from")))
        .filter(level__in=wanted)
        .select_related("project", "owner")
        .order_by("-score", "project__key", "number")
    )
