"""Reads of the problem register, always through the visibility rules.

Clients see the problems shared with them (in their own projects), outsiders nothing, staff
everything. The risk a problem came from and the requirements it affects are shown only as far
as the reader may see them: `problem_list` annotates `risk_visible`, `problem_requirements`
reads the requirements through the requirement selectors.
"""

from __future__ import annotations

from typing import Any

from django.db.models import BooleanField, F, Q, QuerySet, Value
from django.http import Http404
from django.utils import timezone

from accord.changes.models import ChangeRequest
from accord.core.choices import Visibility
from accord.projects import policies
from accord.projects.models import Project
from accord.requirements.models import Requirement
from accord.requirements.selectors import requirement_list
from accord.risks.choices import OPEN_PROBLEM_STATES
from accord.risks.models import Problem


def problem_list(user: Any, project: Project) -> QuerySet[Problem]:
    """The project's problems the user may see, newest first, each with `risk_visible`: whether
    the user may see the risk it came from (clients: only a shared one)."""
    if policies.can_view_internal(user, project):
        risk_visible: Any = Value(True, output_field=BooleanField())
    else:
        risk_visible = Q(risk__visibility=Visibility.SHARED)
    return (
        Problem.objects.visible_in(project, user)
        .select_related("project", "owner", "risk")
        .annotate(risk_visible=risk_visible)
        .order_by("-number")
    )


def problem_numbers_by_risk(user: Any, project: Project, risks: Any) -> dict[int, list[int]]:
    """The numbers of the problems that came from each risk (by risk id, newest first), of
    those the user may see; one query for any number of risks."""
    found: dict[int, list[int]] = {risk.pk: [] for risk in risks}
    if not found:
        return found
    rows = (
        Problem.objects.visible_in(project, user)
        .filter(risk_id__in=list(found))
        .order_by("-number")
        .values_list("risk_id", "number")
    )
    for risk_id, number in rows:
        found[risk_id].append(number)
    return found


def problem_get(user: Any, project: Project, number: int) -> Problem:
    """One problem the user may see; unknown and hidden problems alike answer 404."""
    problem = problem_list(user, project).filter(number=number).first()
    if problem is None:
        raise Http404
    return problem


def open_problems(user: Any, project: Project, limit: int = 5) -> list[Problem]:
    """The open problems the user may see, the most urgent first (earliest due date; those
    without one last), for the project overview."""
    return list(
        problem_list(user, project)
        .filter(status__in=OPEN_PROBLEM_STATES)
        .order_by(F("due_date").asc(nulls_last=True), "-number")[:limit]
    )


def overdue_problems(user: Any, project: Project) -> QuerySet[Problem]:
    """Open problems past their due date that the user may see, oldest due first."""
    return (
        problem_list(user, project)
        .filter(status__in=OPEN_PROBLEM_STATES, due_date__lt=timezone.localdate())
        .order_by("due_date", "number")
    )


def problem_requirements(user: Any, problem: Problem) -> QuerySet[Requirement]:
    """The requirements a visible problem affects, only those the user may see (clients: never
    a draft), by number."""
    return (
        requirement_list(user=user, project=problem.project)
        .filter(problems=problem)
        .order_by("number")
    )


def problem_change_requests(user: Any, problem: Problem) -> QuerySet[ChangeRequest]:
    """The change requests that came from a visible problem, only those the user may see
    (clients: never an internal draft), by number, with the columns a link shows."""
    return (
        ChangeRequest.objects.visible_in(problem.project, user)
        .filter(problems=problem)
        .only("id", "project_id", "number", "title", "status", "visibility")
        .order_by("number")
    )
