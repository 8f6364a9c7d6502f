"""Task pages: the list with filters and bulk edit, create (also from a requirement), detail
with checklist and time, edit, delete.

Tasks are internal: a client of the project gets the same 404 as an outsider on every page
here. Reads go through the selectors, writes through the services; a forbidden write on a
visible task answers 403. The list costs the same few queries whatever the data.
"""

from __future__ import annotations

import copy
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from accord.changes.models import ChangeRequest
from accord.core import integers
from accord.core.exceptions import ApplicationError
from accord.delivery import policies, selectors, services
from accord.delivery.choices import MOVES, TaskPriority, TaskStatus, TaskType
from accord.delivery.filters import TaskFilter
from accord.delivery.forms import (
    BulkEditForm,
    ChecklistItemForm,
    ChecklistToggleForm,
    TaskForm,
    TimeEntryForm,
    VersionOnlyForm,
    milestone_queryset,
    team_queryset,
)
from accord.delivery.models import ChecklistItem, Task, TimeEntry
from accord.projects import selectors as project_selectors
from accord.projects.forms import refusal_status
from accord.projects.models import Project
from accord.projects.pages import SLOT, address_maker, project_context, require
from accord.requirements.models import Requirement
from accord.risks.models import Problem

GET_POST = ["GET", "POST"]
HISTORY_LIMIT = 30
TIME_LIMIT = 50
# How the status badge looks: waiting, moving, waiting on review, stuck, finished.
STATUS_BADGES = {
    TaskStatus.TODO: "",
    TaskStatus.IN_PROGRESS: "badge-info",
    TaskStatus.IN_REVIEW: "badge-warn",
    TaskStatus.BLOCKED: "badge-bad",
    TaskStatus.DONE: "badge-ok",
}
# Only the columns a list row shows; descriptions can be long.
ROW_FIELDS = (
    "id", "project_id", "number", "title", "type", "priority", "status", "estimate_hours",
    "spent_hours", "due_date", "updated_at", "assignee_id", "milestone_id",
    "assignee__full_name", "assignee__email", "milestone__name", "milestone__number",
)  # fmt: skip
# Where the service names a linked kind, the form has its keys field.
LINK_FIELDS = {
    "requirements": "requirement_keys",
    "change_requests": "change_request_keys",
    "problems": "problem_keys",
}


# Shared helpers ------------------------------------------------------------------------------


def labels() -> dict[str, dict[str, str]]:
    """Display labels looked up once per page: get_FOO_display() is slow on every row."""
    return {
        "status": {k: str(v) for k, v in TaskStatus.choices},
        "type": {k: str(v) for k, v in TaskType.choices},
        "priority": {k: str(v) for k, v in TaskPriority.choices},
    }


def label(task: Task, names: dict[str, dict[str, str]]) -> Task:
    task.status_label = names["status"].get(task.status, task.status)
    task.status_badge = STATUS_BADGES.get(task.status, "")
    task.type_label = names["type"].get(task.type, task.type)
    task.priority_label = names["priority"].get(task.priority, task.priority)
    return task


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def tasks_project(request: HttpRequest, key: str) -> Project:
    """The project, when the user may read its tasks; clients and outsiders get a 404."""
    project = project_selectors.project_get(user=request.user, key=key)
    if not policies.can_view_tasks(request.user, project):
        raise Http404
    return project


def context_for(request: HttpRequest, project: Project) -> dict[str, Any]:
    context = project_context(request, project, "tasks")
    user = request.user
    context.update(
        can_edit_tasks=policies.can_edit_tasks(user, project),
        can_delete_tasks=policies.can_delete_tasks(user, project),
        can_manage_board=policies.can_manage_board(user, project),
    )
    return context


def load(request: HttpRequest, key: str, number: int) -> tuple[Project, Task]:
    project = tasks_project(request, key)
    task = selectors.task_for(user=request.user, project=project, number=number)
    # One project object for the page: the policies' membership cache is keyed on it.
    task.project = project
    return project, task


def detail_url(task: Task, anchor: str = "") -> str:
    url = reverse("delivery:detail", kwargs={"key": task.project.key, "number": task.number})
    return f"{url}#{anchor}" if anchor else url


def people_choices(team: list[Any]) -> list[tuple[str, str]]:
    return [(str(user.pk), user.full_name or user.email) for user in team]


def milestone_choices(milestones: list[Any]) -> list[tuple[str, str]]:
    return [(str(m.pk), m.name) for m in milestones]


def safe_back(request: HttpRequest, fallback: str, prefix: str) -> str:
    target = request.POST.get("next", "") or request.GET.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe and target.startswith(prefix) else fallback


# List ----------------------------------------------------------------------------------------


class _Paginator(Paginator):
    """Counts the filtered rows without the page's joins."""

    def __init__(self, object_list: QuerySet, per_page: int, *, count_from: QuerySet) -> None:
        super().__init__(object_list, per_page)
        self._count_from = count_from

    @cached_property
    def count(self) -> int:
        return self._count_from.count()


@login_required
def task_list(request: HttpRequest, key: str) -> HttpResponse:
    project = tasks_project(request, key)
    user = request.user
    team = list(team_queryset(project))
    milestones = list(milestone_queryset(project))
    visible = selectors.task_list(user=user, project=project).select_related(None)
    task_filter = TaskFilter(
        request.GET or None,
        queryset=visible,
        user=user,
        people=people_choices(team),
        milestones=milestone_choices(milestones),
    )
    filtered = task_filter.qs
    rows = filtered.select_related("assignee", "milestone").only(*ROW_FIELDS)
    page = _Paginator(rows, settings.ACCORD_PAGE_SIZE, count_from=filtered).get_page(
        request.GET.get("page")
    )
    names = labels()
    detail_of = address_maker("delivery:detail", key=project.key, number=SLOT)
    tasks = []
    for task in page.object_list:
        task.project = project
        label(task, names)
        task.url = detail_of(task.number)
        tasks.append(task)
    context = context_for(request, project)
    context.update(
        filter=task_filter,
        filtered=task_filter.is_filtered,
        page_obj=page,
        tasks=tasks,
        bulk_form=BulkEditForm(team=team, milestones=milestones)
        if context["can_edit_tasks"]
        else None,
    )
    return render(request, "delivery/list.html", context)


def _selected_numbers(request: HttpRequest) -> list[int]:
    """The ticked rows; "select all on page" works without JavaScript through the page's
    list of numbers."""
    raw = request.POST.getlist("t")
    if request.POST.get("all"):
        raw += request.POST.getlist("page_t")
    return integers.numbers_in(raw)[: settings.ACCORD_PAGE_SIZE * 4]


@login_required
@require_POST
def task_bulk(request: HttpRequest, key: str) -> HttpResponse:
    """Set status, assignee, milestone, priority or type of the selected tasks at once: all
    or nothing."""
    project = tasks_project(request, key)
    require(policies.can_edit_tasks(request.user, project))
    list_url = reverse("delivery:list", kwargs={"key": project.key})
    back = safe_back(request, list_url, list_url)
    numbers = _selected_numbers(request)
    if not numbers:
        messages.error(request, _("Select at least one task first. Nothing was changed."))
        return redirect(back)
    form = BulkEditForm(
        request.POST,
        team=list(team_queryset(project)),
        milestones=list(milestone_queryset(project)),
    )
    if not form.is_valid():
        for name, errors in form.errors.items():
            field = form.fields.get(name)
            prefix = f"{field.label}: " if field is not None else ""
            messages.error(request, prefix + " ".join(errors))
        return redirect(back)
    changes = form.changes()
    if not changes:
        messages.error(request, _("Choose what to change for the selected tasks."))
        return redirect(back)
    tasks = list(selectors.task_list(user=request.user, project=project).filter(number__in=numbers))
    if not tasks:
        messages.error(request, _("None of the selected tasks exist any more."))
        return redirect(back)
    try:
        changed = services.tasks_bulk_update(
            actor=request.user, project=project, tasks=tasks, data=changes
        )
    except ApplicationError as exc:
        messages.error(request, exc.message + " " + _("Nothing was changed."))
        return redirect(back)
    messages.success(
        request,
        ngettext("%(count)d task was changed.", "%(count)d tasks were changed.", changed)
        % {"count": changed},
    )
    return redirect(back)


# Create and edit -----------------------------------------------------------------------------


def _resolve_links(project: Project, form: TaskForm) -> dict[str, list[Any]] | None:
    """The linked items the form names, looked up in this project; unknown keys are named on
    their field and None is returned."""
    found: dict[str, list[Any]] = {}
    ok = True
    kinds = (
        ("requirements", "requirement", Requirement, "R"),
        ("change_requests", "change_request", ChangeRequest, "CR"),
        ("problems", "problem", Problem, "P"),
    )
    for name, stem, model, letter in kinds:
        numbers = form.cleaned_data.get(f"{stem}_numbers") or []
        items = list(model.objects.filter(project=project, number__in=numbers)) if numbers else []
        by_number = {item.number: item for item in items}
        missing = [n for n in numbers if n not in by_number]
        if missing:
            ok = False
            keys = ", ".join(f"{project.key}-{letter}{n}" for n in missing)
            form.add_error(
                f"{stem}_keys",
                _("There is no %(kind)s %(keys)s in this project.")
                % {"kind": model._meta.verbose_name, "keys": keys},
            )
        found[name] = [by_number[n] for n in numbers if n in by_number]
    return found if ok else None


def _refuse(form: TaskForm, error: ApplicationError) -> int:
    """A service's refusal on the field it names (linked items on their keys field)."""
    if error.field in LINK_FIELDS:
        error.field = LINK_FIELDS[error.field]
    return refusal_status(form, error)


def _keys(project: Project, letter: str, numbers: Any) -> str:
    return ", ".join(f"{letter}{n}" for n in sorted(numbers))


def _form_page(
    request: HttpRequest,
    project: Project,
    form: TaskForm,
    task: Task | None,
    status: int | None = None,
    from_requirement: Requirement | None = None,
) -> HttpResponse:
    context = context_for(request, project)
    context.update(form=form, task=task, from_requirement=from_requirement)
    if status is None:
        status = 400 if form.is_bound else 200
    return render(request, "delivery/form.html", context, status=status)


@login_required
@require_http_methods(GET_POST)
def task_create(request: HttpRequest, key: str) -> HttpResponse:
    project = tasks_project(request, key)
    require(policies.can_edit_tasks(request.user, project))
    data = request.POST if request.method == "POST" else None
    initial: dict[str, Any] = {}
    # "Create tasks from a requirement": ?requirement=<number> links it from the start.
    from_requirement = None
    number = integers.number_in(request.GET.get("requirement", ""))
    if number is not None:
        from_requirement = (
            Requirement.objects.filter(project=project, number=number)
            .only("id", "project_id", "number", "title")
            .first()
        )
        if from_requirement is not None:
            initial["requirement_keys"] = f"R{from_requirement.number}"
    milestone_number = integers.number_in(request.GET.get("milestone", ""))
    if milestone_number is not None:
        milestone = milestone_queryset(project).filter(number=milestone_number).first()
        if milestone is not None:
            initial["milestone"] = milestone.pk
    form = TaskForm(data, instance=Task(project=project), initial=initial, project=project)
    if data is not None and form.is_valid():
        links = _resolve_links(project, form)
        if links is not None:
            try:
                task = services.task_create(
                    actor=request.user, project=project, **links, **form.fields_for_service()
                )
            except ApplicationError as exc:
                _refuse(form, exc)
            else:
                messages.success(request, _("Task %(key)s was created.") % {"key": task.key})
                if request.POST.get("another"):
                    # Planning several tasks: the next one starts with the same links.
                    query = request.GET.urlencode()
                    url = reverse("delivery:create", kwargs={"key": project.key})
                    return redirect(f"{url}?{query}" if query else url)
                return redirect(detail_url(task))
    return _form_page(request, project, form, None, from_requirement=from_requirement)


@login_required
@require_http_methods(GET_POST)
def task_edit(request: HttpRequest, key: str, number: int) -> HttpResponse:
    project, task = load(request, key, number)
    require(policies.can_edit_tasks(request.user, project))
    data = request.POST if request.method == "POST" else None
    initial = {}
    if data is None:
        initial = {
            "requirement_keys": _keys(
                project, "R", task.requirements.values_list("number", flat=True)
            ),
            "change_request_keys": _keys(
                project, "CR", task.change_requests.values_list("number", flat=True)
            ),
            "problem_keys": _keys(project, "P", task.problems.values_list("number", flat=True)),
        }
    # The form works on a copy, so a refused save leaves the page header as stored.
    form = TaskForm(data, instance=copy.copy(task), initial=initial, project=project, editing=True)
    status = None
    if data is not None and form.is_valid():
        links = _resolve_links(project, form)
        if links is not None:
            try:
                services.task_update(
                    actor=request.user,
                    task=task,
                    data=form.fields_for_service(),
                    expected_version=form.cleaned_data.get("version"),
                    **links,
                )
            except ApplicationError as exc:
                status = _refuse(form, exc)
            else:
                messages.success(request, _("Task %(key)s was saved.") % {"key": task.key})
                return redirect(detail_url(task))
    return _form_page(request, project, form, task, status)


@login_required
@require_http_methods(GET_POST)
def task_delete(request: HttpRequest, key: str, number: int) -> HttpResponse:
    project, task = load(request, key, number)
    require(policies.can_delete_tasks(request.user, project))
    form = VersionOnlyForm(request.POST or None, initial={"version": task.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.task_delete(
                actor=request.user, task=task, expected_version=form.cleaned_data.get("version")
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect(detail_url(task))
        messages.success(request, _("Task %(key)s was deleted.") % {"key": task.key})
        return redirect("delivery:list", key=project.key)
    context = context_for(request, project)
    label(task, labels())
    context.update(
        task=task,
        form=form,
        time_count=task.time_entries.count(),
        checklist_count=task.checklist.count(),
    )
    return render(request, "delivery/delete.html", context)


# Detail --------------------------------------------------------------------------------------


def move_targets(task: Task, names: dict[str, dict[str, str]]) -> list[tuple[str, str]]:
    """The columns the workflow lets the task move to, in board order."""
    allowed = MOVES.get(task.status, ())
    return [(s, names["status"][s]) for s in TaskStatus.values if s in allowed]


def checklist_context(request: HttpRequest, project: Project, task: Task) -> dict[str, Any]:
    items = list(ChecklistItem.objects.filter(task=task).order_by("position", "id"))
    key, number = project.key, task.number
    toggle = address_maker("delivery:checklist-toggle", key=key, number=number, pk=SLOT)
    delete = address_maker("delivery:checklist-delete", key=key, number=number, pk=SLOT)
    for item in items:
        item.toggle_url = toggle(item.pk)
        item.delete_url = delete(item.pk)
    return {
        "checklist": items,
        "checklist_done": sum(1 for item in items if item.done),
    }


def _detail_page(
    request: HttpRequest,
    project: Project,
    task: Task,
    *,
    time_form: TimeEntryForm | None = None,
    checklist_form: ChecklistItemForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    context = context_for(request, project)
    can_edit = context["can_edit_tasks"]
    names = labels()
    label(task, names)
    requirements = list(
        task.requirements.only("id", "project_id", "number", "title", "status").order_by("number")
    )
    change_requests = list(
        task.change_requests.only("id", "project_id", "number", "title", "status").order_by(
            "number"
        )
    )
    problems = list(
        task.problems.only("id", "project_id", "number", "title", "status").order_by("number")
    )
    for item in (*requirements, *change_requests, *problems):
        item.project = project
    action = task.response_action
    if action is not None:
        action.risk.project = project

    entries = list(
        TimeEntry.objects.filter(task=task)
        .select_related("user")
        .order_by("-date", "-id")[: TIME_LIMIT + 1]
    )
    entries_more = len(entries) > TIME_LIMIT
    entries = entries[:TIME_LIMIT]
    time_delete = address_maker("delivery:time-delete", key=project.key, number=task.number,
                                pk=SLOT)  # fmt: skip
    manager = context["can_manage"]
    for entry in entries:
        entry.can_delete = manager or (can_edit and entry.user_id == user.pk)
        entry.delete_url = time_delete(entry.pk)

    events = list(project_selectors.audit_events_of(user=user, target=task)[: HISTORY_LIMIT + 1])
    history_more = len(events) > HISTORY_LIMIT
    events = events[:HISTORY_LIMIT]

    context.update(checklist_context(request, project, task))
    context.update(
        task=task,
        requirements=requirements,
        change_requests=change_requests,
        problems=problems,
        response_action=action,
        entries=entries,
        entries_more=entries_more,
        time_limit=TIME_LIMIT,
        rows=[(event, project_selectors.field_changes(event)) for event in events],
        history_more=history_more,
        history_limit=HISTORY_LIMIT,
        time_form=(time_form or TimeEntryForm()) if can_edit else None,
        checklist_form=(checklist_form or ChecklistItemForm()) if can_edit else None,
        move_targets=move_targets(task, names) if can_edit else [],
        task_list_url=reverse("delivery:list", kwargs={"key": project.key}),
    )
    return render(request, "delivery/detail.html", context, status=status)


@login_required
def task_detail(request: HttpRequest, key: str, number: int) -> HttpResponse:
    project, task = load(request, key, number)
    return _detail_page(request, project, task)


# Checklist -----------------------------------------------------------------------------------


def _checklist_response(
    request: HttpRequest,
    project: Project,
    task: Task,
    form: ChecklistItemForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The checklist part for htmx, the task page otherwise."""
    if not is_htmx(request):
        if status != 200:
            return _detail_page(request, project, task, checklist_form=form, status=status)
        return redirect(detail_url(task, "checklist"))
    context = context_for(request, project)
    context.update(checklist_context(request, project, task))
    context.update(task=task, checklist_form=form or ChecklistItemForm())
    return render(request, "delivery/partials/_checklist.html", context, status=status)


def _item_of(task: Task, pk: int) -> ChecklistItem:
    item = ChecklistItem.objects.filter(task=task, pk=pk).first()
    if item is None:
        raise Http404
    item.task = task
    return item


@login_required
@require_POST
def checklist_add(request: HttpRequest, key: str, number: int) -> HttpResponse:
    project, task = load(request, key, number)
    require(policies.can_edit_tasks(request.user, project))
    form = ChecklistItemForm(request.POST)
    if form.is_valid():
        try:
            services.checklist_add(actor=request.user, task=task, text=form.cleaned_data["text"])
        except ApplicationError as exc:
            form.add_error("text", exc.message)
        else:
            return _checklist_response(request, project, task)
    return _checklist_response(request, project, task, form, status=400)


@login_required
@require_POST
def checklist_toggle(request: HttpRequest, key: str, number: int, pk: int) -> HttpResponse:
    project, task = load(request, key, number)
    item = _item_of(task, pk)
    require(policies.can_edit_tasks(request.user, project))
    form = ChecklistToggleForm(request.POST)
    done = form.is_valid() and form.cleaned_data["done"]
    try:
        services.checklist_toggle(actor=request.user, item=item, done=done)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return _checklist_response(request, project, task)


@login_required
@require_http_methods(GET_POST)
def checklist_delete(request: HttpRequest, key: str, number: int, pk: int) -> HttpResponse:
    project, task = load(request, key, number)
    item = _item_of(task, pk)
    require(policies.can_edit_tasks(request.user, project))
    if request.method == "POST":
        try:
            services.checklist_delete(actor=request.user, item=item)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return _checklist_response(request, project, task)
    context = context_for(request, project)
    context.update(task=task, item=item)
    return render(request, "delivery/checklist_delete.html", context)


# Time ----------------------------------------------------------------------------------------


@login_required
@require_POST
def time_create(request: HttpRequest, key: str, number: int) -> HttpResponse:
    project, task = load(request, key, number)
    require(policies.can_edit_tasks(request.user, project))
    form = TimeEntryForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.time_entry_create(
                actor=request.user,
                task=task,
                date=data["date"],
                hours=data["hours"],
                note=data.get("note", ""),
            )
        except ApplicationError as exc:
            field = exc.field if exc.field in form.fields else None
            form.add_error(field, exc.message)
        else:
            messages.success(
                request,
                _("%(hours)s h logged on %(key)s.") % {"hours": data["hours"], "key": task.key},
            )
            return redirect(detail_url(task, "time"))
    # The page shows the task as stored.
    project, task = load(request, key, number)
    return _detail_page(request, project, task, time_form=form, status=400)


def _entry_of(task: Task, pk: int) -> TimeEntry:
    entry = TimeEntry.objects.filter(task=task, pk=pk).select_related("user").first()
    if entry is None:
        raise Http404
    entry.task = task
    return entry


@login_required
@require_http_methods(GET_POST)
def time_delete(request: HttpRequest, key: str, number: int, pk: int) -> HttpResponse:
    project, task = load(request, key, number)
    entry = _entry_of(task, pk)
    require(policies.can_delete_time_entry(request.user, entry))
    if request.method == "POST":
        try:
            services.time_entry_delete(actor=request.user, entry=entry)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The time entry was deleted."))
        return redirect(detail_url(task, "time"))
    context = context_for(request, project)
    context.update(task=task, entry=entry)
    return render(request, "delivery/time_delete.html", context)
