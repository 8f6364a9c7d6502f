"""How the project history names task actions and the values they record."""

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "task.created": _("created a task"),
    "task.updated": _("changed a task"),
    "task.moved": _("moved a task on the board"),
    "task.deleted": _("deleted a task"),
    "task.checklist": _("changed a task's checklist"),
    "task.wip_limits": _("changed the board's WIP limits"),
    "time.logged": _("logged time"),
    "time.deleted": _("deleted logged time"),
    "capacity.set": _("set a person's weekly capacity"),
}

# Recorded values that are not fields of the audited object.
FIELD_LABELS = {
    "task": _("task"),
    "rank": None,  # the position within a board column: kept for the trail, not shown
    "requirements": _("requirements"),
    "change_requests": _("change requests"),
    "problems": _("problems"),
    "checklist": _("checklist"),
    "item": _("checklist item"),
    "added": _("added"),
    "removed": _("removed"),
    "response_action": None,
    "user": _("who"),
    "todo": _("To do"),
    "in_progress": _("In progress"),
    "in_review": _("In review"),
    "blocked": _("Blocked"),
    "done": _("done"),
    "hours_per_week": _("hours per week"),
}
