"""Problem pages: the list, the detail page, the forms, and "the risk occurred".

Reads go through the problem selectors, writes through the problem services. A problem the user
may not see (a client and an internal problem) answers 404 like an unknown one; a forbidden
action on a visible problem answers 403. The list costs the same few queries whatever the data.
"""

from __future__ import annotations

import copy
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accord.core.exceptions import ApplicationError
from accord.projects import selectors as project_selectors
from accord.projects.forms import apply_error, refusal_status
from accord.projects.models import Project
from accord.projects.pages import SLOT, address_maker, paginate, project_context, require
from accord.risks import policies, problem_selectors, problem_services, selectors
from accord.risks.choices import OPEN_PROBLEM_STATES, ProblemStatus, RiskStatus
from accord.risks.forms import VersionOnlyForm
from accord.risks.models import Problem, Risk
from accord.risks.problem_filters import ProblemFilter
from accord.risks.problem_forms import ProblemForm, ProblemFromRiskForm
from accord.risks.views.pages import _owner_choices

GET_POST = ["GET", "POST"]
HISTORY_LIMIT = 30
# How many problems a risk's page lists (a risk rarely occurs more than once or twice).
RISK_PROBLEMS_LIMIT = 20
# Only the columns a list row shows; the texts can be long and are not needed there.
ROW_FIELDS = (
    "id", "project_id", "number", "title", "status", "due_date", "visibility", "owner",
    "risk_id", "updated_at", "solved_at",
)  # fmt: skip
# How the status badge looks: needs attention, being worked on, done, filed away.
STATUS_BADGES = {
    ProblemStatus.OPEN: "badge-bad",
    ProblemStatus.IN_PROGRESS: "badge-warn",
    ProblemStatus.SOLVED: "badge-ok",
    ProblemStatus.CLOSED: "",
}


def status_labels() -> dict[str, str]:
    """Display labels looked up once per page."""
    return {k: str(v) for k, v in ProblemStatus.choices}


def label_problem(problem: Problem, labels: dict[str, str] | None = None) -> Problem:
    labels = labels or status_labels()
    problem.status_label = labels.get(problem.status, problem.status)
    problem.status_badge = STATUS_BADGES.get(problem.status, "")
    return problem


def _context(request: HttpRequest, project: Project) -> dict[str, Any]:
    context = project_context(request, project, "risks")
    user = request.user
    context.update(
        can_edit_problems=policies.can_edit_risks(user, project),
        can_delete_problems=policies.can_delete_risks(user, project),
        can_manage_thresholds=policies.can_manage_thresholds(user, project),
    )
    return context


def _load(request: HttpRequest, key: str, number: int) -> tuple[Project, Problem]:
    project = project_selectors.project_get(user=request.user, key=key)
    problem = problem_selectors.problem_get(user=request.user, project=project, number=number)
    # One project object for the page: the policies' membership cache is keyed on it.
    problem.project = project
    return project, problem


def _detail_url(problem: Problem) -> str:
    return reverse(
        "risks:problem-detail", kwargs={"key": problem.project.key, "number": problem.number}
    )


# List ----------------------------------------------------------------------------------------


@login_required
def problem_list(request: HttpRequest, key: str) -> HttpResponse:
    project = project_selectors.project_get(user=request.user, key=key)
    visible = problem_selectors.problem_list(user=request.user, project=project)
    problem_filter = ProblemFilter(
        request.GET or None,
        queryset=visible.select_related(None),
        owners=_owner_choices(project),
    )
    rows = problem_filter.qs.only(*ROW_FIELDS).select_related("owner")
    page = paginate(request, rows)
    labels = status_labels()
    detail_of = address_maker("risks:problem-detail", key=project.key, number=SLOT)
    problems = []
    for problem in page.object_list:
        problem.project = project
        label_problem(problem, labels)
        problem.url = detail_of(problem.number)
        problems.append(problem)
    context = _context(request, project)
    context.update(
        filter=problem_filter,
        filtered=problem_filter.is_filtered,
        page_obj=page,
        problems=problems,
    )
    return render(request, "risks/problem_list.html", context)


# Detail --------------------------------------------------------------------------------------


@login_required
def problem_detail(request: HttpRequest, key: str, number: int) -> HttpResponse:
    project, problem = _load(request, key, number)
    user = request.user
    label_problem(problem)
    # The risk it came from, when the user may see it (a client sees shared risks only).
    risk = problem.risk if problem.risk_id is not None and problem.risk_visible else None
    if risk is not None:
        risk.project = project
    requirements = list(problem_selectors.problem_requirements(user=user, problem=problem))
    change_requests = list(problem_selectors.problem_change_requests(user=user, problem=problem))
    for change in change_requests:
        change.project = project
    events = list(project_selectors.audit_events_of(user=user, target=problem)[: HISTORY_LIMIT + 1])
    history_more = len(events) > HISTORY_LIMIT
    events = events[:HISTORY_LIMIT]
    context = _context(request, project)
    context.update(
        problem=problem,
        risk=risk,
        requirements=requirements,
        change_requests=change_requests,
        rows=[(event, project_selectors.field_changes(event)) for event in events],
        history_more=history_more,
        history_limit=HISTORY_LIMIT,
        problem_list_url=reverse("risks:problems", kwargs={"key": project.key}),
        problem_tasks=_problem_tasks(project, problem) if context["can_view_internal"] else None,
    )
    return render(request, "risks/problem_detail.html", context)


# The linked tasks shown on a problem's page; tasks are internal, so for the team only.
PROBLEM_TASK_LIMIT = 50


def _problem_tasks(project: Project, problem: Problem) -> list[Any]:
    """Delivery: the tasks that work on the problem, open first (one query)."""
    from django.db.models import F

    from accord.delivery.choices import TaskStatus

    tasks = list(
        problem.tasks.select_related("assignee")
        .only(
            "id",
            "project_id",
            "number",
            "title",
            "status",
            "due_date",
            "assignee__full_name",
            "assignee__email",
        )
        .order_by(F("done_at").asc(nulls_first=True), "due_date", "number")[:PROBLEM_TASK_LIMIT]
    )
    labels = dict(TaskStatus.choices)
    for task in tasks:
        task.project = project
        task.status_label = labels.get(task.status, task.status)
    return tasks


# Create and edit -----------------------------------------------------------------------------


def _form_page(
    request: HttpRequest,
    project: Project,
    form: ProblemForm,
    problem: Problem | None,
    status: int | None = None,
) -> HttpResponse:
    context = _context(request, project)
    context.update(form=form, problem=problem)
    if status is None:
        status = 400 if form.is_bound else 200
    return render(request, "risks/problem_form.html", context, status=status)


@login_required
@require_http_methods(GET_POST)
def problem_create(request: HttpRequest, key: str) -> HttpResponse:
    project = project_selectors.project_get(user=request.user, key=key)
    require(policies.can_edit_risks(request.user, project))
    data = request.POST if request.method == "POST" else None
    form = ProblemForm(
        data,
        instance=Problem(project=project),
        project=project,
        user=request.user,
        can_share=policies.can_share_risks(request.user, project),
    )
    if data is not None and form.is_valid():
        try:
            problem = problem_services.problem_create(
                actor=request.user, project=project, **form.fields_for_service()
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            problem.project = project
            messages.success(request, _("Problem %(key)s was recorded.") % {"key": problem.key})
            return redirect(_detail_url(problem))
    return _form_page(request, project, form, None)


@login_required
@require_http_methods(GET_POST)
def problem_edit(request: HttpRequest, key: str, number: int) -> HttpResponse:
    project, problem = _load(request, key, number)
    require(policies.can_edit_risks(request.user, project))
    data = request.POST if request.method == "POST" else None
    # The form works on a copy, so a refused save leaves the page header as stored.
    form = ProblemForm(
        data,
        instance=copy.copy(problem),
        project=project,
        user=request.user,
        can_share=policies.can_share_risks(request.user, project),
    )
    status = None
    if data is not None and form.is_valid():
        try:
            problem_services.problem_update(
                actor=request.user,
                problem=problem,
                data=form.fields_for_service(),
                expected_version=form.cleaned_data.get("version"),
            )
        except ApplicationError as exc:
            status = refusal_status(form, exc)
        else:
            messages.success(request, _("Problem %(key)s was saved.") % {"key": problem.key})
            return redirect(_detail_url(problem))
    return _form_page(request, project, form, problem, status)


@login_required
@require_http_methods(GET_POST)
def problem_delete(request: HttpRequest, key: str, number: int) -> HttpResponse:
    project, problem = _load(request, key, number)
    require(policies.can_delete_risks(request.user, project))
    form = VersionOnlyForm(request.POST or None, initial={"version": problem.version})
    if request.method == "POST" and form.is_valid():
        try:
            problem_services.problem_delete(
                actor=request.user,
                problem=problem,
                expected_version=form.cleaned_data.get("version"),
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect(_detail_url(problem))
        messages.success(request, _("Problem %(key)s was deleted.") % {"key": problem.key})
        return redirect("risks:problems", key=project.key)
    label_problem(problem)
    context = _context(request, project)
    context.update(problem=problem, form=form)
    return render(request, "risks/problem_delete.html", context)


# The risk occurred ---------------------------------------------------------------------------


@login_required
@require_http_methods(GET_POST)
def problem_from_risk(request: HttpRequest, key: str, number: int) -> HttpResponse:
    """Confirm that a risk occurred: the problem's title, what happened and its impact start
    from the risk's title, event and consequence and can be edited before it is recorded."""
    project = project_selectors.project_get(user=request.user, key=key)
    risk = selectors.risk_get(user=request.user, project=project, number=number)
    risk.project = project
    require(policies.can_edit_risks(request.user, project))
    status = 200
    if request.method == "POST":
        form = ProblemFromRiskForm(request.POST)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                problem = problem_services.risk_occurred(
                    actor=request.user,
                    risk=risk,
                    title=data["title"],
                    description=data["description"],
                    impact=data["impact"],
                    expected_version=data.get("version"),
                )
            except ApplicationError as exc:
                status = refusal_status(form, exc)
            else:
                problem.project = project
                messages.success(
                    request,
                    _("%(risk)s is marked occurred; problem %(key)s records what happened.")
                    % {"risk": risk.key, "key": problem.key},
                )
                return redirect(_detail_url(problem))
    else:
        form = ProblemFromRiskForm(
            initial={
                "title": risk.title,
                "description": risk.event,
                "impact": risk.consequence,
                "version": risk.version,
            }
        )
    context = _context(request, project)
    context.update(
        risk=risk,
        form=form,
        already_occurred=risk.status == RiskStatus.OCCURRED,
    )
    return render(request, "risks/problem_from_risk.html", context, status=status)


# On other pages ------------------------------------------------------------------------------


def problems_of_risk(user: Any, project: Project, risk: Risk) -> list[Problem]:
    """The problems that came from a risk, as the user may see them (one query)."""
    problems = list(
        problem_selectors.problem_list(user=user, project=project)
        .filter(risk=risk)
        .select_related(None)
        .only(*ROW_FIELDS)
        .order_by("-number")[:RISK_PROBLEMS_LIMIT]
    )
    labels = status_labels()
    detail_of = address_maker("risks:problem-detail", key=project.key, number=SLOT)
    for problem in problems:
        problem.project = project
        label_problem(problem, labels)
        problem.url = detail_of(problem.number)
    return problems


def open_problem_count(user: Any, project: Project) -> int:
    """How many problems of the project are open or being solved, as the user may see them
    (one COUNT query)."""
    return (
        problem_selectors.problem_list(user=user, project=project)
        .filter(status__in=OPEN_PROBLEM_STATES)
        .select_related(None)
        .order_by()
        .count()
    )
