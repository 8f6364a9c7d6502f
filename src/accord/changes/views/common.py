"""What the change control pages share: loading, labels, the page context and addresses."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from accord.changes import policies, selectors
from accord.changes.choices import ApproverSlot, ChangeType, Decision, Status, Urgency
from accord.changes.models import ChangeRequest
from accord.projects import selectors as project_selectors
from accord.projects.models import Project
from accord.projects.pages import project_context

GET_POST = ["GET", "POST"]
# How a status badge looks: waiting, good, bad or done.
STATUS_BADGES = {
    Status.DRAFT: "",
    Status.SUBMITTED: "badge-info",
    Status.UNDER_ASSESSMENT: "badge-info",
    Status.AWAITING_APPROVAL: "badge-warn",
    Status.APPROVED: "badge-ok",
    Status.REJECTED: "badge-bad",
    Status.DEFERRED: "",
    Status.IN_IMPLEMENTATION: "badge-ok",
    Status.IMPLEMENTED: "badge-ok",
    Status.CLOSED: "",
    Status.WITHDRAWN: "",
}


def labels() -> dict[str, dict[str, str]]:
    """Display labels looked up once per page."""
    return {
        "status": {k: str(v) for k, v in Status.choices},
        "type": {k: str(v) for k, v in ChangeType.choices},
        "urgency": {k: str(v) for k, v in Urgency.choices},
        "decision": {k: str(v) for k, v in Decision.choices},
        "slot": {k: str(v) for k, v in ApproverSlot.choices},
    }


def label(change: ChangeRequest, names: dict[str, dict[str, str]] | None = None) -> Any:
    names = names or labels()
    change.status_label = names["status"].get(change.status, change.status)
    change.status_badge = STATUS_BADGES.get(change.status, "")
    change.type_label = names["type"].get(change.type, change.type)
    change.urgency_label = names["urgency"].get(change.urgency, change.urgency)
    return change


def load(request: HttpRequest, key: str, number: int) -> tuple[Project, ChangeRequest]:
    project = project_selectors.project_get(user=request.user, key=key)
    change = selectors.change_for(request.user, project, number)
    # One project object for the page: the policies' membership cache is keyed on it.
    change.project = project
    return project, change


def context(request: HttpRequest, project: Project) -> dict[str, Any]:
    result = project_context(request, project, "changes")
    user = request.user
    result.update(
        can_raise=policies.can_raise(user, project),
        can_assess=policies.can_assess(user, project),
        can_manage_changes=policies.can_manage(user, project),
        is_client=policies.is_client(user, project),
    )
    return result


def detail_url(change: ChangeRequest, anchor: str = "") -> str:
    url = reverse("changes:detail", kwargs={"key": change.project.key, "number": change.number})
    return f"{url}#{anchor}" if anchor else url
