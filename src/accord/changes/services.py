"""Every write to change requests: validated, hashed, audited and notified.

The content approvers sign (see hashing.py) is recomputed on every edit; an edit that changes it
voids the live approvals. Decisions are bound to the hash the approver read. Applying an
approved request writes the new requirement versions, confirmations, baseline and status in one
transaction under the request's row lock, so it happens exactly once.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accord.changes import policies, selectors
from accord.changes.choices import (
    EDITABLE_STATES,
    ApproverSlot,
    Decision,
    ItemAction,
    Status,
    Transition,
)
from accord.changes.hashing import change_hash
from accord.changes.models import (
    ApprovalPolicy,
    ChangeApproval,
    ChangeItem,
    ChangeRequest,
    ScheduleImpact,
)
from accord.changes.workflow import DEDICATED, check_transition
from accord.core.audit import audit_record, chain_head_hash, changes, snapshot
from accord.core.choices import Visibility
from accord.core.edits import check_version, validate_model
from accord.core.exceptions import ApplicationError
from accord.core.keys import assign_number
from accord.core.signoffs import AUDIT_KEY, signoff_ref
from accord.notifications.services import notify
from accord.projects.choices import Role
from accord.projects.models import Membership, Milestone, Project
from accord.requirements.choices import (
    CriterionStyle,
    Priority,
    QualityAttribute,
    RequirementType,
    Source,
)
from accord.requirements.choices import Status as RequirementStatus
from accord.requirements.hashing import CONTENT_FIELDS
from accord.requirements.models import Requirement
from accord.risks.models import Risk

BASE_FIELDS = ("title", "type", "urgency", "reason", "background", "source_reference")
ASSESSMENT_FIELDS = ("effort_days", "cost", "cost_currency", "assessment")
EDITABLE_FIELDS = (*BASE_FIELDS, *ASSESSMENT_FIELDS)
AUDIT_FIELDS = (*EDITABLE_FIELDS, "status", "visibility")
POLICY_FIELDS = (
    "require_manager",
    "client_approvals",
    "board_approvals",
    "allow_self_approval",
    "decision_days",
)
PROPOSED_FIELDS = (*CONTENT_FIELDS, "acceptance_criteria")
_TEXT_LIMITS = {"title": 300, "source_stakeholder": 200, "source_reference": 500}
_CHOICES = {
    "type": RequirementType.values,
    "priority": Priority.values,
    "source": Source.values,
    "quality_attribute": ["", *QualityAttribute.values],
}
_CURRENCY = re.compile(r"^[A-Z]{3}$")
MAX_ITEMS = 200


def _refuse(message: str, field: str | None = None) -> None:
    raise ApplicationError(message, field=field)


def _locked(change: ChangeRequest) -> ChangeRequest:
    return (
        ChangeRequest.objects.select_for_update(of=("self",))
        .select_related("project", "requested_by")
        .get(pk=change.pk)
    )


def _members(project: Project, **filters: Any) -> list[Any]:
    memberships = Membership.objects.filter(
        project=project, user__is_active=True, **filters
    ).select_related("user")
    return [m.user for m in memberships]


def _managers(project: Project) -> list[Any]:
    return _members(project, role=Role.MANAGER)


def _client_approvers(project: Project) -> list[Any]:
    return _members(project, role=Role.CLIENT, can_approve=True)


# Validation ----------------------------------------------------------------------------------


def _line_error(n: int, message: str) -> None:
    _refuse(_("Line %(n)s of the redline: %(message)s") % {"n": n, "message": message}, "items")


def _clean_criteria(n: int, criteria: Any) -> list[dict[str, str]]:
    if not isinstance(criteria, list | tuple):
        _line_error(n, _("the acceptance criteria must be a list."))
    cleaned = []
    for index, raw in enumerate(criteria, start=1):
        if not isinstance(raw, dict):
            _line_error(n, _("acceptance criterion %(i)s is not readable.") % {"i": index})
        style = raw.get("style") or CriterionStyle.FREE
        if style == CriterionStyle.GHERKIN:
            entry = {
                "style": style,
                **{k: str(raw.get(k) or "").strip() for k in ("given", "when", "then")},
            }
            if not (entry["given"] and entry["when"] and entry["then"]):
                _line_error(
                    n,
                    _("acceptance criterion %(i)s needs all of Given, When and Then.")
                    % {"i": index},
                )
        elif style == CriterionStyle.FREE:
            entry = {"style": style, "text": str(raw.get("text") or "").strip()}
            if not entry["text"]:
                _line_error(n, _("acceptance criterion %(i)s is empty.") % {"i": index})
        else:
            _line_error(n, _("acceptance criterion %(i)s has an unknown style.") % {"i": index})
        cleaned.append(entry)
    return cleaned


def _clean_content(n: int, content: dict[str, Any]) -> dict[str, Any]:
    """Check the proposed requirement content of one line; returns it normalised."""
    cleaned: dict[str, Any] = {}
    for name in CONTENT_FIELDS:
        value = content.get(name)
        value = "" if value is None else str(value).strip()
        limit = _TEXT_LIMITS.get(name)
        if limit and len(value) > limit:
            _line_error(
                n,
                _("“%(field)s” can have at most %(limit)s characters.")
                % {"field": name, "limit": limit},
            )
        if name in _CHOICES and value not in _CHOICES[name]:
            _line_error(
                n, _("“%(value)s” is not a valid %(field)s.") % {"value": value, "field": name}
            )
        cleaned[name] = value
    if not cleaned["title"]:
        _line_error(n, _("give the requirement a title."))
    if cleaned["quality_attribute"] and cleaned["type"] != RequirementType.NON_FUNCTIONAL:
        _line_error(n, _("a quality attribute applies only to non-functional requirements."))
    cleaned["acceptance_criteria"] = _clean_criteria(n, content.get("acceptance_criteria") or [])
    return cleaned


def _clean_items(
    project: Project, raw_items: Iterable[dict[str, Any]], *, key: str, client: bool
) -> list[dict[str, Any]]:
    items = list(raw_items)
    if len(items) > MAX_ITEMS:
        _refuse(
            _("A change request can have at most %(n)s redline lines.") % {"n": MAX_ITEMS}, "items"
        )
    seen: set[int] = set()
    cleaned = []
    for n, raw in enumerate(items, start=1):
        if not isinstance(raw, dict):
            _line_error(n, _("the line is not readable."))
        action = raw.get("action")
        if action not in ItemAction.values:
            _line_error(n, _("choose whether to add, change or withdraw a requirement."))
        proposed = raw.get("proposed") or {}
        if not isinstance(proposed, dict):
            _line_error(n, _("the proposed content is not readable."))
        unknown = set(proposed) - set(PROPOSED_FIELDS)
        if unknown:
            _line_error(
                n,
                _("these fields cannot be proposed: %(fields)s")
                % {"fields": ", ".join(sorted(unknown))},
            )
        note = str(raw.get("note") or "").strip()
        if len(note) > 500:
            _line_error(n, _("keep the note under 500 characters."))
        requirement = raw.get("requirement")
        line: dict[str, Any] = {
            "action": action,
            "note": note,
            "requirement": None,
            "base_version": None,
        }
        if action == ItemAction.ADD:
            if requirement is not None:
                _line_error(n, _("a new requirement cannot name an existing one."))
            content = {
                "type": RequirementType.FUNCTIONAL,
                "priority": Priority.SHOULD,
                **proposed,
                "source": Source.CHANGE_REQUEST,
                "source_reference": key,
            }
            line["proposed"] = _clean_content(n, content)
        else:
            if not isinstance(requirement, Requirement) or requirement.project_id != project.pk:
                _line_error(n, _("choose a requirement of this project."))
            if client and requirement.visibility != Visibility.SHARED:
                _line_error(n, _("choose a requirement of this project."))
            if requirement.pk in seen:
                _line_error(
                    n,
                    _("%(key)s is already on another line.")
                    % {"key": f"{project.key}-R{requirement.number}"},
                )
            seen.add(requirement.pk)
            if requirement.status == RequirementStatus.WITHDRAWN:
                _line_error(
                    n, _("%(key)s is withdrawn.") % {"key": f"{project.key}-R{requirement.number}"}
                )
            base = requirement.current_version
            if base is None:
                _line_error(n, _("the requirement has no version yet."))
            line["requirement"] = requirement
            line["base_version"] = base
            if action == ItemAction.WITHDRAW:
                if proposed:
                    _line_error(n, _("withdrawing a requirement proposes no new content."))
                line["proposed"] = {}
            else:
                current = dict(base.content)
                merged = _clean_content(n, {**current, **proposed})
                if merged == current:
                    _line_error(
                        n,
                        _("the line on %(key)s proposes no change.")
                        % {"key": f"{project.key}-R{requirement.number}"},
                    )
                line["proposed"] = merged
        cleaned.append(line)
    return cleaned


def _clean_schedule(project: Project, raw: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    cleaned = []
    seen: set[int] = set()
    for n, entry in enumerate(raw, start=1):
        milestone = entry.get("milestone") if isinstance(entry, dict) else None
        if not isinstance(milestone, Milestone) or milestone.project_id != project.pk:
            _refuse(
                _("Schedule line %(n)s: choose a milestone of this project.") % {"n": n}, "schedule"
            )
        if milestone.pk in seen:
            _refuse(
                _("Schedule line %(n)s: that milestone is already on another line.") % {"n": n},
                "schedule",
            )
        seen.add(milestone.pk)
        try:
            shift = int(entry.get("shift_days"))
        except (TypeError, ValueError):
            shift = None
        if shift is None or not -3650 <= shift <= 3650:
            _refuse(
                _("Schedule line %(n)s: give the shift as whole days between -3650 and 3650.")
                % {"n": n},
                "schedule",
            )
        note = str(entry.get("note") or "").strip()
        if len(note) > 300:
            _refuse(
                _("Schedule line %(n)s: keep the note under 300 characters.") % {"n": n}, "schedule"
            )
        cleaned.append({"milestone": milestone, "shift_days": shift, "note": note})
    return cleaned


def _clean_risks(project: Project, risks: Iterable[Any], field: str) -> list[Risk]:
    result = []
    for risk in risks:
        if not isinstance(risk, Risk) or risk.project_id != project.pk:
            _refuse(_("Choose risks of this project."), field)
        if risk.pk not in {r.pk for r in result}:
            result.append(risk)
    return result


def _check_fields(change: ChangeRequest) -> None:
    change.title = (change.title or "").strip()
    change.reason = (change.reason or "").strip()
    if not change.title:
        _refuse(_("Give the change request a title."), "title")
    if not change.reason:
        _refuse(_("Say why the change is needed."), "reason")
    change.cost_currency = (change.cost_currency or "").strip().upper()
    if change.cost_currency and not _CURRENCY.match(change.cost_currency):
        _refuse(_("Give the currency as a three-letter code such as CNY or EUR."), "cost_currency")
    if change.cost is not None and not change.cost_currency:
        _refuse(_("Give the currency of the cost."), "cost_currency")
    validate_model(
        change,
        exclude=[
            "project",
            "number",
            "requested_by",
            "implemented_by",
            "baseline",
            "content_hash",
            "source_risks",
            "new_risks",
        ],
    )


def _check_client_input(
    fields: dict[str, Any], *, schedule: Any, new_risks: Any, source_risks: Any
) -> None:
    for name in ASSESSMENT_FIELDS:
        if name in fields and fields[name] not in (None, ""):
            _refuse(_("Only the project team assesses effort, cost and impact."), name)
    if schedule:
        _refuse(_("Only the project team assesses effort, cost and impact."), "schedule")
    if new_risks:
        _refuse(_("Only the project team assesses effort, cost and impact."), "new_risks")
    if source_risks:
        _refuse(_("Only the project team links risks."), "source_risks")


def _apply_data(change: ChangeRequest, data: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        _refuse(
            _("These fields cannot be changed here: %(fields)s") % {"fields": ", ".join(unknown)},
            unknown[0],
        )
    for name, value in data.items():
        if name in ("effort_days", "cost") and value in ("", None):
            value = None
        elif name in ("effort_days", "cost") and not isinstance(value, Decimal):
            try:
                value = Decimal(str(value))
            except ArithmeticError:
                _refuse(_("Enter a number."), name)
        elif value is None:
            value = ""
        setattr(change, name, value)


# Writing the parts ---------------------------------------------------------------------------


def _write_items(change: ChangeRequest, items: list[dict[str, Any]]) -> None:
    change.items.all().delete()
    ChangeItem.objects.bulk_create(
        ChangeItem(
            change_request=change,
            position=position,
            action=line["action"],
            requirement=line["requirement"],
            base_version=line["base_version"],
            proposed=line["proposed"],
            note=line["note"],
        )
        for position, line in enumerate(items, start=1)
    )


def _write_schedule(change: ChangeRequest, schedule: list[dict[str, Any]]) -> None:
    change.schedule_impacts.all().delete()
    ScheduleImpact.objects.bulk_create(
        ScheduleImpact(change_request=change, **entry) for entry in schedule
    )


def _summary(change: ChangeRequest) -> dict[str, Any]:
    return {
        "items": change.items.count(),
        "schedule": sorted(
            [m, s]
            for m, s in change.schedule_impacts.values_list("milestone__number", "shift_days")
        ),
        "new_risks": sorted(change.new_risks.values_list("number", flat=True)),
        "source_risks": sorted(change.source_risks.values_list("number", flat=True)),
    }


# Creating and editing ------------------------------------------------------------------------


@transaction.atomic
def change_create(
    *,
    actor: Any,
    project: Project,
    items: list[dict[str, Any]] | None = None,
    schedule: list[dict[str, Any]] | None = None,
    source_risks: list[Risk] | None = None,
    new_risks: list[Risk] | None = None,
    **fields: Any,
) -> ChangeRequest:
    """Raise a change request (a draft). A client's request is shared from the start; the
    team's stays internal until it is submitted."""
    if not policies.can_raise(actor, project):
        _refuse(_("You are not allowed to raise change requests in this project."), "project")
    client = policies.is_client(actor, project)
    if client:
        _check_client_input(
            fields, schedule=schedule, new_risks=new_risks, source_risks=source_risks
        )
    change = ChangeRequest(
        project=project,
        requested_by=actor,
        visibility=Visibility.SHARED if client else Visibility.INTERNAL,
    )
    _apply_data(change, fields, BASE_FIELDS if client else EDITABLE_FIELDS)
    _check_fields(change)
    assign_number(change)
    key = f"{project.key}-CR{change.number}"
    cleaned_items = _clean_items(project, items or [], key=key, client=client)
    cleaned_schedule = _clean_schedule(project, schedule or [])
    cleaned_new = _clean_risks(project, new_risks or [], "new_risks")
    cleaned_source = _clean_risks(project, source_risks or [], "source_risks")
    change.save()
    _write_items(change, cleaned_items)
    _write_schedule(change, cleaned_schedule)
    change.new_risks.set(cleaned_new)
    change.source_risks.set(cleaned_source)
    change.content_hash = change_hash(change)
    change.save(update_fields=["content_hash"])
    after = snapshot(change, AUDIT_FIELDS)
    after.update(_summary(change), content_hash=change.content_hash, revision=change.revision)
    audit_record(actor=actor, action="change.created", target=change, after=after)
    if client:
        notify(
            recipients=_managers(project),
            kind="change.created",
            project=project,
            actor=actor,
            url=change.get_absolute_url(),
            title=lambda: _("%(key)s: the client raised a change request") % {"key": key},
            body=change.title,
        )
    return change


def _void_live_approvals(
    change: ChangeRequest, *, actor: Any, old_revision: int, reason: str = ""
) -> list[ChangeApproval]:
    live = list(change.approvals.filter(voided_at__isnull=True).select_related("approver"))
    if not live:
        return []
    reason = reason or _(
        "Voided: the request was edited after this decision (revision %(old)s → %(new)s)."
    ) % {"old": old_revision, "new": change.revision}
    now = timezone.now()
    ChangeApproval.objects.filter(pk__in=[a.pk for a in live]).update(
        voided_at=now, void_reason=reason[:300]
    )
    key = change.key
    notify(
        recipients=[a.approver for a in live if a.approver],
        kind="change.approval_voided",
        project=change.project,
        actor=actor,
        url=change.get_absolute_url(),
        title=lambda: (
            _("Your decision on %(key)s no longer counts; please decide again") % {"key": key}
        ),
        body=reason,
    )
    return live


@transaction.atomic
def change_update(
    *,
    actor: Any,
    change: ChangeRequest,
    data: dict[str, Any],
    items: list[dict[str, Any]] | None = None,
    schedule: list[dict[str, Any]] | None = None,
    source_risks: list[Risk] | None = None,
    new_risks: list[Risk] | None = None,
    expected_version: int | None = None,
) -> ChangeRequest:
    """Edit the content (and, for the team, the assessment). None leaves a part as it is. A
    change of the content hash is a new revision and voids the live approvals."""
    change = _locked(change)
    project = change.project
    if not policies.can_view(actor, change):
        _refuse(_("You are not allowed to edit this change request."), "change")
    check_version(change, expected_version)
    if change.status not in EDITABLE_STATES:
        _refuse(
            _("A change request that is “%(status)s” can no longer be edited.")
            % {"status": Status(change.status).label},
            "status",
        )
    if not policies.can_edit(actor, change):
        _refuse(_("You are not allowed to edit this change request."), "change")
    client = policies.is_client(actor, project)
    if client:
        _check_client_input(data, schedule=schedule, new_risks=new_risks, source_risks=source_risks)
    before = snapshot(change, AUDIT_FIELDS)
    before_parts = _summary(change)
    old_hash, old_revision = change.content_hash, change.revision
    awaiting_client = (
        selectors.hidden_from_client(change)
        if change.status == Status.AWAITING_APPROVAL and (items is not None or schedule is not None)
        else None
    )
    _apply_data(change, data, BASE_FIELDS if client else EDITABLE_FIELDS)
    _check_fields(change)
    cleaned_items = (
        _clean_items(project, items, key=change.key, client=client) if items is not None else None
    )
    cleaned_schedule = _clean_schedule(project, schedule) if schedule is not None else None
    cleaned_new = _clean_risks(project, new_risks, "new_risks") if new_risks is not None else None
    cleaned_source = (
        _clean_risks(project, source_risks, "source_risks") if source_risks is not None else None
    )
    if cleaned_items is not None:
        _write_items(change, cleaned_items)
    if cleaned_schedule is not None:
        _write_schedule(change, cleaned_schedule)
    if cleaned_new is not None:
        change.new_risks.set(cleaned_new)
    if cleaned_source is not None:
        change.source_risks.set(cleaned_source)
    if awaiting_client is not None:
        # The client's approvers are asked already: the edit may not hide more from them.
        _check_client_sees_all(change, selectors.policy_for(project), before=awaiting_client)
    new_hash = change_hash(change)
    old, new = changes(before, snapshot(change, AUDIT_FIELDS))
    after_parts = _summary(change)
    for name in after_parts:
        if after_parts[name] != before_parts[name] or (
            name == "items" and cleaned_items is not None and new_hash != old_hash
        ):
            old[name], new[name] = before_parts[name], after_parts[name]
    voided: list[ChangeApproval] = []
    if new_hash != old_hash:
        change.content_hash = new_hash
        change.revision += 1
        old.update(content_hash=old_hash, revision=old_revision)
        new.update(content_hash=new_hash, revision=change.revision)
        voided = _void_live_approvals(change, actor=actor, old_revision=old_revision)
        if voided:
            new["voided_approvals"] = len(voided)
    if not new:
        return change
    change.version += 1
    change.save()
    audit_record(actor=actor, action="change.updated", target=change, before=old, after=new)
    return change


# Workflow ------------------------------------------------------------------------------------


def _notify_approval_requested(change: ChangeRequest, policy: ApprovalPolicy, actor: Any) -> None:
    key = change.key
    path = change.get_absolute_url()
    notify(
        recipients=selectors.waiting_approvers(change, policy),
        kind="change.approval_requested",
        project=change.project,
        actor=actor,
        url=path,
        title=lambda: _("%(key)s awaits your approval") % {"key": key},
        body=change.title,
        email_template="changes/email/approval_requested",
        email_context={"change": change, "path": path, "due": change.approval_due},
    )


def _check_policy_reachable(change: ChangeRequest, policy: ApprovalPolicy) -> None:
    """Refuse to ask for approval when the project lacks people the policy needs."""
    project = change.project
    requester = None if policy.allow_self_approval else change.requested_by_id
    for slot, needed, _given in selectors.pending_slots(change, policy, []):
        if slot == ApproverSlot.MANAGER:
            people = {u.pk for u in _managers(project)}
        elif slot == ApproverSlot.CLIENT:
            people = {u.pk for u in _client_approvers(project)}
        else:
            members = set(
                Membership.objects.filter(project=project, user__is_active=True).values_list(
                    "user_id", flat=True
                )
            )
            people = selectors.board_ids(policy) & members
        people.discard(requester)
        if len(people) < needed:
            _refuse(
                _(
                    "The approval policy needs %(needed)s decision(s) as “%(slot)s”, but only "
                    "%(count)s person(s) in this project can give one. Change the policy or "
                    "the members first."
                )
                % {"needed": needed, "slot": ApproverSlot(slot).label, "count": len(people)},
                "transition",
            )


def _check_client_sees_all(
    change: ChangeRequest, policy: ApprovalPolicy, *, before: dict[str, list[str]] | None = None
) -> None:
    """Refuse to put a request before client approvers while part of the content they would
    sign is hidden from them (they would see a placeholder and a count); the message names
    those parts for the team, who shares or removes them first. With `before` (an edit of a
    request they are asked already), only parts the edit newly hides are refused, so an edit
    that shares or removes them goes through."""
    if not policy.client_approvals:
        return
    hidden = selectors.hidden_from_client(change)
    if before is not None:
        hidden = {
            field: new
            for field, names in hidden.items()
            if (new := [name for name in names if name not in before.get(field, [])])
        }
    if not hidden:
        return
    parts = ", ".join(name for names in hidden.values() for name in names)
    _refuse(
        _(
            "The client's approvers cannot see all of this request, so they cannot be asked to "
            "approve it. Share these with the client or remove them from the request first: "
            "%(parts)s."
        )
        % {"parts": parts},
        next(iter(hidden)),
    )


@transaction.atomic
def change_transition(
    *,
    actor: Any,
    change: ChangeRequest,
    transition: str,
    comment: str = "",
    expected_version: int | None = None,
) -> ChangeRequest:
    """Any workflow step but applying (change_apply) and the decisions (change_decide)."""
    if transition in DEDICATED:
        _refuse(_("Apply the change from its own page."), "transition")
    change = _locked(change)
    if not policies.can_view(actor, change):
        _refuse(_("You are not allowed to take this step."), "transition")
    check_version(change, expected_version)
    new_status = check_transition(actor, change, transition)
    comment = (comment or "").strip()
    before = {"status": change.status, "visibility": change.visibility}
    now = timezone.now()
    policy = selectors.policy_for(change.project)
    voided: list[ChangeApproval] = []
    if transition == Transition.SUBMIT:
        change.submitted_at = now
        change.visibility = Visibility.SHARED
    elif transition == Transition.REQUEST_APPROVAL:
        _check_policy_reachable(change, policy)
        _check_client_sees_all(change, policy)
        change.approval_requested_at = now
        change.approval_due = timezone.localdate(now) + dt.timedelta(days=policy.decision_days)
        change.reminded_at = None
    elif transition in (Transition.BACK_TO_ASSESSMENT, Transition.DEFER):
        change.approval_due = None
        # A new round of approval starts from nobody: decisions of this round no longer count.
        voided = _void_live_approvals(
            change,
            actor=actor,
            old_revision=change.revision,
            reason=_("Voided: the request went back to assessment before a decision."),
        )
    elif transition == Transition.CLOSE:
        change.closed_at = now
    change.status = new_status
    change.version += 1
    change.save()
    after = {"status": change.status, "visibility": change.visibility}
    if comment:
        after["comment"] = comment
    if change.approval_due and transition == Transition.REQUEST_APPROVAL:
        after["approval_due"] = change.approval_due.isoformat()
    if voided:
        after["voided_approvals"] = len(voided)
    audit_record(
        actor=actor, action=f"change.{transition}", target=change, before=before, after=after
    )
    key = change.key
    if transition == Transition.SUBMIT:
        notify(
            recipients=_managers(change.project),
            kind="change.submitted",
            project=change.project,
            actor=actor,
            url=change.get_absolute_url(),
            title=lambda: _("%(key)s was submitted for assessment") % {"key": key},
            body=change.title,
        )
    elif transition == Transition.REQUEST_APPROVAL:
        _notify_approval_requested(change, policy, actor)
    elif transition == Transition.WITHDRAW and change.visibility == Visibility.SHARED:
        notify(
            recipients=[*_managers(change.project), change.requested_by],
            kind="change.withdrawn",
            project=change.project,
            actor=actor,
            url=change.get_absolute_url(),
            title=lambda: _("%(key)s was withdrawn") % {"key": key},
            body=comment,
        )
    return change


# Decisions -----------------------------------------------------------------------------------


def _outcome(change: ChangeRequest, policy: ApprovalPolicy) -> str | None:
    approvals = selectors.live_approvals(change)
    if any(a.decision == Decision.REJECTED for a in approvals):
        return Status.REJECTED
    if all(
        given >= needed
        for _slot, needed, given in selectors.pending_slots(change, policy, approvals)
    ):
        return Status.APPROVED
    return None


def _notify_outcome(change: ChangeRequest, actor: Any, outcome: str, comment: str) -> None:
    key = change.key
    path = change.get_absolute_url()
    recipients = [
        *_managers(change.project),
        change.requested_by,
        *_client_approvers(change.project),
    ]
    if outcome == Status.APPROVED:
        title = lambda: _("%(key)s was approved") % {"key": key}  # noqa: E731
    else:
        title = lambda: _("%(key)s was rejected") % {"key": key}  # noqa: E731
    notify(
        recipients=recipients,
        kind=f"change.{outcome}",
        project=change.project,
        actor=actor,
        url=path,
        title=title,
        body=comment,
        email_template="changes/email/decided",
        email_context={
            "change": change,
            "path": path,
            "outcome": outcome,
            "comment": comment,
            # The chain head after this decision, for the e-mail's outside anchor.
            "audit_head": chain_head_hash(change.project_id),
        },
    )


@transaction.atomic
def change_decide(
    *,
    actor: Any,
    change: ChangeRequest,
    decision: str,
    comment: str = "",
    expected_hash: str,
) -> ChangeApproval:
    """Approve or reject the request as it stands (`expected_hash`: the hash the approver
    read). Under the request's row lock: record the decision, then move the request to
    rejected (any live rejection) or approved (every part of the policy satisfied)."""
    change = _locked(change)
    if not policies.can_view(actor, change):
        _refuse(
            _("You have no authority to approve or reject change requests in this project."),
            "decision",
        )
    if decision not in Decision.values:
        _refuse(_("Choose to approve or to reject."), "decision")
    comment = (comment or "").strip()
    policy = selectors.policy_for(change.project)
    slot = selectors.decision_slot(actor, change, policy)
    if not expected_hash or expected_hash != change.content_hash:
        _refuse(
            _(
                "%(key)s changed since you opened it (it is now revision %(revision)s). Read it "
                "again, then decide."
            )
            % {"key": change.key, "revision": change.revision},
            "expected_hash",
        )
    if decision == Decision.REJECTED and not comment:
        _refuse(_("Say why you reject the change: a comment is required."), "comment")
    if decision == Decision.APPROVED and slot == ApproverSlot.CLIENT:
        # A safety net for what happened after approval was requested (a requirement of the
        # redline back in draft, a policy that now asks the client): the hash covers it all.
        # Only a count: the hidden parts' keys are not the client's to read.
        hidden = selectors.hidden_from_client(change)
        if hidden:
            count = sum(len(names) for names in hidden.values())
            _refuse(
                ngettext(
                    "%(count)s part of this request is not shared with you, so you cannot "
                    "approve it yet. Ask the project manager to share or remove it.",
                    "%(count)s parts of this request are not shared with you, so you cannot "
                    "approve it yet. Ask the project manager to share or remove them.",
                    count,
                )
                % {"count": count},
                "decision",
            )
    try:
        with transaction.atomic():
            approval = ChangeApproval.objects.create(
                change_request=change,
                approver=actor,
                slot=slot,
                decision=decision,
                comment=comment,
                content_hash=change.content_hash,
                revision=change.revision,
                decided_at=timezone.now(),
            )
            approval.seal()
    except IntegrityError:
        _refuse(_("You have already decided on this revision of the change request."), "decision")
    audit_record(
        actor=actor,
        action="change.approved_by" if decision == Decision.APPROVED else "change.rejected_by",
        target=change,
        after={
            "decision": decision,
            "slot": slot,
            "content_hash": change.content_hash,
            "revision": change.revision,
            **({"comment": comment} if comment else {}),
            AUDIT_KEY: signoff_ref(approval),
        },
    )
    outcome = _outcome(change, policy)
    key = change.key
    if outcome is None:
        notify(
            recipients=[*_managers(change.project), change.requested_by],
            kind=f"change.{'approved_by' if decision == Decision.APPROVED else 'rejected_by'}",
            project=change.project,
            actor=actor,
            url=change.get_absolute_url(),
            title=lambda: _("%(key)s: a decision was recorded") % {"key": key},
            body=comment,
        )
        return approval
    before = {"status": change.status}
    change.status = outcome
    change.decided_at = approval.decided_at
    change.approval_due = None
    change.version += 1
    change.save()
    audit_record(
        actor=actor,
        action=f"change.{outcome}",
        target=change,
        before=before,
        after={"status": change.status, "content_hash": change.content_hash},
    )
    _notify_outcome(change, actor, outcome, comment)
    return approval


# Applying ------------------------------------------------------------------------------------


def _confirming_user(change: ChangeRequest, actor: Any) -> Any:
    """Who the confirmations name: the client approver whose approval counted, else the
    project manager who approved, else the person applying."""
    approvals = [a for a in selectors.live_approvals(change) if a.decision == Decision.APPROVED]
    for slot in (ApproverSlot.CLIENT, ApproverSlot.MANAGER):
        for approval in approvals:
            if approval.slot == slot and approval.approver is not None:
                return approval.approver
    return actor


def _create_tasks(change: ChangeRequest, actor: Any, items: list[ChangeItem]) -> int:
    from accord.delivery import services as delivery_services

    created = 0
    for item in items:
        if item.action == ItemAction.WITHDRAW or item.result_requirement is None:
            continue
        requirement = item.result_requirement
        delivery_services.task_create(
            actor=actor,
            project=change.project,
            requirements=[requirement],
            change_requests=[change],
            title=(
                _("%(change)s: %(key)s %(title)s")
                % {"change": change.key, "key": requirement.key, "title": requirement.title}
            )[:300],
        )
        created += 1
    return created


@transaction.atomic
def change_apply(
    *,
    actor: Any,
    change: ChangeRequest,
    record_baseline: bool = True,
    baseline_name: str = "",
    create_tasks: bool = False,
    expected_version: int | None = None,
) -> ChangeRequest:
    """Apply an approved request exactly once: new requirement versions confirmed by the
    change, new and withdrawn requirements, optionally a baseline, status implemented."""
    from accord.requirements import services as requirement_services

    change = _locked(change)
    if not policies.can_view(actor, change) or not policies.can_manage(actor, change.project):
        _refuse(_("Only the project manager can apply a change request."), "status")
    check_version(change, expected_version)
    if change.status not in (Status.APPROVED, Status.IN_IMPLEMENTATION):
        _refuse(
            _("Only an approved change request can be applied; %(key)s is “%(status)s”.")
            % {"key": change.key, "status": Status(change.status).label},
            "status",
        )
    items = list(
        change.items.select_related("requirement__project", "base_version").order_by("position")
    )
    # Every line's requirement must still be where the line was written.
    requirement_ids = [i.requirement_id for i in items if i.requirement_id]
    current = {
        r.pk: r
        for r in Requirement.objects.select_for_update(of=("self",))
        .filter(pk__in=requirement_ids)
        .order_by("pk")
    }
    for item in items:
        if not item.requirement_id:
            continue
        requirement = current[item.requirement_id]
        if requirement.current_version_id != item.base_version_id:
            _refuse(
                _(
                    "%(key)s changed since the change request was written (line %(n)s); the "
                    "redline must be brought up to date and approved again."
                )
                % {"key": item.requirement.key, "n": item.position},
                "items",
            )
        if requirement.status == RequirementStatus.WITHDRAWN:
            _refuse(
                _("%(key)s was withdrawn since the change request was written (line %(n)s).")
                % {"key": item.requirement.key, "n": item.position},
                "items",
            )
    confirmer = _confirming_user(change, actor)
    for item in items:
        version = requirement_services.requirement_apply_change(
            actor=actor, change_request=change, item=item, confirmed_by=confirmer
        )
        item.result_version = version
        item.result_requirement = version.requirement if version else item.requirement
        item.save(update_fields=["result_version", "result_requirement"])
    before = {"status": change.status}
    if record_baseline:
        name = (baseline_name or "").strip() or _("After %(key)s") % {"key": change.key}
        change.baseline = requirement_services.baseline_create(
            actor=actor,
            project=change.project,
            name=name[:200],
            description=_("Recorded when %(key)s was applied.") % {"key": change.key},
        )
    tasks = _create_tasks(change, actor, items) if create_tasks else 0
    change.status = Status.IMPLEMENTED
    change.implemented_at = timezone.now()
    change.implemented_by = actor
    change.version += 1
    change.save()
    after = {
        "status": change.status,
        "items": len(items),
        "content_hash": change.content_hash,
        "requirements": [i.result_requirement.key for i in items if i.result_requirement],
    }
    if change.baseline:
        after["baseline"] = change.baseline.key
    if tasks:
        after["tasks"] = tasks
    audit_record(actor=actor, action="change.applied", target=change, before=before, after=after)
    key = change.key
    notify(
        recipients=[
            *_managers(change.project),
            change.requested_by,
            *_client_approvers(change.project),
        ],
        kind="change.applied",
        project=change.project,
        actor=actor,
        url=change.get_absolute_url(),
        title=lambda: _("%(key)s was applied to the requirements") % {"key": key},
        body=change.title,
    )
    return change


# The approval policy -------------------------------------------------------------------------


@transaction.atomic
def policy_update(
    *,
    actor: Any,
    project: Project,
    data: dict[str, Any],
    board: list[Any] | None = None,
    expected_version: int | None = None,
) -> ApprovalPolicy:
    """Set who must approve the project's change requests (created on first save)."""
    if not policies.can_manage(actor, project):
        _refuse(_("Only the project manager sets the approval policy."), "policy")
    policy = ApprovalPolicy.objects.select_for_update().filter(project=project).first()
    created = policy is None
    if policy is None:
        policy = ApprovalPolicy(project=project)
    else:
        check_version(policy, expected_version)
    before = {} if created else snapshot(policy, POLICY_FIELDS)
    old_board = sorted(selectors.board_ids(policy))
    unknown = sorted(set(data) - set(POLICY_FIELDS))
    if unknown:
        _refuse(
            _("These fields cannot be changed here: %(fields)s") % {"fields": ", ".join(unknown)},
            unknown[0],
        )
    for name, value in data.items():
        setattr(policy, name, value)
    validate_model(policy, exclude=["project", "board"])
    board_users = old_board if board is None else None
    if board is not None:
        members = set(Membership.objects.filter(project=project).values_list("user_id", flat=True))
        if any(getattr(user, "pk", None) not in members for user in board):
            _refuse(_("Choose change board members among the project's members."), "board")
        board_users = sorted({user.pk for user in board})
    if policy.board_approvals > len(board_users):
        _refuse(
            _("The policy asks for %(n)s board approvals but the board has %(m)s member(s).")
            % {"n": policy.board_approvals, "m": len(board_users)},
            "board_approvals",
        )
    if not (policy.require_manager or policy.client_approvals or policy.board_approvals):
        _refuse(
            _("Someone must approve change requests: choose at least one approver."),
            "require_manager",
        )
    after = snapshot(policy, POLICY_FIELDS)
    old, new = changes(before, after)
    if board_users != old_board:
        old["board"], new["board"] = old_board, board_users
    if not new and not created:
        return policy
    if not created:
        policy.version += 1
    policy.save()
    if board is not None:
        policy.board.set(board_users)
        policy._board_ids = set(board_users)
    audit_record(
        actor=actor,
        action="change.policy_updated",
        target=policy,
        project=project,
        before=old,
        after=new,
    )
    return policy


# Reminders -----------------------------------------------------------------------------------


def send_approval_reminders(now: dt.datetime | None = None) -> int:
    """Remind the approvers who have not decided on requests past their decision date, at most
    once a day per request; returns how many requests were reminded about."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    due = ChangeRequest.objects.filter(
        status=Status.AWAITING_APPROVAL, approval_due__lt=today
    ).filter(Q(reminded_at__isnull=True) | Q(reminded_at__lte=now - dt.timedelta(days=1)))
    count = 0
    for pk in due.values_list("pk", flat=True).order_by("pk"):
        if _remind_one(pk, now, today):
            count += 1
    return count


@transaction.atomic
def _remind_one(pk: int, now: dt.datetime, today: dt.date) -> bool:
    change = (
        ChangeRequest.objects.select_for_update(of=("self",))
        .select_related("project", "requested_by")
        .filter(pk=pk)
        .first()
    )
    if (
        change is None
        or change.status != Status.AWAITING_APPROVAL
        or change.approval_due is None
        or change.approval_due >= today
        or (change.reminded_at is not None and change.reminded_at > now - dt.timedelta(days=1))
    ):
        return False
    policy = selectors.policy_for(change.project)
    people = selectors.waiting_approvers(change, policy)
    change.reminded_at = now
    change.save(update_fields=["reminded_at"])
    if not people:
        return False
    key = change.key
    path = change.get_absolute_url()
    days = (today - change.approval_due).days
    notify(
        recipients=people,
        kind="change.reminder",
        project=change.project,
        actor=None,
        url=path,
        title=lambda: (
            _("Reminder: %(key)s has waited for your decision since %(due)s")
            % {"key": key, "due": change.approval_due.isoformat()}
        ),
        body=change.title,
        email_template="changes/email/reminder",
        email_context={"change": change, "path": path, "due": change.approval_due, "days": days},
    )
    return True
