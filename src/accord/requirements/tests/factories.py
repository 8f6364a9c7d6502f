"""Requirements for tests, made through the services so every version, hash, decision and
audit record is real."""

from __future__ import annotations

from typing import Any

from accord.projects.choices import Role
from accord.projects.models import Membership
from accord.requirements import services
from accord.requirements.choices import Status, Transition
from accord.requirements.models import Requirement

# The steps from a draft to each state, and who takes them: "pm" or "approver".
_PATHS: dict[str, list[tuple[str, str]]] = {
    Status.DRAFT: [],
    Status.IN_REVIEW: [("pm", Transition.SEND_TO_REVIEW)],
    Status.SUBMITTED: [("pm", Transition.SEND_TO_REVIEW), ("pm", Transition.SUBMIT)],
    Status.RETURNED: [
        ("pm", Transition.SEND_TO_REVIEW),
        ("pm", Transition.SUBMIT),
        ("approver", Transition.RETURN),
    ],
    Status.REJECTED: [
        ("pm", Transition.SEND_TO_REVIEW),
        ("pm", Transition.SUBMIT),
        ("approver", Transition.REJECT),
    ],
    Status.CONFIRMED: [
        ("pm", Transition.SEND_TO_REVIEW),
        ("pm", Transition.SUBMIT),
        ("approver", Transition.CONFIRM),
    ],
    Status.IMPLEMENTED: [
        ("pm", Transition.SEND_TO_REVIEW),
        ("pm", Transition.SUBMIT),
        ("approver", Transition.CONFIRM),
        ("pm", Transition.MARK_IMPLEMENTED),
    ],
    Status.VERIFIED: [
        ("pm", Transition.SEND_TO_REVIEW),
        ("pm", Transition.SUBMIT),
        ("approver", Transition.CONFIRM),
        ("pm", Transition.MARK_IMPLEMENTED),
        ("pm", Transition.VERIFY),
    ],
    Status.ACCEPTED: [
        ("pm", Transition.SEND_TO_REVIEW),
        ("pm", Transition.SUBMIT),
        ("approver", Transition.CONFIRM),
        ("pm", Transition.MARK_IMPLEMENTED),
        ("pm", Transition.VERIFY),
        ("approver", Transition.ACCEPT),
    ],
    Status.WITHDRAWN: [("pm", Transition.WITHDRAW)],
}


def _member(project: Any, role: str, **extra: Any) -> Any:
    membership = (
        Membership.objects.filter(project=project, role=role, **extra)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if membership is None:
        raise LookupError(f"{project.key} has no {role} member for the test requirement")
    return membership.user


def advance(requirement: Requirement, status: str, *, pm: Any = None, approver: Any = None):
    """Take a draft requirement along the workflow to `status`."""
    project = requirement.project
    pm = pm or _member(project, Role.MANAGER)
    for who, step in _PATHS[status]:
        requirement.refresh_from_db()
        if who == "approver":
            approver = approver or _member(project, Role.CLIENT, can_approve=True)
            if step == Transition.CONFIRM:
                services.requirement_confirm(actor=approver, requirement=requirement)
            elif step == Transition.RETURN:
                services.requirement_return(
                    actor=approver, requirement=requirement, comment="Please be more specific."
                )
            elif step == Transition.REJECT:
                services.requirement_reject(
                    actor=approver, requirement=requirement, comment="Out of scope for us."
                )
            else:
                services.requirement_transition(
                    actor=approver, requirement=requirement, transition=step
                )
        elif step == Transition.SUBMIT:
            services.requirements_submit(actor=pm, project=project, requirements=[requirement])
        else:
            services.requirement_transition(actor=pm, requirement=requirement, transition=step)
    requirement.refresh_from_db()
    return requirement


def make_requirement(
    project: Any,
    *,
    status: str = Status.DRAFT,
    actor: Any = None,
    approver: Any = None,
    criteria: list[dict] | None = None,
    tags: list[str] | None = None,
    **fields: Any,
) -> Requirement:
    """A requirement in `status`, created by `actor` (default: the project's manager)."""
    actor = actor or _member(project, Role.MANAGER)
    fields.setdefault("title", "Export the monthly report as PDF")
    fields.setdefault("description", "Managers download the report of any past month.")
    if criteria is None:
        criteria = [{"style": "free", "text": "The PDF matches the on-screen report."}]
    requirement = services.requirement_create(
        actor=actor, project=project, criteria=criteria, tags=tags, **fields
    )
    return advance(requirement, status, approver=approver)
