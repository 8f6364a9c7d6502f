"""Every write to tasks, checklists, time entries, WIP limits and capacity: validated,
version-checked, audited and notified, nothing half-saved.

Tasks are internal: their audit records are internal. The burn-up reads these records, so
they hold what it needs: `task.created` has status, milestone (id) and estimate_hours in
`after`; `task.updated` has the milestone and the estimate when they change; every status
change is recorded as `task.moved`, whose `after` always holds status and milestone (and
whatever else changed in the same write); `task.deleted` has milestone and status in `before`.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import F, Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.changes.models import ChangeRequest
from accord.core.audit import audit_record, changes, snapshot
from accord.core.choices import Visibility
from accord.core.edits import (
    apply_fields,
    check_version,
    choice_value,
    date_value,
    user_or_none,
    validate_model,
)
from accord.core.exceptions import ApplicationError
from accord.core.keys import assign_number
from accord.delivery import policies
from accord.delivery.choices import MOVES, TaskPriority, TaskStatus, TaskType
from accord.delivery.models import Capacity, ChecklistItem, Task, TimeEntry, WipLimit
from accord.notifications.services import notify
from accord.projects import selectors as project_selectors
from accord.projects.models import Milestone, Project
from accord.requirements.models import Requirement
from accord.risks.models import Problem, ResponseAction

TASK_FIELDS = (
    "title", "description", "type", "priority", "assignee", "milestone", "estimate_hours",
    "start_date", "due_date", "status", "blocked_reason",
)  # fmt: skip
# Every field of the task is recorded (title, status, assignee, milestone, estimate, dates,
# type, priority, texts); links by key.
AUDIT_FIELDS = TASK_FIELDS
# Fields several tasks take at once from the bulk edit.
BULK_FIELDS = ("status", "assignee", "milestone", "priority", "type")
CLEARABLE = ("assignee", "milestone")
ENTRY_FIELDS = ("date", "hours", "note")

MAX_ESTIMATE = Decimal("2000")
MIN_HOURS = Decimal("0.25")
MAX_HOURS_PER_DAY = Decimal("24")
MAX_WIP = 999
MAX_CAPACITY = Decimal("168")
CHECKLIST_MAX = 300


def _refuse(message: str, field: str | None = None) -> None:
    raise ApplicationError(message, field=field)


def _require(allowed: bool, message: str | None = None) -> None:
    if not allowed:
        _refuse(message or _("You are not allowed to do this in this project."))


# Validation ----------------------------------------------------------------------------------


def _decimal(value: Any, field: str, message: str) -> Decimal | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        _refuse(message, field)
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        _refuse(message, field)
    if not number.is_finite():
        _refuse(message, field)
    return number


def _estimate(value: Any) -> Decimal | None:
    message = _("Enter an estimate from 0 to 2000 hours.")
    number = _decimal(value, "estimate_hours", message)
    if number is not None and not Decimal("0") <= number <= MAX_ESTIMATE:
        _refuse(message, "estimate_hours")
    return number.quantize(Decimal("0.01")) if number is not None else None


def _assignee(project: Project, value: Any) -> Any:
    """The assignee as a user who is a manager or member of the project (User, id or None);
    anyone else is refused with the same message, whether or not such a user exists."""
    if value in (None, ""):
        return None
    membership = project_selectors.active_membership(project=project, user=value)
    if membership is None or not policies.can_be_assigned(membership.role):
        _refuse(_("Choose a manager or member of this project as the assignee."), "assignee")
    return membership.user


def _milestone(project: Project, value: Any) -> Milestone | None:
    if value in (None, ""):
        return None
    if isinstance(value, Milestone):
        if value.project_id != project.pk:
            _refuse(_("Choose a milestone of this project."), "milestone")
        return value
    try:
        pk = int(value)
    except (TypeError, ValueError):
        pk = None
    milestone = Milestone.objects.filter(project=project, pk=pk).first() if pk else None
    if milestone is None:
        _refuse(_("Choose a milestone of this project."), "milestone")
    return milestone


def _linked(project: Project, values: Iterable[Any] | None, model: type, field: str) -> list[Any]:
    """Linked requirements, change requests or problems: objects or ids, all of this project.
    An object of another project is refused naming its key; an unknown id naming the field."""
    items, ids = [], []
    for value in values or []:
        if isinstance(value, model):
            items.append(value)
        else:
            try:
                ids.append(int(getattr(value, "pk", value)))
            except (TypeError, ValueError):
                _refuse(_("Choose items of this project."), field)
    if ids:
        found = list(model.objects.filter(pk__in=set(ids)).select_related("project"))
        if len(found) != len(set(ids)):
            _refuse(_("Choose items of this project."), field)
        items.extend(found)
    for item in items:
        if item.project_id != project.pk:
            _refuse(
                _("%(key)s belongs to another project; link items of this project only.")
                % {"key": item.key},
                field,
            )
    unique = {item.pk: item for item in items}
    return list(unique.values())


def _apply(task: Task, data: dict[str, Any]) -> None:
    """Set the given fields, all but the assignee and milestone, which are checked on their
    own (an id or an object of this project)."""
    apply_fields(
        task, {k: v for k, v in data.items() if k not in ("assignee", "milestone")}, TASK_FIELDS
    )


def _clean_task(task: Task, data: dict[str, Any]) -> None:
    """Normalise and check the fields being written; `data` holds only those fields."""
    project = task.project
    if "title" in data:
        task.title = (data["title"] or "").strip()
        if not task.title:
            _refuse(_("Give the task a title."), "title")
    if "description" in data:
        task.description = (data["description"] or "").strip()
    if "type" in data:
        choice_value(task.type, TaskType, "type", _("Choose a type from the list."))
    if "priority" in data:
        choice_value(task.priority, TaskPriority, "priority", _("Choose a priority from the list."))
    if "status" in data:
        choice_value(task.status, TaskStatus, "status", _("Choose a status from the list."))
    if "blocked_reason" in data:
        task.blocked_reason = (data["blocked_reason"] or "").strip()
    if "estimate_hours" in data:
        task.estimate_hours = _estimate(data["estimate_hours"])
    if "start_date" in data:
        task.start_date = date_value(data["start_date"], "start_date")
    if "due_date" in data:
        task.due_date = date_value(data["due_date"], "due_date")
    if "assignee" in data:
        task.assignee = _assignee(project, data["assignee"])
    if "milestone" in data:
        task.milestone = _milestone(project, data["milestone"])
    if task.start_date and task.due_date and task.due_date < task.start_date:
        _refuse(_("The due date cannot be before the start date."), "due_date")


def _validate(task: Task) -> None:
    validate_model(
        task, exclude=["project", "number", "assignee", "milestone", "response_action", "rank"]
    )


def _apply_status(task: Task, old_status: str | None, reason: str | None = None) -> None:
    """The rules of a change of column: blocked needs a reason, leaving blocked clears it;
    done stamps done_at, leaving done clears it."""
    if reason is not None:
        task.blocked_reason = (reason or "").strip()
    if task.status == TaskStatus.BLOCKED:
        if not task.blocked_reason:
            _refuse(_("Say why the task is blocked."), "blocked_reason")
    else:
        task.blocked_reason = ""
    if task.status == TaskStatus.DONE:
        if old_status != TaskStatus.DONE or task.done_at is None:
            task.done_at = timezone.now()
    else:
        task.done_at = None


def _check_move(old: str, new: str) -> None:
    if old != new and new not in MOVES.get(old, ()):
        _refuse(
            _("A task in “%(from)s” cannot move to “%(to)s”.")
            % {"from": TaskStatus(old).label, "to": TaskStatus(new).label},
            "status",
        )


def _keys(items: Iterable[Any]) -> list[str]:
    return sorted(item.key for item in items)


def _link_keys(task: Task) -> dict[str, list[str]]:
    return {
        "requirements": _keys(task.requirements.select_related("project")),
        "change_requests": _keys(task.change_requests.select_related("project")),
        "problems": _keys(task.problems.select_related("project")),
    }


# Notifications -------------------------------------------------------------------------------


def _notify_assignee(*, actor: Any, task: Task) -> None:
    """Tell the new assignee, unless they assigned it to themself (notify skips the actor)."""
    assignee = task.assignee
    if assignee is None:
        return
    key, title = task.key, task.title
    notify(
        recipients=[assignee],
        kind="task.assigned",
        project=task.project,
        actor=user_or_none(actor),
        url=task.get_absolute_url(),
        title=lambda: _("Task %(key)s is assigned to you") % {"key": key},
        body=title,
        email_template="delivery/email/assigned",
        email_context={"task_key": key, "task_title": title},
    )


# Tasks ---------------------------------------------------------------------------------------


def _locked(task: Task) -> Task:
    return (
        Task.objects.select_for_update(of=("self",))
        .select_related("project", "assignee", "milestone")
        .get(pk=task.pk)
    )


def _bottom_rank(project: Project, status: str) -> int:
    last = Task.objects.filter(project=project, status=status).aggregate(m=Max("rank"))["m"]
    return 0 if last is None else last + 1


def _wip_warning(project: Project, status: str) -> str | None:
    """A warning when the column now holds more tasks than its WIP limit, else None."""
    limit = WipLimit.objects.filter(project=project, status=status).values_list("limit", flat=True)
    limit = limit.first()
    if limit is None:
        return None
    count = Task.objects.filter(project=project, status=status).count()
    if count <= limit:
        return None
    return _(
        "“%(column)s” now holds %(count)d tasks, over its WIP limit of %(limit)d. "
        "Finish work there before starting more."
    ) % {"column": TaskStatus(status).label, "count": count, "limit": limit}


def _record_write(*, actor: Any, task: Task, before: dict[str, Any], after: dict[str, Any]) -> None:
    """One audit record of an edit: `task.moved` when the status changed (holding status and
    milestone), otherwise `task.updated`."""
    old, new = changes(before, after)
    if "status" in new:
        old.setdefault("status", before["status"])
        new["milestone"] = after["milestone"]
        audit_record(actor=actor, action="task.moved", target=task, before=old, after=new)
    else:
        audit_record(actor=actor, action="task.updated", target=task, before=old, after=new)


@transaction.atomic
def task_create(
    *,
    actor: Any,
    project: Project,
    requirements: Iterable[Any] | None = None,
    change_requests: Iterable[Any] | None = None,
    problems: Iterable[Any] | None = None,
    checklist: Iterable[str] | None = None,
    response_action: ResponseAction | None = None,
    **fields: Any,
) -> Task:
    """Create a task at the bottom of its column, with its links and checklist; its assignee
    is told (unless they created it)."""
    _require(policies.can_edit_tasks(actor, project))
    data = {"title": "", **fields}
    task = Task(project=project, visibility=Visibility.INTERNAL)
    _apply(task, data)
    _clean_task(task, data)
    _apply_status(task, None)
    _validate(task)
    linked_requirements = _linked(project, requirements, Requirement, "requirements")
    linked_changes = _linked(project, change_requests, ChangeRequest, "change_requests")
    linked_problems = _linked(project, problems, Problem, "problems")
    items = [(text or "").strip() for text in checklist or []]
    items = [text for text in items if text]
    if any(len(text) > CHECKLIST_MAX for text in items):
        _refuse(_("Keep each checklist item to 300 characters."), "checklist")
    if response_action is not None:
        _check_response_action(project, response_action)
        task.response_action = response_action
    task.rank = _bottom_rank(project, task.status)
    assign_number(task)
    task.save()
    if linked_requirements:
        task.requirements.set(linked_requirements)
    if linked_changes:
        task.change_requests.set(linked_changes)
    if linked_problems:
        task.problems.set(linked_problems)
    ChecklistItem.objects.bulk_create(
        ChecklistItem(task=task, position=i, text=text) for i, text in enumerate(items, 1)
    )
    after = snapshot(task, AUDIT_FIELDS)
    after.update({k: v for k, v in _link_keys(task).items() if v})
    if items:
        after["checklist"] = items
    if task.response_action_id:
        after["response_action"] = task.response_action_id
    audit_record(actor=actor, action="task.created", target=task, after=after)
    if task.assignee_id:
        _notify_assignee(actor=actor, task=task)
    return task


@transaction.atomic
def task_update(
    *,
    actor: Any,
    task: Task,
    data: dict[str, Any],
    requirements: Iterable[Any] | None = None,
    change_requests: Iterable[Any] | None = None,
    problems: Iterable[Any] | None = None,
    expected_version: int | None = None,
) -> Task:
    """Change a task's fields (and, when given, replace its links). A change of status follows
    the board's moves and is recorded as `task.moved`."""
    task = _locked(task)
    project = task.project
    _require(policies.can_edit_tasks(actor, project))
    check_version(task, expected_version)
    before = snapshot(task, AUDIT_FIELDS)
    old_status, old_assignee = task.status, task.assignee_id
    _apply(task, data)
    _clean_task(task, data)
    if task.status != old_status:
        _check_move(old_status, task.status)
        task.rank = _bottom_rank(project, task.status)
    _apply_status(task, old_status)
    _validate(task)
    links = {
        "requirements": (requirements, Requirement),
        "change_requests": (change_requests, ChangeRequest),
        "problems": (problems, Problem),
    }
    new_links = {
        name: _linked(project, values, model, name)
        for name, (values, model) in links.items()
        if values is not None
    }
    old_keys = _link_keys(task) if new_links else {}
    after = snapshot(task, AUDIT_FIELDS)
    for name, items in new_links.items():
        keys = _keys(items)
        if keys != old_keys[name]:
            before[name], after[name] = old_keys[name], keys
            getattr(task, name).set(items)
    if before == after:
        return task
    task.version += 1
    task.save()
    _record_write(actor=actor, task=task, before=before, after=after)
    if task.assignee_id and task.assignee_id != old_assignee:
        _notify_assignee(actor=actor, task=task)
    return task


@transaction.atomic
def task_move(
    *,
    actor: Any,
    task: Task,
    status: str,
    before: Task | None = None,
    blocked_reason: str = "",
    expected_version: int | None = None,
) -> tuple[Task, str | None]:
    """Move a task to a column the MOVES table allows, before `before` (a task of that column)
    or to its bottom. Answers the task and a warning when the column is now over its WIP
    limit (the move is kept)."""
    task = _locked(task)
    project = task.project
    _require(policies.can_edit_tasks(actor, project))
    check_version(task, expected_version)
    status = choice_value(status, TaskStatus, "status", _("Choose a column of the board."))
    _check_move(task.status, status)
    target_rank = None
    if before is not None and before.pk != task.pk:
        row = Task.objects.filter(pk=before.pk, project=project).values("status", "rank").first()
        if row is None or row["status"] != status:
            _refuse(_("Place the task next to a task of the same column."), "before")
        target_rank = row["rank"]
    old_status, old_rank = task.status, task.rank
    task.status = status
    reason = (blocked_reason or "").strip()
    keep_reason = old_status == TaskStatus.BLOCKED and not reason
    _apply_status(task, old_status, None if keep_reason else reason)
    if target_rank is not None:
        # Make room: the column's tasks from `before` down shift by one, in one statement.
        Task.objects.filter(project=project, status=status, rank__gte=target_rank).exclude(
            pk=task.pk
        ).update(rank=F("rank") + 1)
        task.rank = target_rank
    else:
        last = (
            Task.objects.filter(project=project, status=status)
            .exclude(pk=task.pk)
            .aggregate(m=Max("rank"))["m"]
        )
        bottom = 0 if last is None else last + 1
        # Already below every other task of its column: it stays where it is.
        if status != old_status or old_rank < bottom:
            task.rank = bottom
    if task.status == old_status and task.rank == old_rank:
        return task, None
    task.version += 1
    task.save()
    prior = {"status": old_status, "rank": old_rank}
    after = {"status": task.status, "milestone": task.milestone_id, "rank": task.rank}
    if task.status == TaskStatus.BLOCKED:
        after["blocked_reason"] = task.blocked_reason
    audit_record(actor=actor, action="task.moved", target=task, before=prior, after=after)
    warning = _wip_warning(project, status) if status != old_status else None
    return task, warning


@transaction.atomic
def tasks_bulk_update(
    *, actor: Any, project: Project, tasks: Iterable[Task], data: dict[str, Any]
) -> int:
    """Set status, assignee, milestone, priority or type of many tasks at once: all or
    nothing (one refused task refuses them all, naming it), one audit record per task."""
    _require(policies.can_edit_tasks(actor, project))
    # Only the keys given change; "" means "leave as it is", None clears assignee or milestone.
    data = {k: v for k, v in data.items() if v != "" and (v is not None or k in CLEARABLE)}
    unknown = set(data) - set(BULK_FIELDS)
    if unknown:
        _refuse(
            _("These fields cannot be changed here: %(fields)s")
            % {"fields": ", ".join(sorted(unknown))}
        )
    if not data:
        _refuse(_("Choose what to change."))
    ids = [t.pk for t in tasks]
    if not ids:
        _refuse(_("Choose at least one task."), "tasks")
    values: dict[str, Any] = {}
    if "status" in data:
        values["status"] = choice_value(
            data["status"], TaskStatus, "status", _("Choose a status from the list.")
        )
        if values["status"] == TaskStatus.BLOCKED:
            _refuse(_("Block tasks one at a time, each with its reason."), "status")
    if "priority" in data:
        values["priority"] = choice_value(
            data["priority"], TaskPriority, "priority", _("Choose a priority from the list.")
        )
    if "type" in data:
        values["type"] = choice_value(
            data["type"], TaskType, "type", _("Choose a type from the list.")
        )
    if "assignee" in data:
        values["assignee"] = _assignee(project, data["assignee"])
    if "milestone" in data:
        values["milestone"] = _milestone(project, data["milestone"])
    locked = list(
        Task.objects.select_for_update(of=("self",))
        .filter(project=project, pk__in=ids)
        .select_related("project", "assignee")
        .order_by("pk")
    )
    if len(locked) != len(set(ids)):
        _refuse(_("Choose tasks of this project."), "tasks")
    changed = 0
    notices = []
    bottom: dict[str, int] = {}
    for task in locked:
        before = snapshot(task, AUDIT_FIELDS)
        old_status, old_assignee = task.status, task.assignee_id
        for name, value in values.items():
            setattr(task, name, value)
        if task.status != old_status:
            try:
                _check_move(old_status, task.status)
            except ApplicationError as exc:
                raise ApplicationError(f"{task.key}: {exc.message}", field="status") from exc
            if task.status not in bottom:
                bottom[task.status] = _bottom_rank(project, task.status)
            task.rank = bottom[task.status]
            bottom[task.status] += 1
        _apply_status(task, old_status)
        after = snapshot(task, AUDIT_FIELDS)
        if before == after:
            continue
        task.version += 1
        task.save()
        _record_write(actor=actor, task=task, before=before, after=after)
        if task.assignee_id and task.assignee_id != old_assignee:
            notices.append(task)
        changed += 1
    for task in notices:
        _notify_assignee(actor=actor, task=task)
    return changed


@transaction.atomic
def task_delete(*, actor: Any, task: Task, expected_version: int | None = None) -> None:
    """Delete a task with its checklist and time entries (the project manager); the audit
    trail keeps what it was."""
    task = _locked(task)
    _require(
        policies.can_delete_tasks(actor, task.project),
        _("Only the project manager deletes tasks."),
    )
    check_version(task, expected_version)
    before = snapshot(task, AUDIT_FIELDS)
    before["spent_hours"] = str(task.spent_hours)
    before.update({k: v for k, v in _link_keys(task).items() if v})
    audit_record(actor=actor, action="task.deleted", target=task, before=before)
    task.delete()


# Checklist -----------------------------------------------------------------------------------


def _locked_item(item: ChecklistItem) -> ChecklistItem:
    return (
        ChecklistItem.objects.select_for_update(of=("self",))
        .select_related("task", "task__project")
        .get(pk=item.pk)
    )


def _checklist_audit(actor: Any, task: Task, before: dict, after: dict) -> None:
    audit_record(actor=actor, action="task.checklist", target=task, before=before, after=after)


@transaction.atomic
def checklist_add(*, actor: Any, task: Task, text: str) -> ChecklistItem:
    """Add an item at the end of the task's checklist."""
    task = _locked(task)
    _require(policies.can_edit_tasks(actor, task.project))
    text = (text or "").strip()
    if not text:
        _refuse(_("Write the checklist item."), "text")
    if len(text) > CHECKLIST_MAX:
        _refuse(_("Keep each checklist item to 300 characters."), "text")
    last = task.checklist.aggregate(m=Max("position"))["m"] or 0
    item = ChecklistItem.objects.create(task=task, position=last + 1, text=text)
    _checklist_audit(actor, task, {}, {"item": text, "added": True})
    return item


@transaction.atomic
def checklist_toggle(*, actor: Any, item: ChecklistItem, done: bool) -> ChecklistItem:
    """Tick an item (or untick it); ticking it as it already is changes nothing."""
    item = _locked_item(item)
    _require(policies.can_edit_tasks(actor, item.task.project))
    if item.done == bool(done):
        return item
    item.done = bool(done)
    item.done_by = user_or_none(actor) if done else None
    item.done_at = timezone.now() if done else None
    item.save(update_fields=["done", "done_by", "done_at"])
    _checklist_audit(actor, item.task, {"item": item.text, "done": not done}, {"done": item.done})
    return item


@transaction.atomic
def checklist_delete(*, actor: Any, item: ChecklistItem) -> None:
    item = _locked_item(item)
    _require(policies.can_edit_tasks(actor, item.task.project))
    _checklist_audit(actor, item.task, {"item": item.text, "done": item.done}, {"removed": True})
    item.delete()


# Time entries --------------------------------------------------------------------------------


def _entry_audit(entry: TimeEntry, task: Task) -> dict[str, Any]:
    return {"task": task.key, "user": entry.user_id, **snapshot(entry, ENTRY_FIELDS)}


@transaction.atomic
def time_entry_create(
    *, actor: Any, task: Task, date: Any, hours: Any, note: str = ""
) -> TimeEntry:
    """Log the actor's own hours on a task for one day: 0.25–24 h an entry, at most 24 h a day
    across all tasks, never in the future. The task's spent hours grow in the same write."""
    task = _locked(task)
    _require(policies.can_edit_tasks(actor, task.project))
    day = date_value(date, "date")
    if day is None:
        _refuse(_("Enter the day the time was spent."), "date")
    if day > timezone.localdate():
        _refuse(_("Time cannot be logged for a day in the future."), "date")
    message = _("Enter from 0.25 to 24 hours.")
    amount = _decimal(hours, "hours", message)
    if amount is None or not MIN_HOURS <= amount <= MAX_HOURS_PER_DAY:
        _refuse(message, "hours")
    amount = amount.quantize(Decimal("0.01"))
    note = (note or "").strip()
    if len(note) > 300:
        _refuse(_("Keep the note to 300 characters."), "note")
    logged = TimeEntry.objects.filter(user=actor, date=day).aggregate(s=Sum("hours"))["s"] or 0
    if logged + amount > MAX_HOURS_PER_DAY:
        _refuse(
            _("%(day)s already has %(logged)s h logged; a day holds at most 24 hours.")
            % {"day": day.isoformat(), "logged": logged},
            "hours",
        )
    entry = TimeEntry(task=task, user=actor, date=day, hours=amount, note=note)
    validate_model(entry, exclude=["task", "user"])
    entry.save()
    Task.objects.filter(pk=task.pk).update(spent_hours=F("spent_hours") + amount)
    audit_record(
        actor=actor,
        action="time.logged",
        target=entry,
        project=task.project,
        visibility=Visibility.INTERNAL,
        after=_entry_audit(entry, task),
    )
    return entry


@transaction.atomic
def time_entry_delete(*, actor: Any, entry: TimeEntry) -> None:
    """Delete a time entry: its author, or the project manager; spent hours shrink with it."""
    entry = (
        TimeEntry.objects.select_for_update(of=("self",))
        .select_related("task", "task__project")
        .get(pk=entry.pk)
    )
    task = entry.task
    _require(
        policies.can_delete_time_entry(actor, entry),
        _("Only the person who logged the time, or the project manager, deletes it."),
    )
    audit_record(
        actor=actor,
        action="time.deleted",
        target=entry,
        project=task.project,
        visibility=Visibility.INTERNAL,
        before=_entry_audit(entry, task),
    )
    Task.objects.filter(pk=task.pk).update(spent_hours=F("spent_hours") - entry.hours)
    entry.delete()


# Board and capacity --------------------------------------------------------------------------


@transaction.atomic
def wip_limits_set(*, actor: Any, project: Project, limits: dict[str, int | None]) -> None:
    """Set the board's WIP limits per column (None or empty removes a column's limit)."""
    _require(
        policies.can_manage_board(actor, project),
        _("Only the project manager sets the WIP limits."),
    )
    wanted: dict[str, int | None] = {}
    for status, value in limits.items():
        choice_value(status, TaskStatus, status, _("Choose a column of the board."))
        if value in (None, ""):
            wanted[status] = None
            continue
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = 0
        if isinstance(value, bool) or not 1 <= number <= MAX_WIP:
            _refuse(_("Enter a limit from 1 to 999, or leave it empty for none."), status)
        wanted[status] = number
    current = {
        row.status: row for row in WipLimit.objects.select_for_update().filter(project=project)
    }
    before, after = {}, {}
    for status, number in wanted.items():
        row = current.get(status)
        old = row.limit if row else None
        if old == number:
            continue
        before[status], after[status] = old, number
        if number is None:
            row.delete()
        elif row is None:
            WipLimit.objects.create(project=project, status=status, limit=number)
        else:
            row.limit = number
            row.save(update_fields=["limit"])
    if after:
        audit_record(
            actor=actor,
            action="task.wip_limits",
            project=project,
            visibility=Visibility.INTERNAL,
            before=before,
            after=after,
        )


@transaction.atomic
def capacity_set(*, actor: Any, user: Any, hours_per_week: Any) -> Capacity:
    """Set how many hours a week a person works (across projects): themself, or a manager of
    a project they are on."""
    _require(
        policies.can_set_capacity(actor, user),
        _("Only the person themself or their project manager sets their capacity."),
    )
    message = _("Enter from 0 to 168 hours a week.")
    hours = _decimal(hours_per_week, "hours_per_week", message)
    if hours is None or not Decimal("0") <= hours <= MAX_CAPACITY:
        _refuse(message, "hours_per_week")
    hours = hours.quantize(Decimal("0.1"))
    capacity = Capacity.objects.select_for_update().filter(user=user).first()
    created = capacity is None
    if created:
        capacity = Capacity(user=user)
    old = None if created else str(capacity.hours_per_week)
    if not created and capacity.hours_per_week == hours:
        return capacity
    capacity.hours_per_week = hours
    validate_model(capacity, exclude=["user"])
    if not created:
        capacity.version += 1
    capacity.save()
    audit_record(
        actor=actor,
        action="capacity.set",
        target=capacity,
        visibility=Visibility.INTERNAL,
        before={} if created else {"hours_per_week": old},
        after={"user": user.pk, "hours_per_week": str(hours)},
    )
    return capacity


# Risk response actions -----------------------------------------------------------------------


def _check_response_action(project: Project, action: ResponseAction) -> None:
    if action.risk.project_id != project.pk:
        _refuse(_("Choose a response action of a risk of this project."), "response_action")
    if Task.objects.filter(response_action=action).exists():
        _refuse(_("This response action already has its task."), "response_action")


@transaction.atomic
def task_from_response_action(*, actor: Any, action: ResponseAction) -> Task:
    """Turn a risk's response action into a task (one task per action): its description as
    the title, its owner as the assignee when they may hold tasks, its due date."""
    action = (
        ResponseAction.objects.select_for_update(of=("self",))
        .select_related("risk", "risk__project", "owner")
        .get(pk=action.pk)
    )
    project = action.risk.project
    _require(policies.can_edit_tasks(actor, project))
    assignee = None
    if action.owner_id:
        membership = project_selectors.active_membership(project=project, user=action.owner_id)
        if membership is not None and policies.can_be_assigned(membership.role):
            assignee = membership.user
    due = action.due_date
    description = _("Response to risk %(key)s: %(risk)s") % {
        "key": action.risk.key,
        "risk": action.risk.title,
    }
    return task_create(
        actor=actor,
        project=project,
        response_action=action,
        title=action.description[:300],
        description=description,
        type=TaskType.CHORE,
        assignee=assignee,
        due_date=due,
    )
