"""Every write to the risk register: validated, version-checked, audited and notified.

A risk's score is probability × impact; every change of probability, impact or status leaves a
dated review, so the register shows how a risk moved over time. Audit records carry the risk's
visibility, so clients read in the history only what happens to risks shared with them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.core import integers
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
from accord.notifications.services import notify
from accord.projects import selectors as project_selectors
from accord.projects.models import Membership, Project
from accord.risks import policies
from accord.risks.choices import Category, RiskStatus, Strategy
from accord.risks.models import ResponseAction, Risk, RiskReview, RiskThresholds

RISK_FIELDS = (
    "title", "category", "cause", "event", "consequence", "probability", "impact", "strategy",
    "trigger", "owner", "status", "visibility",
)  # fmt: skip
AUDIT_FIELDS = (*RISK_FIELDS, "score")
REVIEWED_FIELDS = ("probability", "impact", "status")
ACTION_FIELDS = ("description", "owner", "due_date")
ACTION_AUDIT_FIELDS = (*ACTION_FIELDS, "done_at")
THRESHOLD_FIELDS = ("medium_from", "high_from", "critical_from")
TEXT_FIELDS = ("title", "cause", "event", "consequence", "trigger")


def _refuse(message: str, field: str | None = None) -> None:
    raise ApplicationError(message, field=field)


def _require(allowed: bool, message: str | None = None) -> None:
    if not allowed:
        _refuse(message or _("You are not allowed to do this in this project."))


# Validation ----------------------------------------------------------------------------------


def _scale(value: Any, field: str) -> int:
    """A 1–5 level of the probability or impact scale (an int, or its digits as text)."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and integers.number_in(value) is not None:
        number = integers.number_in(value)
    else:
        number = 0
    if not 1 <= number <= 5:
        if field == "probability":
            _refuse(_("Choose a probability from 1 (rare) to 5 (almost certain)."), field)
        _refuse(_("Choose an impact from 1 (negligible) to 5 (severe)."), field)
    return number


def _member_user(project: Project, owner: Any) -> Any:
    """The owner as a user of the project: a User, a user id or None. Anyone else is refused
    with the same message, whether or not such a user exists."""
    if owner in (None, ""):
        return None
    membership = project_selectors.active_membership(project=project, user=owner)
    if membership is None:
        _refuse(_("Choose a member of this project as the owner."), "owner")
    return membership.user


def _apply(instance: Any, data: dict[str, Any], allowed: tuple[str, ...]) -> None:
    """Set the given fields, all but the owner, which is checked on its own."""
    apply_fields(instance, {k: v for k, v in data.items() if k != "owner"}, allowed)


def _clean_risk(risk: Risk, data: dict[str, Any]) -> None:
    """Normalise and check the fields being written; `data` holds only those fields."""
    for name in TEXT_FIELDS:
        if name in data:
            setattr(risk, name, (data[name] or "").strip())
    if "title" in data and not risk.title:
        _refuse(_("Give the risk a title."), "title")
    if "category" in data:
        choice_value(risk.category, Category, "category", _("Choose a category from the list."))
    if "strategy" in data:
        choice_value(
            risk.strategy, Strategy, "strategy", _("Choose a response strategy from the list.")
        )
    if "status" in data:
        choice_value(risk.status, RiskStatus, "status", _("Choose a status from the list."))
    if "visibility" in data:
        choice_value(risk.visibility, Visibility, "visibility", _("Choose who can see the risk."))
    if "probability" in data:
        risk.probability = _scale(risk.probability, "probability")
    if "impact" in data:
        risk.impact = _scale(risk.impact, "impact")
    if "owner" in data:
        risk.owner = _member_user(risk.project, data["owner"])
    risk.score = risk.probability * risk.impact
    validate_model(risk, exclude=["project", "number", "owner"])


def _check_sharing(actor: Any, project: Project, before: str, after: str) -> None:
    changes_sharing = before != after and Visibility.SHARED in (before, after)
    if changes_sharing and not policies.can_share_risks(actor, project):
        _refuse(
            _("Only the project manager shares a risk with the client or takes it back."),
            "visibility",
        )


def _clean_thresholds(values: dict[str, Any]) -> dict[str, int]:
    cleaned = {}
    for name in THRESHOLD_FIELDS:
        try:
            cleaned[name] = int(values[name])
        except (TypeError, ValueError):
            _refuse(_("Enter a whole score from 2 to 25."), name)
    if not 2 <= cleaned["medium_from"] <= 23:
        _refuse(_("Medium must start at a score from 2 to 23."), "medium_from")
    if not cleaned["medium_from"] < cleaned["high_from"] <= 24:
        _refuse(_("High must start above medium, at a score of 24 at most."), "high_from")
    if not cleaned["high_from"] < cleaned["critical_from"] <= 25:
        _refuse(_("Critical must start above high, at a score of 25 at most."), "critical_from")
    return cleaned


# Notifications -------------------------------------------------------------------------------


def _can_see(project: Project, user: Any, visibility: str) -> bool:
    role = (
        Membership.objects.filter(project=project, user=user).values_list("role", flat=True).first()
    )
    return policies.member_can_see_risk(role, visibility)


def _notify_owner(*, actor: Any, risk: Risk) -> None:
    owner = risk.owner
    if owner is None or not _can_see(risk.project, owner, risk.visibility):
        return
    key, title = risk.key, risk.title
    notify(
        recipients=[owner],
        kind="risk.assigned",
        project=risk.project,
        actor=user_or_none(actor),
        url=risk.get_absolute_url(),
        title=lambda: _("You own risk %(key)s") % {"key": key},
        body=title,
    )


def _notify_action_owner(*, actor: Any, action: ResponseAction) -> None:
    owner, risk = action.owner, action.risk
    if owner is None or not _can_see(risk.project, owner, risk.visibility):
        return
    key, description, due = risk.key, action.description, action.due_date
    notify(
        recipients=[owner],
        kind="risk.action_assigned",
        project=risk.project,
        actor=user_or_none(actor),
        url=risk.get_absolute_url(),
        title=lambda: _("A response action of risk %(key)s is yours") % {"key": key},
        body=lambda: (
            _("%(action)s (due %(date)s)") % {"action": description, "date": due.isoformat()}
            if due
            else description
        ),
    )


# Risks ---------------------------------------------------------------------------------------


def _locked(risk: Risk) -> Risk:
    return (
        Risk.objects.select_for_update(of=("self",))
        .select_related("project", "owner")
        .get(pk=risk.pk)
    )


def _record_review(
    risk: Risk, *, actor: Any, note: str = "", at: dt.datetime | None = None
) -> RiskReview:
    review = RiskReview.objects.create(
        risk=risk,
        reviewed_by=user_or_none(actor),
        reviewed_at=at or timezone.now(),
        probability=risk.probability,
        impact=risk.impact,
        score=risk.score,
        status=risk.status,
        note=(note or "").strip(),
    )
    risk.reviewed_at = review.reviewed_at
    return review


@transaction.atomic
def risk_create(*, actor: Any, project: Project, **fields: Any) -> Risk:
    """Record a risk with its first review; its owner is told (if they may see it)."""
    _require(policies.can_edit_risks(actor, project))
    data = {"title": "", "probability": None, "impact": None, **fields}
    risk = Risk(project=project)
    _apply(risk, data, RISK_FIELDS)
    _clean_risk(risk, data)
    _check_sharing(actor, project, Visibility.INTERNAL, risk.visibility)
    now = timezone.now()
    risk.reviewed_at = now
    assign_number(risk)
    risk.save()
    _record_review(risk, actor=actor, at=now)
    audit_record(
        actor=actor, action="risk.created", target=risk, after=snapshot(risk, AUDIT_FIELDS)
    )
    if risk.owner_id:
        _notify_owner(actor=actor, risk=risk)
    return risk


@transaction.atomic
def risk_update(
    *, actor: Any, risk: Risk, data: dict[str, Any], expected_version: int | None = None
) -> Risk:
    """Change a risk; a change of probability, impact or status records a review."""
    risk = _locked(risk)
    project = risk.project
    _require(policies.can_edit_risks(actor, project))
    check_version(risk, expected_version)
    before = snapshot(risk, AUDIT_FIELDS)
    _apply(risk, data, RISK_FIELDS)
    _clean_risk(risk, data)
    _check_sharing(actor, project, before["visibility"], risk.visibility)
    old, new = changes(before, snapshot(risk, AUDIT_FIELDS))
    if not new:
        return risk
    if any(name in new for name in REVIEWED_FIELDS):
        _record_review(risk, actor=actor)
    risk.version += 1
    risk.save()
    audit_record(actor=actor, action="risk.updated", target=risk, before=old, after=new)
    if risk.owner_id and "owner" in new:
        _notify_owner(actor=actor, risk=risk)
    return risk


@transaction.atomic
def risk_review(
    *,
    actor: Any,
    risk: Risk,
    probability: int,
    impact: int,
    status: str | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> RiskReview:
    """A periodic review: the risk's new probability, impact (and status), with a note. Recorded
    even when nothing changed, as the evidence that the risk was looked at."""
    risk = _locked(risk)
    _require(policies.can_edit_risks(actor, risk.project))
    check_version(risk, expected_version)
    before = snapshot(risk, AUDIT_FIELDS)
    risk.probability = _scale(probability, "probability")
    risk.impact = _scale(impact, "impact")
    if status not in (None, ""):
        risk.status = choice_value(
            status, RiskStatus, "status", _("Choose a status from the list.")
        )
    risk.score = risk.probability * risk.impact
    note = (note or "").strip()
    review = _record_review(risk, actor=actor, note=note)
    risk.version += 1
    risk.save()
    old, new = changes(before, snapshot(risk, AUDIT_FIELDS))
    if note:
        new["note"] = note
    audit_record(actor=actor, action="risk.reviewed", target=risk, before=old, after=new)
    return review


@transaction.atomic
def risk_delete(*, actor: Any, risk: Risk, expected_version: int | None = None) -> None:
    """Delete a risk with its reviews and actions (the audit trail keeps what it was)."""
    risk = _locked(risk)
    _require(
        policies.can_delete_risks(actor, risk.project),
        _("Only the project manager deletes risks."),
    )
    check_version(risk, expected_version)
    audit_record(
        actor=actor, action="risk.deleted", target=risk, before=snapshot(risk, AUDIT_FIELDS)
    )
    risk.delete()


# Response actions ----------------------------------------------------------------------------


def _locked_action(action: ResponseAction) -> ResponseAction:
    return (
        ResponseAction.objects.select_for_update(of=("self",))
        .select_related("risk", "risk__project", "owner")
        .get(pk=action.pk)
    )


def _clean_action(action: ResponseAction, data: dict[str, Any]) -> None:
    if "description" in data:
        action.description = (action.description or "").strip()
        if not action.description:
            _refuse(_("Describe the action."), "description")
    if "owner" in data:
        action.owner = _member_user(action.risk.project, data["owner"])
    if "due_date" in data:
        action.due_date = date_value(data["due_date"], "due_date")
    validate_model(action, exclude=["risk", "owner"])


@transaction.atomic
def action_create(
    *,
    actor: Any,
    risk: Risk,
    description: str,
    owner: Any = None,
    due_date: dt.date | None = None,
) -> ResponseAction:
    """Add a step to a risk's response plan; its owner is told (if they may see the risk)."""
    risk = _locked(risk)
    _require(policies.can_edit_risks(actor, risk.project))
    action = ResponseAction(risk=risk)
    data = {"description": description, "owner": owner, "due_date": due_date}
    _apply(action, data, ACTION_FIELDS)
    _clean_action(action, data)
    if action.due_date and action.due_date < timezone.localdate():
        _refuse(_("A new action cannot be due before today."), "due_date")
    action.save()
    audit_record(
        actor=actor,
        action="risk.action_created",
        target=action,
        project=risk.project,
        visibility=risk.visibility,
        after={"risk": risk.key, **snapshot(action, ACTION_FIELDS)},
    )
    if action.owner_id:
        _notify_action_owner(actor=actor, action=action)
    return action


@transaction.atomic
def action_update(
    *,
    actor: Any,
    action: ResponseAction,
    data: dict[str, Any],
    expected_version: int | None = None,
) -> ResponseAction:
    """Change an action's description, owner or due date (a past date is kept as history)."""
    action = _locked_action(action)
    risk = action.risk
    _require(policies.can_edit_risks(actor, risk.project))
    check_version(action, expected_version)
    before = snapshot(action, ACTION_FIELDS)
    _apply(action, data, ACTION_FIELDS)
    _clean_action(action, data)
    old, new = changes(before, snapshot(action, ACTION_FIELDS))
    if not new:
        return action
    action.version += 1
    action.save()
    audit_record(
        actor=actor,
        action="risk.action_updated",
        target=action,
        project=risk.project,
        visibility=risk.visibility,
        before=old,
        after={"risk": risk.key, **new},
    )
    if "owner" in new and action.owner_id:
        _notify_action_owner(actor=actor, action=action)
    return action


@transaction.atomic
def action_complete(
    *, actor: Any, action: ResponseAction, done: bool, expected_version: int | None = None
) -> ResponseAction:
    """Mark an action done (or not done again); marking it as it already is changes nothing."""
    action = _locked_action(action)
    risk = action.risk
    _require(policies.can_edit_risks(actor, risk.project))
    check_version(action, expected_version)
    if (action.done_at is not None) == bool(done):
        return action
    before = snapshot(action, ["done_at"])
    action.done_at = timezone.now() if done else None
    action.version += 1
    action.save()
    audit_record(
        actor=actor,
        action="risk.action_completed" if done else "risk.action_reopened",
        target=action,
        project=risk.project,
        visibility=risk.visibility,
        before=before,
        after={"risk": risk.key, **snapshot(action, ["done_at"])},
    )
    return action


@transaction.atomic
def action_delete(
    *, actor: Any, action: ResponseAction, expected_version: int | None = None
) -> None:
    action = _locked_action(action)
    risk = action.risk
    _require(policies.can_edit_risks(actor, risk.project))
    check_version(action, expected_version)
    audit_record(
        actor=actor,
        action="risk.action_deleted",
        target=action,
        project=risk.project,
        visibility=risk.visibility,
        before={"risk": risk.key, **snapshot(action, ACTION_AUDIT_FIELDS)},
    )
    action.delete()


# Thresholds ----------------------------------------------------------------------------------


@transaction.atomic
def thresholds_update(
    *,
    actor: Any,
    project: Project,
    medium_from: int,
    high_from: int,
    critical_from: int,
    expected_version: int | None = None,
) -> RiskThresholds:
    """Set the scores where the project's medium, high and critical levels start (strictly
    increasing, from 2 to 25)."""
    _require(
        policies.can_manage_thresholds(actor, project),
        _("Only the project manager sets the risk levels."),
    )
    values = _clean_thresholds(
        {"medium_from": medium_from, "high_from": high_from, "critical_from": critical_from}
    )
    thresholds = RiskThresholds.objects.select_for_update().filter(project=project).first()
    created = thresholds is None
    if created:
        thresholds = RiskThresholds(project=project)
    else:
        check_version(thresholds, expected_version)
    before = {} if created else snapshot(thresholds, THRESHOLD_FIELDS)
    apply_fields(thresholds, values, THRESHOLD_FIELDS)
    validate_model(thresholds, exclude=["project"])
    old, new = changes(before, snapshot(thresholds, THRESHOLD_FIELDS))
    if not new:
        return thresholds
    if not created:
        thresholds.version += 1
    thresholds.save()
    project.risk_thresholds = thresholds
    audit_record(
        actor=actor,
        action="risk.thresholds_updated",
        target=thresholds,
        project=project,
        visibility=Visibility.INTERNAL,
        before=old,
        after=new,
    )
    return thresholds
