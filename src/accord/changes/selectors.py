"""Reads of change requests through the visibility rules, and the approval arithmetic.

Clients see only shared requests of their projects (a team draft stays internal until it is
submitted). Unknown requests and requests a user may not see are the same 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from accord.changes.choices import ApproverSlot, Decision, Status
from accord.changes.models import ApprovalPolicy, ChangeApproval, ChangeRequest
from accord.core.choices import Visibility
from accord.core.exceptions import ApplicationError
from accord.projects import policies
from accord.projects.choices import Role
from accord.projects.models import Project


def change_list(user: Any, project: Project) -> QuerySet[ChangeRequest]:
    """The project's change requests the user may see, newest first, with their requester."""
    return (
        ChangeRequest.objects.visible_in(project, user)
        .select_related("project", "requested_by")
        .order_by("-number")
    )


def change_for(user: Any, project: Project, number: int) -> ChangeRequest:
    change = (
        change_list(user, project)
        .select_related("implemented_by", "baseline")
        .filter(number=number)
        .first()
    )
    if change is None:
        raise Http404
    return change


def policy_for(project: Project) -> ApprovalPolicy:
    """The project's approval policy, or the defaults (unsaved) when it has none."""
    policy = ApprovalPolicy.objects.filter(project=project).first()
    return policy or ApprovalPolicy(project=project)


def board_ids(policy: ApprovalPolicy) -> set[int]:
    if policy.pk is None:
        return set()
    cached = getattr(policy, "_board_ids", None)
    if cached is None:
        cached = set(policy.board.values_list("pk", flat=True))
        policy._board_ids = cached
    return cached


def live_approvals(change: ChangeRequest) -> list[ChangeApproval]:
    return list(
        change.approvals.filter(voided_at__isnull=True).select_related("approver").order_by("id")
    )


def approval_list(change: ChangeRequest) -> QuerySet[ChangeApproval]:
    """Every decision on the request, voided ones included (the history shows them struck)."""
    return change.approvals.select_related("approver").order_by("decided_at", "id")


def _needed(policy: ApprovalPolicy) -> list[tuple[str, int]]:
    slots = []
    if policy.require_manager:
        slots.append((ApproverSlot.MANAGER, 1))
    if policy.client_approvals:
        slots.append((ApproverSlot.CLIENT, policy.client_approvals))
    if policy.board_approvals:
        slots.append((ApproverSlot.BOARD, policy.board_approvals))
    return slots


def pending_slots(
    change: ChangeRequest, policy: ApprovalPolicy, approvals: list[ChangeApproval] | None = None
) -> list[tuple[str, int, int]]:
    """(slot, needed, given) for each part of the policy; given counts live approvals."""
    if approvals is None:
        approvals = live_approvals(change)
    given: dict[str, int] = {}
    for approval in approvals:
        if approval.voided_at is None and approval.decision == Decision.APPROVED:
            given[approval.slot] = given.get(approval.slot, 0) + 1
    return [(slot, needed, given.get(slot, 0)) for slot, needed in _needed(policy)]


def slots_of(user: Any, project: Project, policy: ApprovalPolicy) -> list[str]:
    """The parts of the policy this person has authority for, in policy order."""
    slots = []
    role = policies.role_in(user, project)
    if policy.require_manager and role == Role.MANAGER:
        slots.append(ApproverSlot.MANAGER)
    if policy.client_approvals and policies.can_approve_for_client(user, project):
        slots.append(ApproverSlot.CLIENT)
    if policy.board_approvals and user.pk in board_ids(policy) and role is not None:
        slots.append(ApproverSlot.BOARD)
    return slots


def decision_slot(
    user: Any,
    change: ChangeRequest,
    policy: ApprovalPolicy,
    approvals: list[ChangeApproval] | None = None,
) -> str:
    """The slot `user`'s decision would count toward now; refuses (field "decision") when the
    request does not wait for a decision, the user has no authority, already decided, may not
    approve their own request, or their part of the policy is already complete."""
    if change.status != Status.AWAITING_APPROVAL:
        raise ApplicationError(
            _("Only a change request awaiting approval can be approved or rejected."),
            field="decision",
        )
    mine = slots_of(user, change.project, policy)
    if not mine:
        raise ApplicationError(
            _("You have no authority to approve or reject change requests in this project."),
            field="decision",
        )
    if not policy.allow_self_approval and change.requested_by_id == user.pk:
        raise ApplicationError(
            _(
                "The approval policy of this project does not let you approve or reject a "
                "change request you raised yourself."
            ),
            field="decision",
        )
    if approvals is None:
        approvals = live_approvals(change)
    if any(a.approver_id == user.pk for a in approvals):
        raise ApplicationError(
            _("You have already decided on this revision of the change request."),
            field="decision",
        )
    open_slots = {
        slot for slot, needed, given in pending_slots(change, policy, approvals) if given < needed
    }
    for slot in mine:
        if slot in open_slots:
            return slot
    raise ApplicationError(
        _("Enough approvers of your side have approved already; no decision of yours is needed."),
        field="decision",
    )


def decision_options(user: Any, change: ChangeRequest) -> str | None:
    """The slot as which `user` may decide on the request now, or None."""
    try:
        return decision_slot(user, change, policy_for(change.project))
    except ApplicationError:
        return None


def hidden_from_client(change: ChangeRequest) -> dict[str, list[str]]:
    """The lines of the request a client cannot see, by field: redline lines on requirements
    that are not shared ("items", named by position and key) and schedule lines on internal
    milestones ("schedule", by key). A client approver signs the content hash over them, so
    none may be asked to, or may, approve while this is not empty. New risks are the team's
    assessment, not content the client agrees to: an internal one shows clients as a count."""
    key = change.project.key
    hidden: dict[str, list[str]] = {}
    items = (
        change.items.exclude(requirement=None)
        .exclude(requirement__visibility=Visibility.SHARED)
        .order_by("position")
        .values_list("position", "requirement__number")
    )
    lines = [
        _("line %(n)s (%(key)s)") % {"n": position, "key": f"{key}-R{number}"}
        for position, number in items
    ]
    if lines:
        hidden["items"] = lines
    milestones = (
        change.schedule_impacts.exclude(milestone__visibility=Visibility.SHARED)
        .order_by("milestone__number")
        .values_list("milestone__number", flat=True)
    )
    if milestones:
        hidden["schedule"] = [f"{key}-M{number}" for number in milestones]
    return hidden


def waiting_approvers(change: ChangeRequest, policy: ApprovalPolicy) -> list[Any]:
    """Active people who could still decide and have not: for notifications and reminders."""
    from accord.projects.models import Membership

    approvals = live_approvals(change)
    decided = {a.approver_id for a in approvals}
    open_slots = {
        s for s, needed, given in pending_slots(change, policy, approvals) if given < needed
    }
    people: dict[int, Any] = {}
    memberships = Membership.objects.filter(
        project=change.project, user__is_active=True
    ).select_related("user")
    board = board_ids(policy)
    for membership in memberships:
        user = membership.user
        if user.pk in decided:
            continue
        if not policy.allow_self_approval and change.requested_by_id == user.pk:
            continue
        if (
            (ApproverSlot.MANAGER in open_slots and membership.role == Role.MANAGER)
            or (
                ApproverSlot.CLIENT in open_slots
                and membership.role == Role.CLIENT
                and membership.can_approve
            )
            or (ApproverSlot.BOARD in open_slots and user.pk in board)
        ):
            people[user.pk] = user
    return list(people.values())
