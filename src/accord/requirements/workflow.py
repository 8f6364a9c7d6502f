"""The requirement workflow: which transitions exist, from where, and who may fire them.

The table is `choices.WORKFLOW`; services call `check_transition`, pages and the API offer what
`available_transitions` returns, so both always agree.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from accord.core.exceptions import ApplicationError
from accord.requirements import policies
from accord.requirements.choices import WORKFLOW, Actor, Status, Transition
from accord.requirements.models import Requirement

_BY_NAME = {name: (sources, target, actor) for name, sources, target, actor in WORKFLOW}


def _actor_allowed(user: Any, requirement: Requirement, actor: str) -> bool:
    project = requirement.project
    if actor == Actor.CLIENT_APPROVER:
        return policies.can_decide(user, project)
    if actor == Actor.MANAGER:
        return policies.can_submit(user, project)
    return policies.can_edit_requirements(user, project)


def _state_allows(requirement: Requirement, name: str) -> bool:
    sources, _target, _actor = _BY_NAME[name]
    if requirement.status not in sources:
        return False
    # A confirmed requirement goes back to the client only once it changed since confirmation.
    if name == Transition.SUBMIT and requirement.status == Status.CONFIRMED:
        return requirement.changed_since_confirmation
    return True


def target_state(requirement: Requirement, transition: str) -> str:
    return _BY_NAME[transition][1]


def can_fire(user: Any, requirement: Requirement, transition: str) -> bool:
    if transition not in _BY_NAME:
        return False
    return _state_allows(requirement, transition) and _actor_allowed(
        user, requirement, _BY_NAME[transition][2]
    )


def available_transitions(user: Any, requirement: Requirement) -> list[str]:
    """The transitions `user` may fire on the requirement now, in table order."""
    return [name for name, *_rest in WORKFLOW if can_fire(user, requirement, name)]


def check_transition(user: Any, requirement: Requirement, transition: str) -> str:
    """The state the transition leads to; refuses unknown, disallowed and unauthorised ones."""
    if transition not in _BY_NAME:
        raise ApplicationError(_("There is no such step in the workflow."), field="transition")
    if not _state_allows(requirement, transition):
        raise ApplicationError(
            _("A requirement that is “%(status)s” cannot take the step “%(transition)s”.")
            % {
                "status": Status(requirement.status).label,
                "transition": Transition(transition).label,
            },
            field="transition",
        )
    if not _actor_allowed(user, requirement, _BY_NAME[transition][2]):
        raise ApplicationError(
            _("You are not allowed to take the step “%(transition)s” in this project.")
            % {"transition": Transition(transition).label},
            field="transition",
        )
    return _BY_NAME[transition][1]
