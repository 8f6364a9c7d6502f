"""The authorization walk's table entries for delivery insights routes (the objects come from the
domain's tests/walk_<domain>.py world; see tests/test_authorization_walk.py).

A milestone's progress follows the milestone: everyone in the project reads a shared one
(clients without any task or task title: the walk's task in the shared milestone carries the
task marker), an internal one is the 404 of an unknown one for clients. Workload and capacity
are internal like the tasks; a task from a response action is the team's POST.
"""

from __future__ import annotations

from typing import Any

from tests.authorization import (
    INTERNAL_READ,
    POST_ONLY,
    PROJECT_READ,
    UNKNOWN_NUMBER,
    Rule,
    roles,
    writers,
)

# Internal pages: clients get the 404 of an unknown project; viewers and staff read.
TASK_READ = roles(carol=404)
# The team writes; viewers and staff see the page but may not change anything.
TASK_EDIT = roles(carol=404, vera=403, staff=403)
TEAM = writers("alice", "bob")


def _milestone(name: str) -> Any:
    return lambda world: {"key": "ACME", "number": getattr(world, name).number}


def _no_milestone(world: Any) -> dict[str, Any]:
    return {"key": "ACME", "number": UNKNOWN_NUMBER}


def _api_milestone(name: str) -> Any:
    return lambda world: {"project_key": "ACME", "number": getattr(world, name).number}


def _api_no_milestone(world: Any) -> dict[str, Any]:
    return {"project_key": "ACME", "number": UNKNOWN_NUMBER}


def _acme(world: Any) -> dict[str, Any]:
    return {"key": "ACME"}


def _api_acme(world: Any) -> dict[str, Any]:
    return {"project_key": "ACME"}


def _action(name: str) -> Any:
    return lambda world: {"key": "ACME", "pk": world.risks[name].pk}


def _no_action(world: Any) -> dict[str, Any]:
    return {"key": "ACME", "pk": UNKNOWN_NUMBER}


TABLE: dict[str, list[Rule]] = {
    "delivery:milestone-progress": [
        Rule(get=PROJECT_READ, kwargs=_milestone("shared"), unknown=_no_milestone),
        Rule(variant="summary", get=PROJECT_READ, kwargs=_milestone("shared"),
             unknown=_no_milestone, query="?part=summary"),
        Rule(variant="internal", get=INTERNAL_READ, kwargs=_milestone("internal"),
             unknown=_no_milestone),
    ],
    "delivery:workload": [Rule(get=TASK_READ, kwargs=_acme)],
    "delivery:capacity": [
        Rule(get=TASK_EDIT, kwargs=_acme, writes=("POST",), writers=TEAM),
        Rule(variant="person", get=TASK_EDIT, kwargs=_acme, query="?person=1"),
    ],
    "delivery:task-from-action": [
        Rule(get=POST_ONLY, kwargs=_action("shared_action"), unknown=_no_action,
             writes=("POST",), writers=TEAM),
        Rule(variant="internal", get=POST_ONLY, kwargs=_action("internal_action"),
             unknown=_no_action, writes=("POST",), writers=TEAM),
    ],
    "api:project-workload": [Rule(get=TASK_READ, kwargs=_api_acme)],
    "api:project-milestone-progress": [
        Rule(get=PROJECT_READ, kwargs=_api_milestone("shared"), unknown=_api_no_milestone),
        Rule(variant="internal", get=INTERNAL_READ, kwargs=_api_milestone("internal"),
             unknown=_api_no_milestone),
    ],
}  # fmt: skip
