"""Tasks over the API: tasks, board moves, bulk edits, checklists, time entries, the board's
WIP limits, and one's own work across projects.

Tasks are internal: for clients every task route answers 404 exactly like an unknown project
(they learn nothing, not even that tasks exist); viewers and staff read; managers and members
write (deleting a task and setting WIP limits: the manager). Reads go through
`accord.delivery.selectors`, writes through `accord.delivery.services`, so the API holds
exactly the rules of the pages. A business rule's refusal answers 400 naming the field, a
stale write 412 on a stale If-Match (409 when it lands between check and write).

Linked items are given by number inside the project: `"milestone": 2` for ACME-M2,
`"requirements": [3]` for ACME-R3, `"before": 44` for ACME-T44.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accord.api.concurrency import IF_MATCH, IF_NONE_MATCH, etag_for, expected_version, not_modified
from accord.api.permissions import ProjectPolicy
from accord.api.views import PROJECT_KEY, ApiViewMixin, ProjectChildViewSet, ProjectScopedMixin
from accord.changes.models import ChangeRequest
from accord.core import integers, parameters
from accord.core.exceptions import ApplicationError
from accord.delivery import policies, selectors, services
from accord.delivery.api.serializers import (
    BulkInputSerializer,
    BulkResultSerializer,
    ChecklistInputSerializer,
    ChecklistItemSerializer,
    ChecklistToggleSerializer,
    ColumnSerializer,
    MoveInputSerializer,
    MoveResultSerializer,
    MyTaskSerializer,
    TaskDetailSerializer,
    TaskInputSerializer,
    TaskSerializer,
    TaskUpdateSerializer,
    TimeEntryInputSerializer,
    TimeEntrySerializer,
    WipLimitsSerializer,
)
from accord.delivery.choices import MOVES, TaskPriority, TaskStatus, TaskType
from accord.delivery.models import ChecklistItem, Task, TimeEntry
from accord.projects.models import Milestone, Project
from accord.requirements.models import Requirement
from accord.risks import selectors as risk_selectors
from accord.risks.models import Problem

NUMBER = "[0-9]+"
TASK_NUMBER = OpenApiParameter(
    "number",
    OpenApiTypes.INT,
    OpenApiParameter.PATH,
    description="The task's number: 44 for ACME-T44.",
)
ITEM_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)
BOARD_PARAMETERS = [
    OpenApiParameter(
        "assignee",
        OpenApiTypes.STR,
        description="A user id, `me` or `none`.",
        pattern=integers.id_or_keyword_pattern((selectors.ME, selectors.NONE)),
    ),
    OpenApiParameter(
        "milestone",
        OpenApiTypes.STR,
        description="A milestone number or `none`.",
        pattern=integers.id_or_keyword_pattern((selectors.NONE,)),
    ),
    OpenApiParameter("type", OpenApiTypes.STR, enum=TaskType.values),
    OpenApiParameter("q", OpenApiTypes.STR, description="Text in title or description, or T44."),
]


class CanSeeTasks(BasePermission):
    """Tasks are internal: whoever may not read them (clients) gets the 404 of an unknown
    object, before any other check."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if getattr(view, "swagger_fake_view", False):
            return True
        if not policies.can_view_tasks(request.user, view.project):
            raise NotFound()
        return True


class TaskResolved(BasePermission):
    """Below `/tasks/{number}/`: an unknown task answers 404 before any write policy."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not getattr(view, "swagger_fake_view", False):
            view.task  # noqa: B018 - resolving it is the visibility check
        return True


PERMISSIONS = [IsAuthenticated, CanSeeTasks, ProjectPolicy]


def _milestone_pk(project: Project, number: Any) -> Any:
    """A milestone number of the project as the milestone; unknown numbers are refused."""
    if number is None:
        return None
    milestone = Milestone.objects.filter(project=project, number=number).first()
    if milestone is None:
        raise ApplicationError(_("Choose a milestone of this project."), field="milestone")
    return milestone


def _by_numbers(project: Project, model: type, numbers: list[int], field: str) -> list[Any]:
    """Items of the project by their numbers; one unknown number refuses them all."""
    wanted = set(numbers)
    found = list(model.objects.filter(project=project, number__in=wanted))
    if len(found) != len(wanted):
        missing = sorted(wanted - {item.number for item in found})
        raise ApplicationError(
            _("These numbers are not items of this project: %(numbers)s")
            % {"numbers": ", ".join(str(n) for n in missing)},
            field=field,
        )
    return found


def _with_details(task: Task) -> Task:
    """The task with its links and checklist read once each, for TaskDetailSerializer."""
    task.requirement_rows = list(task.requirements.select_related("project"))
    task.change_request_rows = list(task.change_requests.select_related("project"))
    task.problem_rows = list(task.problems.select_related("project"))
    task.checklist_rows = list(selectors.checklist_of(task))
    return task


LINKS = (
    ("requirements", Requirement),
    ("change_requests", ChangeRequest),
    ("problems", Problem),
)


class TasksViewSet(ProjectChildViewSet):
    """Base of the task views: tasks visible or 404, write policies by action."""

    permission_classes = PERMISSIONS
    write_policies: dict[str, Callable[[Any, Any], bool] | None] = {}

    @property
    def write_policy(self) -> Callable[[Any, Any], bool] | None:  # type: ignore[override]
        return self.write_policies.get(self.action)

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["project"] = self.project
        return context


# Tasks ---------------------------------------------------------------------------------------


def _sort_choices() -> list[tuple[str, str]]:
    return [(v, v) for name in selectors.TASK_SORTS for v in (name, f"-{name}")]


class TaskFilter(django_filters.FilterSet):
    """The task list's filters: each hands its value to `selectors.filter_tasks`, the same
    rules as the list page."""

    status = django_filters.MultipleChoiceFilter(
        choices=[(selectors.OPEN, gettext_lazy("Open (not done)")), *TaskStatus.choices],
        method="by_selector",
        label=gettext_lazy("Status (repeat for several; `open`: anything but done)"),
    )
    assignee = integers.IdOrKeywordFilter(
        keywords=(selectors.ME, selectors.NONE),
        method="by_selector",
        label=gettext_lazy("Assignee: a user id, `me` or `none`"),
    )
    milestone = integers.IdOrKeywordFilter(
        keywords=(selectors.NONE,),
        method="by_milestone",
        label=gettext_lazy("Milestone: its number, or `none`"),
    )
    type = django_filters.MultipleChoiceFilter(
        choices=TaskType.choices, method="by_selector", label=gettext_lazy("Type")
    )
    priority = django_filters.MultipleChoiceFilter(
        choices=TaskPriority.choices, method="by_selector", label=gettext_lazy("Priority")
    )
    requirement = django_filters.CharFilter(
        method="by_selector", label=gettext_lazy("A linked requirement: 12, R12 or ACME-R12")
    )
    q = django_filters.CharFilter(method="by_selector", label=gettext_lazy("Search"))
    overdue = parameters.BooleanFilter(method="by_selector", label=gettext_lazy("Overdue"))
    ordering = django_filters.ChoiceFilter(
        choices=_sort_choices(), method="by_sort", label=gettext_lazy("Sort by")
    )

    class Meta:
        model = Task
        fields = ["status", "assignee", "milestone", "type", "priority", "requirement", "q",
                  "overdue", "ordering"]  # fmt: skip

    def by_selector(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        return selectors.filter_tasks(queryset, self.request.user, {name: value})

    def by_milestone(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = (value or "").strip()
        if value == selectors.NONE:
            return queryset.filter(milestone__isnull=True)
        if not value.isdigit():
            return queryset.none() if value else queryset
        return queryset.filter(milestone__number=int(value))

    def by_sort(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return selectors.sort_tasks(queryset, value)


class TaskViewSet(mixins.ListModelMixin, TasksViewSet):
    """A project's tasks. The team (managers, members) creates, edits, moves and bulk-edits
    them; the project manager deletes them; viewers and staff read. Clients: 404."""

    serializer_class = TaskSerializer
    lookup_field = "number"
    lookup_value_regex = NUMBER
    filter_backends = [DjangoFilterBackend]
    filterset_class = TaskFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    write_policies = {
        "create": policies.can_edit_tasks,
        "partial_update": policies.can_edit_tasks,
        "move": policies.can_edit_tasks,
        "bulk": policies.can_edit_tasks,
        "destroy": policies.can_delete_tasks,
    }

    def get_queryset(self) -> QuerySet[Task]:
        if getattr(self, "swagger_fake_view", False):
            return Task.objects.none()
        # Newest first unless `ordering` says otherwise; a row shows no description.
        return selectors.task_list(self.request.user, self.project).defer("description")

    def get_object(self) -> Task:
        task = selectors.task_for(self.request.user, self.project, int(self.kwargs["number"]))
        self.check_object_permissions(self.request, task)
        return task

    def detail_output(self, task: Task, code: int = status.HTTP_200_OK) -> Response:
        """The task as it is now, read again through the selectors, with links and checklist."""
        fresh = _with_details(selectors.task_for(self.request.user, self.project, task.number))
        return self.output(fresh, TaskDetailSerializer, status=code)

    def _links(self, data: dict[str, Any]) -> dict[str, list[Any] | None]:
        """Pop the link numbers from the input, as the project's objects (None: not given)."""
        links: dict[str, list[Any] | None] = {}
        for name, model in LINKS:
            numbers = data.pop(name, None)
            links[name] = (
                None if numbers is None else _by_numbers(self.project, model, numbers, name)
            )
        return links

    @extend_schema(parameters=[IF_NONE_MATCH], responses=TaskDetailSerializer)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        task = self.get_object()
        if not_modified(request, task):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag_for(task)})
        return self.detail_output(task)

    @extend_schema(request=TaskInputSerializer, responses={201: TaskDetailSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.read_input(TaskInputSerializer)
        links = self._links(data)
        data["milestone"] = _milestone_pk(self.project, data.get("milestone"))
        task = services.task_create(
            actor=request.user,
            project=self.project,
            requirements=links["requirements"],
            change_requests=links["change_requests"],
            problems=links["problems"],
            **data,
        )
        return self.detail_output(task, status.HTTP_201_CREATED)

    @extend_schema(
        request=TaskUpdateSerializer, responses=TaskDetailSerializer, parameters=[IF_MATCH]
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        task = self.get_object()
        version = expected_version(request, task)
        data = self.read_input(TaskUpdateSerializer, partial=True)
        links = self._links(data)
        if "milestone" in data:
            data["milestone"] = _milestone_pk(self.project, data["milestone"])
        updated = services.task_update(
            actor=request.user,
            task=task,
            data=data,
            requirements=links["requirements"],
            change_requests=links["change_requests"],
            problems=links["problems"],
            expected_version=version,
        )
        return self.detail_output(updated)

    @extend_schema(parameters=[IF_MATCH])
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Delete the task with its checklist and time entries (the project manager); the
        audit trail keeps what it was."""
        task = self.get_object()
        version = expected_version(request, task)
        services.task_delete(actor=request.user, task=task, expected_version=version)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=MoveInputSerializer, responses=MoveResultSerializer, parameters=[IF_MATCH]
    )
    @action(detail=True, methods=["post"])
    def move(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Move the task on the board: to a column the workflow allows from its own, before
        another task of that column or to its bottom. A move that puts the column over its WIP
        limit is kept and answered with a `warning`."""
        task = self.get_object()
        version = expected_version(request, task)
        data = self.read_input(MoveInputSerializer)
        before = None
        if data["before"] is not None:
            before = (
                selectors.task_list(request.user, self.project)
                .filter(number=data["before"])
                .first()
            )
            if before is None:
                raise ApplicationError(_("Choose a task of this project."), field="before")
        moved, warning = services.task_move(
            actor=request.user,
            task=task,
            status=data["status"],
            before=before,
            blocked_reason=data["blocked_reason"],
            expected_version=version,
        )
        fresh = selectors.task_for(request.user, self.project, moved.number)
        body = {"task": fresh, "warning": warning}
        return Response(
            MoveResultSerializer(body, context=self.get_serializer_context()).data,
            headers={"ETag": etag_for(fresh)},
        )

    @extend_schema(request=BulkInputSerializer, responses=BulkResultSerializer)
    @action(detail=False, methods=["post"], filter_backends=[], pagination_class=None)
    def bulk(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change status, assignee, milestone, priority or type of many tasks at once: all or
        nothing (a task the change cannot apply to refuses the whole request, naming it)."""
        data = self.read_input(BulkInputSerializer)
        numbers = set(data.pop("tasks"))
        tasks = list(selectors.task_list(request.user, self.project).filter(number__in=numbers))
        if len(tasks) != len(numbers):
            raise ApplicationError(_("Choose tasks of this project."), field="tasks")
        if "milestone" in data:
            data["milestone"] = _milestone_pk(self.project, data["milestone"])
        changed = services.tasks_bulk_update(
            actor=request.user, project=self.project, tasks=tasks, data=data
        )
        return Response(BulkResultSerializer({"changed": changed}).data)

    @extend_schema(parameters=BOARD_PARAMETERS, responses=ColumnSerializer(many=True))
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def board(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The board: its columns in workflow order, each with its first 30 cards in board
        order, its count under the filters, its total and its WIP limit."""
        # The board reads the list's assignee and milestone filters, range-checked the same way.
        checked = TaskFilter(request.query_params, queryset=Task.objects.none(), request=request)
        if not checked.form.is_valid():
            raise ValidationError(checked.form.errors)
        params = {**request.query_params.dict(), **checked.form.cleaned_data}
        filters: dict[str, Any] = {
            name: params.get(name) for name in ("assignee", "type", "q") if params.get(name)
        }
        milestone = (params.get("milestone") or "").strip()
        if milestone == selectors.NONE:
            filters["milestone"] = selectors.NONE
        elif milestone:
            found = Milestone.objects.filter(
                project=self.project, number=int(milestone) if milestone.isdigit() else 0
            ).values_list("pk", flat=True)
            filters["milestone"] = [str(pk) for pk in found] or ["0"]
        columns = selectors.board(request.user, self.project, filters)
        return Response(
            ColumnSerializer(columns, many=True, context=self.get_serializer_context()).data
        )


# Checklist and time entries ------------------------------------------------------------------


@extend_schema(parameters=[TASK_NUMBER])
class TaskChildViewSet(TasksViewSet):
    """A resource below `/tasks/{number}/`: the task must be readable, or every request answers
    404 before any policy is asked."""

    permission_classes = [IsAuthenticated, CanSeeTasks, TaskResolved, ProjectPolicy]
    filter_backends: list[Any] = []
    pagination_class = None
    lookup_url_kwarg = "id"
    lookup_value_regex = NUMBER

    @cached_property
    def task(self) -> Task:
        return selectors.task_for(self.request.user, self.project, int(self.kwargs["number"]))


class ChecklistViewSet(mixins.ListModelMixin, TaskChildViewSet):
    """A task's checklist, in order. The team adds, ticks (`done`) and removes items."""

    serializer_class = ChecklistItemSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    write_policies = {
        "create": policies.can_edit_tasks,
        "partial_update": policies.can_edit_tasks,
        "destroy": policies.can_edit_tasks,
    }

    def get_queryset(self) -> QuerySet[ChecklistItem]:
        if getattr(self, "swagger_fake_view", False):
            return ChecklistItem.objects.none()
        return selectors.checklist_of(self.task)

    def get_object(self) -> ChecklistItem:
        item = self.get_queryset().filter(pk=int(self.kwargs["id"])).first()
        if item is None:
            raise NotFound()
        return item

    @extend_schema(request=ChecklistInputSerializer, responses={201: ChecklistItemSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.read_input(ChecklistInputSerializer)
        item = services.checklist_add(actor=request.user, task=self.task, text=data["text"])
        fresh = self.get_queryset().get(pk=item.pk)
        return self.output(fresh, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ChecklistToggleSerializer, responses=ChecklistItemSerializer, parameters=[ITEM_ID]
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Tick the item (`done: true`) or untick it."""
        item = self.get_object()
        data = self.read_input(ChecklistToggleSerializer)
        services.checklist_toggle(actor=request.user, item=item, done=data["done"])
        return self.output(self.get_queryset().get(pk=item.pk))

    @extend_schema(parameters=[ITEM_ID])
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.checklist_delete(actor=request.user, item=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class TimeEntryViewSet(mixins.ListModelMixin, TaskChildViewSet):
    """The time logged on a task, newest day first. Managers and members log their own hours
    (0.25–24 an entry, at most 24 a day, never in the future); an entry is deleted by its
    author or the project manager."""

    serializer_class = TimeEntrySerializer
    http_method_names = ["get", "post", "delete", "head", "options"]
    write_policies = {
        "create": policies.can_edit_tasks,
        "destroy": policies.can_edit_tasks,
    }

    def get_queryset(self) -> QuerySet[TimeEntry]:
        if getattr(self, "swagger_fake_view", False):
            return TimeEntry.objects.none()
        return selectors.time_entries_of(self.task)

    def get_object(self) -> TimeEntry:
        entry = self.get_queryset().filter(pk=int(self.kwargs["id"])).first()
        if entry is None:
            raise NotFound()
        return entry

    @extend_schema(request=TimeEntryInputSerializer, responses={201: TimeEntrySerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.read_input(TimeEntryInputSerializer)
        entry = services.time_entry_create(actor=request.user, task=self.task, **data)
        fresh = self.get_queryset().get(pk=entry.pk)
        return self.output(fresh, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[ITEM_ID])
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        entry = self.get_object()
        entry.task = self.task
        if not policies.can_delete_time_entry(request.user, entry):
            raise PermissionDenied(
                _("Only the person who logged the time, or the project manager, deletes it.")
            )
        services.time_entry_delete(actor=request.user, entry=entry)
        return Response(status=status.HTTP_204_NO_CONTENT)


# Risk response actions -----------------------------------------------------------------------

RISK_NUMBER = OpenApiParameter(
    "number",
    OpenApiTypes.INT,
    OpenApiParameter.PATH,
    description="The risk's number: 5 for ACME-K5.",
)


@extend_schema(parameters=[PROJECT_KEY, RISK_NUMBER, ITEM_ID])
class ResponseActionTaskView(ApiViewMixin, ProjectScopedMixin, generics.GenericAPIView):
    """Turn a risk's response action into a task (one task per action): the action's text as
    the title, its owner as the assignee when they may hold tasks, its due date. The team
    only; for clients, as every task route, 404."""

    permission_classes = PERMISSIONS
    serializer_class = TaskDetailSerializer
    read_policy = None
    write_policy = staticmethod(policies.can_edit_tasks)

    @extend_schema(request=None, responses={201: TaskDetailSerializer})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        risk = risk_selectors.risk_get(request.user, self.project, int(kwargs["number"]))
        response_action = risk_selectors.action_get(risk, int(kwargs["id"]))
        task = services.task_from_response_action(actor=request.user, action=response_action)
        fresh = _with_details(selectors.task_for(request.user, self.project, task.number))
        context = {**self.get_serializer_context(), "project": self.project}
        return Response(
            TaskDetailSerializer(fresh, context=context).data,
            status=status.HTTP_201_CREATED,
            headers={"ETag": etag_for(fresh)},
        )


# WIP limits ----------------------------------------------------------------------------------


@extend_schema(parameters=[PROJECT_KEY])
class WipLimitsView(ApiViewMixin, ProjectScopedMixin, generics.GenericAPIView):
    """The board's WIP limit per column: the team and viewers read them, the project manager
    sets them (1–999 tasks, null for none; a PUT changes only the columns it names)."""

    permission_classes = PERMISSIONS
    serializer_class = WipLimitsSerializer
    read_policy = None
    write_policy = staticmethod(policies.can_manage_board)

    def _output(self) -> Response:
        limits = selectors.wip_limits_of(self.project)
        return Response(WipLimitsSerializer({s: limits.get(s) for s in MOVES}).data)

    @extend_schema(responses=WipLimitsSerializer)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._output()

    @extend_schema(request=WipLimitsSerializer, responses=WipLimitsSerializer)
    def put(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.read_input(WipLimitsSerializer)
        if not data:
            raise ApplicationError(_("Name at least one column and its limit."))
        services.wip_limits_set(actor=request.user, project=self.project, limits=data)
        return self._output()


# My work -------------------------------------------------------------------------------------


@extend_schema(
    parameters=[
        OpenApiParameter(
            "overdue",
            OpenApiTypes.BOOL,
            description="true: only late tasks; false: none late; absent: all.",
        )
    ]
)
class MyWorkView(ApiViewMixin, generics.ListAPIView):
    """Your open tasks across the projects you belong to: late and soonest due first (no due
    date last), then by priority."""

    serializer_class = MyTaskSerializer
    permission_classes = [IsAuthenticated]
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Task]:
        if getattr(self, "swagger_fake_view", False):
            return Task.objects.none()
        try:
            overdue = parameters.BooleanField(required=False).clean(
                self.request.query_params.get("overdue")
            )
        except DjangoValidationError as error:
            raise ValidationError({"overdue": error.messages}) from error
        return selectors.my_work(self.request.user, overdue=overdue).defer("description")
