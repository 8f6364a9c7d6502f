"""Every write to the problem register: validated, version-checked, audited and notified.

A problem (ACME-P3) is what went wrong, its impact, root cause and solution; a risk that occurs
becomes one (`risk_occurred`). The rules follow the risk register's: the team writes, only the
project manager shares with the client or deletes, the owner is an active member of the project.
Audit records carry the problem's visibility, so clients read in the history only what happens
to problems shared with them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.changes.models import ChangeRequest
from accord.core.audit import audit_record, changes, snapshot
from accord.core.choices import Visibility
from accord.core.edits import (
    check_version,
    choice_value,
    date_value,
    user_or_none,
    validate_model,
)
from accord.core.exceptions import ApplicationError
from accord.core.keys import assign_number
from accord.notifications.services import notify
from accord.projects.models import Project
from accord.requirements.models import Requirement
from accord.risks import policies
from accord.risks import services as risk_services
from accord.risks.choices import OPEN_PROBLEM_STATES, ProblemStatus, RiskStatus
from accord.risks.models import Problem, Risk
from accord.risks.services import _can_see, _member_user, _refuse

PROBLEM_FIELDS = (
    "title", "description", "impact", "root_cause", "solution", "owner", "due_date", "status",
    "visibility", "risk", "requirements", "change_requests",
)  # fmt: skip
# The linked items recorded by key, with how each is read from a problem.
LINK_FIELDS = ("requirements", "change_requests")
# Plain fields, recorded as they are; the risk and the links are recorded by key.
SCALAR_FIELDS = (
    "title", "description", "impact", "root_cause", "solution", "owner", "due_date", "status",
    "visibility", "solved_at",
)  # fmt: skip
TEXT_FIELDS = ("title", "description", "impact", "root_cause", "solution")
SOLVED_STATES = (ProblemStatus.SOLVED, ProblemStatus.CLOSED)


def _require(allowed: bool, message: str | None = None) -> None:
    if not allowed:
        _refuse(message or _("You are not allowed to do this in this project."))


def _audit_state(
    problem: Problem, links: dict[str, Iterable[Any]], *, for_client: bool | None = None
) -> dict[str, Any]:
    """The problem as its audit record names it: plain fields, and the risk and linked items
    by key. A shared problem's record is read by the client: it names only the linked items
    they see (`for_client`, by default whether the problem is shared)."""
    if for_client is None:
        for_client = problem.is_shared
    state = snapshot(problem, SCALAR_FIELDS)
    risk = problem.risk if problem.risk_id else None
    shown = risk is not None and (not for_client or risk.is_shared)
    state["risk"] = risk.key if shown else None
    for name in LINK_FIELDS:
        state[name] = _keys(links[name], for_client=for_client)
    return state


def _keys(items: Iterable[Any], *, for_client: bool) -> list[str]:
    """Linked items' keys for an audit record; for the client's eyes only the shared ones, so a
    record never tells the client that a draft requirement or change request exists."""
    keys = (item.key for item in items if not for_client or item.is_shared)
    return sorted(keys, key=lambda key: (len(key), key))


def _current_links(problem: Problem) -> dict[str, list[Any]]:
    return {
        "requirements": list(problem.requirements.select_related("project")),
        "change_requests": list(problem.change_requests.select_related("project")),
    }


# Validation ----------------------------------------------------------------------------------


def _project_risk(project: Project, value: Any) -> Risk | None:
    """The risk a problem comes from: a Risk or a risk id of the same project, or None."""
    if value in (None, ""):
        return None
    risk_id = getattr(value, "pk", value)
    try:
        risk_id = int(risk_id)
    except (TypeError, ValueError):
        risk_id = None
    risk = (
        Risk.objects.filter(pk=risk_id, project=project).select_related("project").first()
        if risk_id
        else None
    )
    if risk is None:
        _refuse(_("Choose a risk of this project."), "risk")
    return risk


def _project_requirements(project: Project, values: Any) -> list[Requirement]:
    """The affected requirements: Requirements or requirement ids, all of the same project."""
    if values in (None, ""):
        return []
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        _refuse(_("Choose requirements of this project."), "requirements")
    ids = set()
    for value in values:
        try:
            ids.add(int(getattr(value, "pk", value)))
        except (TypeError, ValueError):
            _refuse(_("Choose requirements of this project."), "requirements")
    found = list(Requirement.objects.filter(pk__in=ids, project=project).select_related("project"))
    if len(found) != len(ids):
        _refuse(_("Choose requirements of this project."), "requirements")
    return found


def _project_change_requests(project: Project, values: Any) -> list[ChangeRequest]:
    """The change requests that came from the problem: ChangeRequests or their ids, all of the
    same project. One of another project is refused naming its key."""
    if values in (None, ""):
        return []
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        _refuse(_("Choose change requests of this project."), "change_requests")
    items: dict[int, ChangeRequest] = {}
    ids = set()
    for value in values:
        if isinstance(value, ChangeRequest):
            if value.project_id != project.pk:
                _refuse(
                    _(
                        "%(key)s belongs to another project; link change requests of this project "
                        "only."
                    )
                    % {"key": value.key},
                    "change_requests",
                )
            items[value.pk] = value
            continue
        try:
            ids.add(int(getattr(value, "pk", value)))
        except (TypeError, ValueError):
            _refuse(_("Choose change requests of this project."), "change_requests")
    ids -= set(items)
    if ids:
        # Ids are looked up in this project only: another project's key is not told.
        found = ChangeRequest.objects.filter(pk__in=ids, project=project).select_related("project")
        items.update((change.pk, change) for change in found)
        if not ids <= set(items):
            _refuse(_("Choose change requests of this project."), "change_requests")
    return list(items.values())


def _clean(problem: Problem, data: dict[str, Any], was_status: str | None) -> None:
    """Normalise and check the fields being written; `data` holds only those fields."""
    project = problem.project
    for name in TEXT_FIELDS:
        if name in data:
            setattr(problem, name, (data[name] or "").strip())
    if "title" in data and not problem.title:
        _refuse(_("Give the problem a title."), "title")
    if "status" in data:
        problem.status = choice_value(
            data["status"], ProblemStatus, "status", _("Choose a status from the list.")
        )
    if "visibility" in data:
        problem.visibility = choice_value(
            data["visibility"], Visibility, "visibility", _("Choose who can see the problem.")
        )
    if "owner" in data:
        problem.owner = _member_user(project, data["owner"])
    if "due_date" in data:
        problem.due_date = date_value(data["due_date"], "due_date")
    if "risk" in data:
        problem.risk = _project_risk(project, data["risk"])
    if problem.status in SOLVED_STATES and not problem.solution:
        _refuse(_("Describe the solution before the problem is solved or closed."), "solution")
    if problem.status != was_status:
        if problem.status in OPEN_PROBLEM_STATES:
            problem.solved_at = None
        elif problem.status == ProblemStatus.SOLVED or problem.solved_at is None:
            problem.solved_at = timezone.now()
    validate_model(
        problem,
        exclude=["project", "number", "owner", "risk", "requirements", "change_requests"],
    )


def _check_sharing(actor: Any, project: Project, before: str, after: str) -> None:
    changes_sharing = before != after and Visibility.SHARED in (before, after)
    if changes_sharing and not policies.can_share_risks(actor, project):
        _refuse(
            _("Only the project manager shares a problem with the client or takes it back."),
            "visibility",
        )


# Notifications -------------------------------------------------------------------------------


def _notify_owner(*, actor: Any, problem: Problem) -> None:
    owner = problem.owner
    if owner is None or not _can_see(problem.project, owner, problem.visibility):
        return
    key, title, due = problem.key, problem.title, problem.due_date
    notify(
        recipients=[owner],
        kind="problem.assigned",
        project=problem.project,
        actor=user_or_none(actor),
        url=problem.get_absolute_url(),
        title=lambda: _("You own problem %(key)s") % {"key": key},
        body=lambda: (
            _("%(title)s (due %(date)s)") % {"title": title, "date": due.isoformat()}
            if due
            else title
        ),
    )


# Problems ------------------------------------------------------------------------------------


def _locked(problem: Problem) -> Problem:
    return (
        Problem.objects.select_for_update(of=("self",))
        .select_related("project", "owner", "risk", "risk__project")
        .get(pk=problem.pk)
    )


def _record(
    *,
    actor: Any,
    action: str,
    problem: Problem,
    full: tuple[dict[str, Any], dict[str, Any]],
    client: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    """Audit a write as (before, after) pairs: `full` names every linked item, `client` only
    those the client may see. An internal problem's record is the full one. A shared problem's
    record is the client's; what it leaves out (a draft requirement, an internal change request
    or risk) goes into a second, internal record, so the team's history still tells it."""
    if not problem.is_shared:
        audit_record(actor=actor, action=action, target=problem, before=full[0], after=full[1])
        return
    old, new = client
    if new:
        audit_record(actor=actor, action=action, target=problem, before=old, after=new)
    hidden = [
        name
        for name in full[1]
        if full[1].get(name) != new.get(name) or full[0].get(name) != old.get(name)
    ]
    if hidden:
        audit_record(
            actor=actor,
            action=action,
            target=problem,
            before={name: full[0][name] for name in hidden if name in full[0]},
            after={name: full[1][name] for name in hidden},
            visibility=Visibility.INTERNAL,
        )


def _create(
    *, actor: Any, project: Project, fields: dict[str, Any], check_sharing: bool = True
) -> Problem:
    unknown = set(fields) - set(PROBLEM_FIELDS)
    if unknown:
        _refuse(
            _("These fields cannot be changed here: %(fields)s")
            % {"fields": ", ".join(sorted(unknown))}
        )
    data = {"title": "", **fields}
    problem = Problem(project=project)
    _clean(problem, data, was_status=None)
    links = {
        "requirements": _project_requirements(project, data.get("requirements")),
        "change_requests": _project_change_requests(project, data.get("change_requests")),
    }
    if problem.due_date and problem.due_date < timezone.localdate():
        _refuse(_("A new problem cannot be due before today."), "due_date")
    if check_sharing:
        _check_sharing(actor, project, Visibility.INTERNAL, problem.visibility)
    assign_number(problem)
    problem.save()
    if links["requirements"]:
        problem.requirements.set(links["requirements"])
    if links["change_requests"]:
        problem.change_requests.set(links["change_requests"])
    _record(
        actor=actor,
        action="problem.created",
        problem=problem,
        full=({}, _audit_state(problem, links, for_client=False)),
        client=({}, _audit_state(problem, links, for_client=True)),
    )
    if problem.owner_id:
        _notify_owner(actor=actor, problem=problem)
    return problem


@transaction.atomic
def problem_create(*, actor: Any, project: Project, **fields: Any) -> Problem:
    """Record a problem; its owner is told (if they may see it).

    Fields: title, description, impact, root_cause, solution, owner (a member, as a User or id),
    due_date (today or later), status, visibility (sharing is the manager's), risk (of the same
    project, or None), requirements and change_requests (ChangeRequests or ids, of the same
    project; one of another project is refused on "change_requests" naming its key).
    """
    _require(policies.can_edit_risks(actor, project))
    return _create(actor=actor, project=project, fields=fields)


@transaction.atomic
def problem_update(
    *,
    actor: Any,
    problem: Problem,
    data: dict[str, Any],
    expected_version: int | None = None,
) -> Problem:
    """Change a problem. Solving it sets `solved_at` (and needs a solution); opening it again
    clears it. A past due date is kept as history. `requirements` and `change_requests`, when
    given, replace the links (of the same project; another project's change request is refused
    on "change_requests" naming its key)."""
    problem = _locked(problem)
    project = problem.project
    _require(policies.can_edit_risks(actor, project))
    check_version(problem, expected_version)
    unknown = set(data) - set(PROBLEM_FIELDS)
    if unknown:
        _refuse(
            _("These fields cannot be changed here: %(fields)s")
            % {"fields": ", ".join(sorted(unknown))}
        )
    current = _current_links(problem)
    was_visibility = problem.visibility
    full_before = _audit_state(problem, current, for_client=False)
    client_before = _audit_state(problem, current, for_client=True)
    _clean(problem, data, was_status=problem.status)
    links = {
        "requirements": (
            _project_requirements(project, data["requirements"])
            if "requirements" in data
            else current["requirements"]
        ),
        "change_requests": (
            _project_change_requests(project, data["change_requests"])
            if "change_requests" in data
            else current["change_requests"]
        ),
    }
    _check_sharing(actor, project, was_visibility, problem.visibility)
    full = changes(full_before, _audit_state(problem, links, for_client=False))
    if not full[1]:
        return problem
    problem.version += 1
    problem.save()
    for name in LINK_FIELDS:
        if name in full[1]:
            getattr(problem, name).set(links[name])
    _record(
        actor=actor,
        action="problem.updated",
        problem=problem,
        full=full,
        client=changes(client_before, _audit_state(problem, links, for_client=True)),
    )
    new = full[1]
    if problem.owner_id and "owner" in new:
        _notify_owner(actor=actor, problem=problem)
    return problem


@transaction.atomic
def problem_delete(*, actor: Any, problem: Problem, expected_version: int | None = None) -> None:
    """Delete a problem (the project manager); the audit trail keeps what it was."""
    problem = _locked(problem)
    _require(
        policies.can_delete_risks(actor, problem.project),
        _("Only the project manager deletes problems."),
    )
    check_version(problem, expected_version)
    audit_record(
        actor=actor,
        action="problem.deleted",
        target=problem,
        before=_audit_state(problem, _current_links(problem)),
    )
    problem.delete()


@transaction.atomic
def risk_occurred(
    *,
    actor: Any,
    risk: Risk,
    title: str | None = None,
    description: str = "",
    impact: str = "",
    expected_version: int | None = None,
) -> Problem:
    """The risk happened: it becomes a problem, in one transaction.

    The risk's status becomes "occurred" (through `risk_update`, so a review records it) and a
    problem linked to it is recorded: the risk's title, its event as what happened and its
    consequence as the impact unless given, with the risk's visibility and owner (if the owner
    is still an active member).
    """
    risk = (
        Risk.objects.select_for_update(of=("self",))
        .select_related("project", "owner")
        .get(pk=risk.pk)
    )
    project = risk.project
    _require(policies.can_edit_risks(actor, project))
    check_version(risk, expected_version)
    if risk.status == RiskStatus.OCCURRED:
        _refuse(_("This risk has already occurred."), "status")
    risk = risk_services.risk_update(
        actor=actor, risk=risk, data={"status": RiskStatus.OCCURRED}, expected_version=None
    )
    owner = None
    if risk.owner_id:
        try:
            owner = _member_user(project, risk.owner)
        except ApplicationError:
            owner = None  # the risk's owner left the project: the problem starts unowned
    fields = {
        "title": (title or "").strip() or risk.title,
        "description": (description or "").strip() or risk.event,
        "impact": (impact or "").strip() or risk.consequence,
        "owner": owner,
        "visibility": risk.visibility,
        "risk": risk,
    }
    # The visibility is the risk's, decided when it was recorded or shared: no new sharing.
    return _create(actor=actor, project=project, fields=fields, check_sharing=False)
