"""Forms of the task pages. They parse input; the services decide and write.

Linked requirements, change requests and problems are typed as keys ("R12, ACME-R3"): a
project may hold tens of thousands of requirements, too many for a select. The view looks
the numbers up in the project and names any key it cannot find.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.delivery.choices import TaskPriority, TaskStatus, TaskType
from accord.delivery.models import Task, TimeEntry
from accord.projects.choices import EDITOR_ROLES
from accord.projects.forms import DATE_WIDGET, MARKDOWN_HELP, VersionedForm
from accord.projects.models import Milestone, Project

# Bulk edit: leave a field as each task has it.
KEEP = ""
# Bulk edit and filters: no assignee / no milestone.
NOBODY = "none"


def team_queryset(project: Project) -> Any:
    """People a task can be assigned to: active managers and members of the project."""
    return (
        get_user_model()
        .objects.filter(
            memberships__project=project, memberships__role__in=EDITOR_ROLES, is_active=True
        )
        .order_by("full_name", "email")
        .distinct()
    )


def milestone_queryset(project: Project) -> Any:
    return Milestone.objects.filter(project=project).only("id", "number", "name", "project_id")


class PersonField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.full_name or obj.email


class MilestoneField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.name


def parse_keys(value: str, project_key: str, letter: str) -> tuple[list[int], list[str]]:
    """Numbers from "12, R3, ACME-R4" for letter "R"; also the words that are not keys of
    this project (another project's key or no number at all), to be named in the error."""
    numbers: list[int] = []
    bad: list[str] = []
    pattern = re.compile(rf"^(?:([A-Za-z0-9]+)-)?(?:{letter})?(\d{{1,9}})$", re.IGNORECASE)
    for word in re.split(r"[\s,;]+", value or ""):
        if not word:
            continue
        match = pattern.match(word)
        if match is None or (match.group(1) and match.group(1).upper() != project_key.upper()):
            bad.append(word)
            continue
        number = int(match.group(2))
        if number not in numbers:
            numbers.append(number)
    return numbers, bad


class KeysField(forms.CharField):
    """A list of item keys of one kind; `clean` leaves the text, the form parses it."""

    def __init__(self, *, letter: str, **kwargs: Any) -> None:
        self.letter = letter
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 2000)
        super().__init__(**kwargs)


class TaskForm(VersionedForm):
    """All fields of a task. The assignee is chosen among the team, the milestone among the
    project's milestones; linked items are typed as keys."""

    requirement_keys = KeysField(
        letter="R",
        label=_("Requirements"),
        help_text=_("Keys of the requirements this task delivers, e.g. R12, R14."),
    )
    change_request_keys = KeysField(
        letter="CR",
        label=_("Change requests"),
        help_text=_("Keys of change requests this task implements, e.g. CR3."),
    )
    problem_keys = KeysField(
        letter="P", label=_("Problems"), help_text=_("Keys of problems this task solves, e.g. P2.")
    )

    class Meta:
        model = Task
        fields = [
            "title", "type", "priority", "status", "blocked_reason", "assignee", "milestone",
            "estimate_hours", "start_date", "due_date", "description",
        ]  # fmt: skip
        widgets = {
            "start_date": DATE_WIDGET,
            "due_date": DATE_WIDGET,
            "description": forms.Textarea(attrs={"rows": 6}),
            "estimate_hours": forms.NumberInput(attrs={"step": "0.25", "min": "0"}),
        }
        help_texts = {
            "description": MARKDOWN_HELP,
            "blocked_reason": _("Needed when the task is blocked."),
            "estimate_hours": _("Hours of work, 0 to 2000."),
        }

    def __init__(self, *args: Any, project: Project, editing: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.project = project
        self.fields["assignee"] = PersonField(
            queryset=team_queryset(project),
            required=False,
            label=_("Assignee"),
            empty_label=_("— nobody yet —"),
        )
        self.fields["milestone"] = MilestoneField(
            queryset=milestone_queryset(project),
            required=False,
            label=_("Milestone"),
            empty_label=_("— no milestone —"),
        )
        if editing:
            # Status changes go through the board's moves (the workflow decides them).
            del self.fields["status"]
            del self.fields["blocked_reason"]
        for name in ("requirement_keys", "change_request_keys", "problem_keys"):
            self.fields[name].widget.attrs["placeholder"] = {
                "requirement_keys": "R12, R14",
                "change_request_keys": "CR3",
                "problem_keys": "P2",
            }[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, due = data.get("start_date"), data.get("due_date")
        if start and due and due < start:
            self.add_error("due_date", _("The due date cannot be before the start date."))
        reason = (data.get("blocked_reason") or "").strip()
        if data.get("status") == TaskStatus.BLOCKED and not reason:
            self.add_error("blocked_reason", _("Say why the task is blocked."))
        for name in ("requirement_keys", "change_request_keys", "problem_keys"):
            field = self.fields[name]
            numbers, bad = parse_keys(data.get(name, ""), self.project.key, field.letter)
            if bad:
                self.add_error(
                    name,
                    _("These are not keys of this project: %(keys)s") % {"keys": ", ".join(bad)},
                )
            data[name.replace("_keys", "_numbers")] = numbers
        return data

    def fields_for_service(self) -> dict[str, Any]:
        skip = {
            "version", "requirement_keys", "change_request_keys", "problem_keys",
            "requirement_numbers", "change_request_numbers", "problem_numbers",
        }  # fmt: skip
        return {name: value for name, value in self.cleaned_data.items() if name not in skip}


class MoveForm(forms.Form):
    """A board move: the column, optionally the card it lands before, a reason to block."""

    status = forms.ChoiceField(label=_("Move to"), choices=TaskStatus.choices)
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    blocked_reason = forms.CharField(label=_("Why blocked"), required=False, max_length=500)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


def _keep_choice(label: Any) -> list[tuple[str, Any]]:
    return [(KEEP, label)]


class BulkEditForm(forms.Form):
    """What to set on every selected task; fields left at "keep" stay as they are."""

    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=_keep_choice(_("— keep status —"))
    )
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    milestone = forms.ChoiceField(label=_("Milestone"), required=False)
    priority = forms.ChoiceField(label=_("Priority"), required=False)
    type = forms.ChoiceField(label=_("Type"), required=False)

    def __init__(
        self, *args: Any, team: list[Any], milestones: list[Milestone], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [*_keep_choice(_("— keep status —")), *TaskStatus.choices]
        self.fields["priority"].choices = [
            *_keep_choice(_("— keep priority —")),
            *TaskPriority.choices,
        ]
        self.fields["type"].choices = [*_keep_choice(_("— keep type —")), *TaskType.choices]
        self.team = {str(user.pk): user for user in team}
        self.fields["assignee"].choices = [
            *_keep_choice(_("— keep assignee —")),
            (NOBODY, _("Nobody")),
            *((pk, user.full_name or user.email) for pk, user in self.team.items()),
        ]
        self.milestones = {str(m.pk): m for m in milestones}
        self.fields["milestone"].choices = [
            *_keep_choice(_("— keep milestone —")),
            (NOBODY, _("No milestone")),
            *((pk, m.name) for pk, m in self.milestones.items()),
        ]
        for name, bound in self.fields.items():
            bound.widget.attrs["aria-label"] = str(bound.label)
            bound.widget.attrs["id"] = f"bulk-{name}"

    def changes(self) -> dict[str, Any]:
        """The fields to set, as the service takes them."""
        data = self.cleaned_data
        result: dict[str, Any] = {}
        for name in ("status", "priority", "type"):
            if data.get(name):
                result[name] = data[name]
        if data.get("assignee"):
            result["assignee"] = None if data["assignee"] == NOBODY else self.team[data["assignee"]]
        if data.get("milestone"):
            result["milestone"] = (
                None if data["milestone"] == NOBODY else self.milestones[data["milestone"]]
            )
        return result


class ChecklistItemForm(forms.Form):
    text = forms.CharField(label=_("New item"), max_length=300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.auto_id = "checklist-%s"


class ChecklistToggleForm(forms.Form):
    done = forms.BooleanField(required=False)


class TimeEntryForm(forms.ModelForm):
    """Hours spent on the task on one day."""

    class Meta:
        model = TimeEntry
        fields = ["date", "hours", "note"]
        widgets = {
            "date": DATE_WIDGET,
            "hours": forms.NumberInput(attrs={"step": "0.25", "min": "0.25", "max": "24"}),
        }
        help_texts = {"hours": _("0.25 to 24 hours; at most 24 hours a day across all tasks.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("date", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.auto_id = "time-%s"

    def _post_clean(self) -> None:
        # The service validates the entry against the task and the day's total; the model
        # instance here has no task or user yet.
        pass


class VersionOnlyForm(forms.Form):
    """Confirmation of a destructive action on the version the user saw."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class WipLimitsForm(forms.Form):
    """The most tasks each board column should hold; empty for no limit."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for status, label in TaskStatus.choices:
            self.fields[status] = forms.IntegerField(
                label=label, required=False, min_value=1, max_value=999
            )

    def limits(self) -> dict[str, int | None]:
        return {status: self.cleaned_data.get(status) for status in TaskStatus.values}
