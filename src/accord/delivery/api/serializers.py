"""Input and output shapes of tasks, the board, checklists, time entries and WIP limits.

Output serializers are read-only and never query per row: the views hand them tasks with the
assignee and milestone selected, links and checklists read once. Input serializers only parse
and type-check; the services enforce the rules (naming the field at fault when they refuse).
Linked items are given by their number inside the project: `"milestone": 2` for ACME-M2,
`"requirements": [3, 7]` for ACME-R3 and ACME-R7.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accord.accounts.api.serializers import UserSummarySerializer
from accord.api import texts
from accord.api.fields import IntegerField
from accord.api.serializers import ModelSerializer
from accord.delivery.choices import TaskPriority, TaskStatus, TaskType
from accord.delivery.models import ChecklistItem, Task, TimeEntry


def _choice_field(choices: Any) -> type[serializers.ChoiceField]:
    """A choice field of one of the task's vocabularies (named in the schema as TaskStatusEnum,
    TaskTypeEnum, TaskPriorityEnum: see accord.delivery.apps)."""

    class TaskChoiceField(serializers.ChoiceField):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(choices=choices.choices, **kwargs)

    return TaskChoiceField


StatusField = _choice_field(TaskStatus)
TypeField = _choice_field(TaskType)
PriorityField = _choice_field(TaskPriority)

ASSIGNEE_HELP = _("The assignee's user id (a manager or member of the project), or null.")
MILESTONE_HELP = _("The milestone's number in the project (2 for ACME-M2), or null.")


class TaskMilestoneSerializer(serializers.Serializer):
    key = serializers.CharField()
    number = serializers.IntegerField()
    name = serializers.CharField()
    due_date = serializers.DateField()


def _milestone(task: Task, project_key: str) -> dict[str, Any] | None:
    milestone = task.milestone
    if milestone is None:
        return None
    return {
        "key": f"{project_key}-M{milestone.number}",
        "number": milestone.number,
        "name": milestone.name,
        "due_date": milestone.due_date,
    }


class TaskSerializer(ModelSerializer):
    """A task as a list row or a board card: where it stands, without its texts."""

    key = serializers.SerializerMethodField()
    type = TypeField(read_only=True)
    priority = PriorityField(read_only=True)
    status = StatusField(read_only=True)
    assignee = UserSummarySerializer(read_only=True, allow_null=True)
    milestone = serializers.SerializerMethodField()
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Task
        fields = [
            "key", "number", "title", "type", "priority", "status", "blocked_reason", "assignee",
            "milestone", "estimate_hours", "spent_hours", "start_date", "due_date", "is_overdue",
            "done_at", "rank", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def _project_key(self, task: Task) -> str:
        project = self.context.get("project") or task.project
        return project.key

    @extend_schema_field(serializers.CharField())
    def get_key(self, task: Task) -> str:
        return f"{self._project_key(task)}-{Task.KEY_PREFIX}{task.number}"

    @extend_schema_field(TaskMilestoneSerializer(allow_null=True))
    def get_milestone(self, task: Task) -> dict[str, Any] | None:
        return _milestone(task, self._project_key(task))


class ChecklistItemSerializer(ModelSerializer):
    done_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = ChecklistItem
        fields = ["id", "position", "text", "done", "done_by", "done_at"]
        read_only_fields = fields


class TaskLinkSerializer(serializers.Serializer):
    key = serializers.CharField()
    number = serializers.IntegerField()
    title = serializers.CharField()


class TaskDetailSerializer(TaskSerializer):
    """A task with its description (Markdown), its links by key, its checklist and the risk
    response action it came from (the action's id, or null)."""

    requirements = serializers.SerializerMethodField()
    change_requests = serializers.SerializerMethodField()
    problems = serializers.SerializerMethodField()
    checklist = serializers.SerializerMethodField()

    class Meta(TaskSerializer.Meta):
        fields = [
            *TaskSerializer.Meta.fields, "description", "requirements", "change_requests",
            "problems", "checklist", "response_action",
        ]  # fmt: skip
        read_only_fields = fields

    def _links(self, items: list[Any]) -> list[dict[str, Any]]:
        return [{"key": item.key, "number": item.number, "title": item.title} for item in items]

    @extend_schema_field(TaskLinkSerializer(many=True))
    def get_requirements(self, task: Task) -> list[dict[str, Any]]:
        return self._links(task.requirement_rows)

    @extend_schema_field(TaskLinkSerializer(many=True))
    def get_change_requests(self, task: Task) -> list[dict[str, Any]]:
        return self._links(task.change_request_rows)

    @extend_schema_field(TaskLinkSerializer(many=True))
    def get_problems(self, task: Task) -> list[dict[str, Any]]:
        return self._links(task.problem_rows)

    @extend_schema_field(ChecklistItemSerializer(many=True))
    def get_checklist(self, task: Task) -> list[dict[str, Any]]:
        return ChecklistItemSerializer(task.checklist_rows, many=True, context=self.context).data


class MyTaskSerializer(TaskSerializer):
    """A task of one's own work, with its project."""

    project = serializers.SerializerMethodField()

    class Meta(TaskSerializer.Meta):
        fields = ["project", *TaskSerializer.Meta.fields]
        read_only_fields = fields

    def _project_key(self, task: Task) -> str:
        return task.project.key

    @extend_schema_field(serializers.DictField(child=serializers.CharField()))
    def get_project(self, task: Task) -> dict[str, str]:
        return {"key": task.project.key, "name": task.project.name}


class TaskInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    type = TypeField(default=TaskType.FEATURE)
    priority = PriorityField(default=TaskPriority.NORMAL)
    status = StatusField(default=TaskStatus.TODO)
    blocked_reason = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default=""
    )
    assignee = IntegerField(required=False, allow_null=True, default=None, help_text=ASSIGNEE_HELP)
    milestone = IntegerField(
        required=False, allow_null=True, default=None, help_text=MILESTONE_HELP
    )
    estimate_hours = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, allow_null=True, default=None,
        help_text=_("Hours, from 0 to 2000."),
    )  # fmt: skip
    start_date = serializers.DateField(required=False, allow_null=True, default=None)
    due_date = serializers.DateField(
        required=False, allow_null=True, default=None, help_text=texts.DUE_AFTER_START_HELP
    )
    requirements = serializers.ListField(
        child=IntegerField(min_value=1), required=False, default=list,
        help_text=_("Numbers of the linked requirements (3 for ACME-R3)."),
    )  # fmt: skip
    change_requests = serializers.ListField(
        child=IntegerField(min_value=1), required=False, default=list,
        help_text=_("Numbers of the linked change requests (2 for ACME-CR2)."),
    )  # fmt: skip
    problems = serializers.ListField(
        child=IntegerField(min_value=1), required=False, default=list,
        help_text=_("Numbers of the linked problems (4 for ACME-P4)."),
    )  # fmt: skip
    checklist = serializers.ListField(
        child=serializers.CharField(max_length=300), required=False, default=list,
        help_text=_("The checklist's items, in order (on creation only)."),
    )  # fmt: skip


class TaskUpdateSerializer(TaskInputSerializer):
    """Any of a task's fields; links given replace the task's links of that kind. A change of
    status follows the board's moves."""

    checklist = None  # type: ignore[assignment]


class MoveInputSerializer(serializers.Serializer):
    status = StatusField()
    before = IntegerField(
        required=False, allow_null=True, default=None, min_value=1,
        help_text=_("Place the task before this task of the column (its number); null: bottom."),
    )  # fmt: skip
    blocked_reason = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default="",
        help_text=_("Why the task is blocked (needed when moving it to blocked)."),
    )  # fmt: skip


class MoveResultSerializer(serializers.Serializer):
    task = TaskSerializer()
    warning = serializers.CharField(
        allow_null=True, help_text=_("Set when the column is now over its WIP limit.")
    )


class BulkInputSerializer(serializers.Serializer):
    """Only the fields given change; `assignee` or `milestone` null clears them."""

    tasks = serializers.ListField(
        child=IntegerField(min_value=1), min_length=1, max_length=500,
        help_text=_("Numbers of the tasks to change (44 for ACME-T44)."),
    )  # fmt: skip
    status = StatusField(required=False)
    priority = PriorityField(required=False)
    type = TypeField(required=False)
    assignee = IntegerField(required=False, allow_null=True, help_text=ASSIGNEE_HELP)
    milestone = IntegerField(required=False, allow_null=True, help_text=MILESTONE_HELP)


class BulkResultSerializer(serializers.Serializer):
    changed = serializers.IntegerField(help_text=_("How many tasks changed."))


class ColumnSerializer(serializers.Serializer):
    status = StatusField()
    label = serializers.CharField()
    count = serializers.IntegerField(help_text=_("Tasks of the column under the filters."))
    total = serializers.IntegerField(help_text=_("Every task of the column."))
    limit = serializers.IntegerField(allow_null=True, help_text=_("The column's WIP limit."))
    over_limit = serializers.BooleanField()
    moves = serializers.ListField(
        child=StatusField(),
        help_text=_("The columns a task of this column may move to."),
    )
    tasks = TaskSerializer(many=True)


class ChecklistInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=300, allow_blank=True)


class ChecklistToggleSerializer(serializers.Serializer):
    done = serializers.BooleanField()


class TimeEntrySerializer(ModelSerializer):
    user = UserSummarySerializer(read_only=True)

    class Meta:
        model = TimeEntry
        fields = ["id", "user", "date", "hours", "note", "created_at"]
        read_only_fields = fields


class TimeEntryInputSerializer(serializers.Serializer):
    date = serializers.DateField(allow_null=True)
    hours = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text=_("From 0.25 to 24 hours.")
    )
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


def _limit_field() -> IntegerField:
    return IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=999,
        help_text=_("1–999, or null for no limit."),
    )


class WipLimitsSerializer(serializers.Serializer):
    """The board's WIP limit per column; null where a column has none. A PUT changes only the
    columns it names."""

    # The view refuses a PUT naming no column.
    request_schema = {"minProperties": 1}

    todo = _limit_field()
    in_progress = _limit_field()
    in_review = _limit_field()
    blocked = _limit_field()
    done = _limit_field()
