"""The change request workflow: which transitions exist, from where, and who may fire them.

The table is `choices.WORKFLOW`; services call `check_transition`, pages and the API offer what
`available_transitions` returns. Approval and rejection are decisions (services.change_decide);
"implement" is done by services.change_apply, so it is never offered as a plain step.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from accord.changes.choices import WORKFLOW, Actor, Status, Transition
from accord.core.exceptions import ApplicationError
from accord.projects import policies

_BY_NAME = {name: (sources, target, actor) for name, sources, target, actor in WORKFLOW}
# Steps with their own service.
DEDICATED = (Transition.IMPLEMENT,)


def _actor_allowed(user: Any, change: Any, actor: str) -> bool:
    project = change.project
    if actor == Actor.MANAGER:
        return policies.can_manage_project(user, project)
    if actor == Actor.TEAM:
        return policies.can_edit_content(user, project)
    # REQUESTER: who raised it, or the project manager.
    if policies.can_manage_project(user, project):
        return True
    return (
        change.requested_by_id is not None
        and change.requested_by_id == user.pk
        and policies.can_view_project(user, project)
    )


def target_state(transition: str) -> str:
    return _BY_NAME[transition][1]


def can_fire(user: Any, change: Any, transition: str) -> bool:
    if transition not in _BY_NAME:
        return False
    sources, _target, actor = _BY_NAME[transition]
    return change.status in sources and _actor_allowed(user, change, actor)


def available_transitions(user: Any, change: Any) -> list[str]:
    """The plain steps `user` may take on the request now, in table order (never "implement":
    applying has its own page and service)."""
    return [
        name for name, *_rest in WORKFLOW if name not in DEDICATED and can_fire(user, change, name)
    ]


def check_transition(user: Any, change: Any, transition: str) -> str:
    """The state the transition leads to; refuses unknown, disallowed and unauthorised ones."""
    if transition not in _BY_NAME:
        raise ApplicationError(_("There is no such step in the workflow."), field="transition")
    sources, target, actor = _BY_NAME[transition]
    if change.status not in sources:
        raise ApplicationError(
            _("A change request that is “%(status)s” cannot take the step “%(transition)s”.")
            % {"status": Status(change.status).label, "transition": Transition(transition).label},
            field="transition",
        )
    if not _actor_allowed(user, change, actor):
        raise ApplicationError(
            _("You are not allowed to take the step “%(transition)s” on this change request.")
            % {"transition": Transition(transition).label},
            field="transition",
        )
    return target
