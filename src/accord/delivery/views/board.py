"""The board: columns by status with their WIP limits, moves by drag and drop (htmx) or by
the "move to" control of each card, and the WIP limits page.

Each column shows its first cards by rank and the count of all of them; the board costs the
same few queries whatever the data. A move the workflow forbids shows the service's message;
a move over a column's limit is kept and answered with a warning.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accord.core.exceptions import ApplicationError
from accord.delivery import policies, selectors, services
from accord.delivery.choices import TaskStatus
from accord.delivery.filters import TaskFilter
from accord.delivery.forms import MoveForm, WipLimitsForm, milestone_queryset, team_queryset
from accord.delivery.views.tasks import (
    context_for,
    is_htmx,
    label,
    labels,
    load,
    milestone_choices,
    people_choices,
    safe_back,
    tasks_project,
)
from accord.projects.models import Project
from accord.projects.pages import SLOT, address_maker, require


def wip_limits_of(project: Project) -> dict[str, int]:
    return selectors.wip_limits_of(project)


def _board_filter(request: HttpRequest, project: Project, data: Any) -> TaskFilter:
    """The board's filters (assignee, milestone, type) over the visible tasks."""
    wanted = {name: data.get(name) for name in TaskFilter.BOARD_FILTERS if data.get(name)}
    return TaskFilter(
        wanted or None,
        queryset=selectors.task_list(user=request.user, project=project).select_related(None),
        user=request.user,
        people=people_choices(list(team_queryset(project))),
        milestones=milestone_choices(list(milestone_queryset(project))),
    )


def _columns(request: HttpRequest, project: Project, task_filter: TaskFilter) -> list[Any]:
    """The selector's columns, each card with its labels, addresses and allowed moves."""
    columns = selectors.board(request.user, project, task_filter.board_values())
    names = labels()
    key = project.key
    detail_of = address_maker("delivery:detail", key=key, number=SLOT)
    move_of = address_maker("delivery:move", key=key, number=SLOT)
    can_edit = policies.can_edit_tasks(request.user, project)
    for column in columns:
        column.label = names["status"].get(column.status, column.label)
        column.at_limit = column.limit is not None and column.total == column.limit
        if can_edit:
            _move_controls(column, names)
        for task in column.tasks:
            label(task, names)
            task.url = detail_of(task.number)
            task.move_url = move_of(task.number)
            if can_edit:
                task.move_label = _("Move %(key)s to") % {"key": task.key}
    return columns


def _move_controls(column: Any, names: dict[str, dict[str, str]]) -> None:
    """The parts of the cards' "move to" forms that every card of the column shares, rendered
    once per column instead of once per card (the board's main cost)."""
    targets = [(s, names["status"][s]) for s in TaskStatus.values if s in column.moves]
    column.move_options = format_html_join(
        "", '<option value="{}">{}</option>', ((value, text) for value, text in targets)
    )
    column.block_input = (
        format_html(
            '<input type="text" name="blocked_reason" maxlength="500" placeholder="{}" '
            'aria-label="{}">',
            _("Why blocked (for Blocked)"),
            _("Why blocked"),
        )
        if TaskStatus.BLOCKED in column.moves
        else ""
    )


def _board_context(request: HttpRequest, project: Project, data: Any) -> dict[str, Any]:
    task_filter = _board_filter(request, project, data)
    columns = _columns(request, project, task_filter)
    context = context_for(request, project)
    context.update(
        # One hidden token and return address for every card's form.
        card_form_fields=format_html(
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
            '<input type="hidden" name="next" value="{}">',
            get_token(request),
            request.get_full_path(),
        ),
        filter=task_filter,
        filtered=bool(task_filter.board_values()),
        board_filters=task_filter.board_values(),
        columns=columns,
        board_empty=not any(column.total for column in columns),
    )
    return context


@login_required
def board(request: HttpRequest, key: str) -> HttpResponse:
    project = tasks_project(request, key)
    context = _board_context(request, project, request.GET)
    return render(request, "delivery/board.html", context)


@login_required
@require_POST
def task_move(request: HttpRequest, key: str, number: int) -> HttpResponse:
    """Move a task to another column (or place it within one). htmx gets the board back with
    the outcome; without JavaScript the browser returns to the page it came from."""
    project, task = load(request, key, number)
    require(policies.can_edit_tasks(request.user, project))
    form = MoveForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
    else:
        data = form.cleaned_data
        before = None
        if data.get("before"):
            before = (
                selectors.task_list(user=request.user, project=project)
                .filter(number=data["before"])
                .first()
            )
        try:
            task, warning = services.task_move(
                actor=request.user,
                task=task,
                status=data["status"],
                before=before,
                blocked_reason=data.get("blocked_reason") or "",
                expected_version=data.get("version"),
            )
        except ApplicationError as exc:
            messages.error(request, _("%(key)s was not moved: %(reason)s")
                           % {"key": task.key, "reason": exc.message})  # fmt: skip
        else:
            status_label = labels()["status"][task.status]
            messages.success(
                request,
                _("%(key)s moved to “%(column)s”.") % {"key": task.key, "column": status_label},
            )
            if warning:
                messages.warning(request, warning)
    if is_htmx(request):
        context = _board_context(request, project, request.POST)
        context["htmx_response"] = True
        return render(request, "delivery/partials/_board.html", context)
    board_url = reverse("delivery:board", kwargs={"key": project.key})
    return redirect(safe_back(request, board_url, f"/p/{project.key}/tasks/"))


@login_required
@require_http_methods(["GET", "POST"])
def wip_limits(request: HttpRequest, key: str) -> HttpResponse:
    project = tasks_project(request, key)
    require(policies.can_manage_board(request.user, project))
    current = wip_limits_of(project)
    form = WipLimitsForm(request.POST or None, initial=current)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.wip_limits_set(actor=request.user, project=project, limits=form.limits())
            except ApplicationError as exc:
                field = exc.field if exc.field in form.fields else None
                form.add_error(field, exc.message)
            else:
                messages.success(request, _("The WIP limits were saved."))
                return redirect("delivery:board", key=project.key)
    context = context_for(request, project)
    context.update(form=form)
    return render(request, "delivery/wip.html", context, status=status)
