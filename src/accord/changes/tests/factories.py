"""Change requests for tests, made through the services so every hash, approval and audit
record is real."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from accord.changes import selectors, services
from accord.changes.choices import Decision, Status, Transition
from accord.changes.models import ApprovalPolicy, ChangeRequest
from accord.projects.choices import Role
from accord.projects.models import Membership
from accord.requirements.choices import Status as RequirementStatus
from accord.requirements.tests.factories import make_requirement


def _member(project: Any, role: str, **extra: Any) -> Any:
    membership = (
        Membership.objects.filter(project=project, role=role, **extra)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if membership is None:
        raise LookupError(f"{project.key} has no {role} member for the test change request")
    return membership.user


def confirmed_requirement(project: Any, **fields: Any):
    return make_requirement(project, status=RequirementStatus.CONFIRMED, **fields)


def modify_line(requirement: Any, **proposed: Any) -> dict[str, Any]:
    proposed.setdefault("description", requirement.description + " Also as CSV.")
    return {"action": "modify", "requirement": requirement, "proposed": proposed, "note": ""}


@contextmanager
def client_asked_later(project: Any) -> Iterator[None]:
    """Approval requested while the project's policy asks no client approver, who is added
    right after: the one way a request with lines hidden from the client can await approval
    (the client's approvers may read it but not approve it). For tests of what clients read
    of such a request."""
    pm = _member(project, Role.MANAGER)
    policy = selectors.policy_for(project)
    fields = {name: getattr(policy, name) for name in services.POLICY_FIELDS}
    services.policy_update(
        actor=pm, project=project, data={**fields, "client_approvals": 0, "require_manager": True}
    )
    yield
    if policy.pk is None:
        # The project kept the default policy: back to it (no row), as the tests expect.
        ApprovalPolicy.objects.filter(project=project).delete()
    else:
        services.policy_update(actor=pm, project=project, data=fields)


_PATH = {
    Status.DRAFT: [],
    Status.SUBMITTED: [Transition.SUBMIT],
    Status.UNDER_ASSESSMENT: [Transition.SUBMIT, Transition.START_ASSESSMENT],
    Status.AWAITING_APPROVAL: [
        Transition.SUBMIT,
        Transition.START_ASSESSMENT,
        Transition.REQUEST_APPROVAL,
    ],
    Status.DEFERRED: [Transition.SUBMIT, Transition.START_ASSESSMENT, Transition.DEFER],
    Status.WITHDRAWN: [Transition.WITHDRAW],
}


def make_change(
    project: Any,
    *,
    status: str = Status.DRAFT,
    actor: Any = None,
    items: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> ChangeRequest:
    """A change request in `status`, raised by `actor` (default: the project's team member,
    so that the manager may approve it under the default policy)."""
    actor = actor or _member(project, Role.MEMBER)
    pm = _member(project, Role.MANAGER)
    fields.setdefault("title", "Monthly report also as CSV")
    fields.setdefault("reason", "Finance imports the figures into their own tools.")
    if items is None:
        items = [modify_line(confirmed_requirement(project))]
    change = services.change_create(actor=actor, project=project, items=items, **fields)
    path = _PATH.get(status)
    if path is None:
        path = _PATH[Status.AWAITING_APPROVAL]
    for step in path:
        change.refresh_from_db()
        if step == Transition.REQUEST_APPROVAL and selectors.hidden_from_client(change):
            with client_asked_later(project):
                services.change_transition(actor=pm, change=change, transition=step)
            continue
        services.change_transition(actor=pm, change=change, transition=step)
    change.refresh_from_db()
    if status in (Status.APPROVED, Status.REJECTED, Status.IN_IMPLEMENTATION, Status.IMPLEMENTED):
        approver = _member(project, Role.CLIENT, can_approve=True)
        if status == Status.REJECTED:
            services.change_decide(
                actor=approver,
                change=change,
                decision=Decision.REJECTED,
                comment="Not this quarter.",
                expected_hash=change.content_hash,
            )
        else:
            for person in (pm, approver):
                change.refresh_from_db()
                services.change_decide(
                    actor=person,
                    change=change,
                    decision=Decision.APPROVED,
                    expected_hash=change.content_hash,
                )
        change.refresh_from_db()
        if status == Status.IN_IMPLEMENTATION:
            services.change_transition(
                actor=pm, change=change, transition=Transition.START_IMPLEMENTATION
            )
        elif status == Status.IMPLEMENTED:
            services.change_apply(actor=pm, change=change)
        change.refresh_from_db()
    return change
