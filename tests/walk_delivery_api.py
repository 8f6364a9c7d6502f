"""The authorization walk's table entries for delivery api routes (the objects come from the
domain's tests/walk_<domain>.py world; see tests/test_authorization_walk.py).

Tasks are internal: clients get the 404 of an unknown project on every task route (before
the method is even looked at), viewers and staff read, the team (manager and members)
writes, the manager deletes tasks and sets WIP limits; a time entry is deleted by its author
(bob, in the world) or the manager. Everyone signed in has their own work.
"""

from __future__ import annotations

from typing import Any

from tests.authorization import (
    API_POST_ONLY_INTERNAL,
    API_SIGNED_IN,
    UNKNOWN_NUMBER,
    Rule,
    roles,
    writers,
)

# Reading: the team, viewers and staff; clients as if there were no such route.
TASK_READ = roles(carol=404)
TEAM = writers("alice", "bob")
MANAGER = writers("alice")


def _project(world: Any) -> dict[str, Any]:
    return {"project_key": "ACME"}


def _task(world: Any) -> dict[str, Any]:
    return {"project_key": "ACME", "number": world.tasks["task"].number}


def _no_task(world: Any) -> dict[str, Any]:
    return {"project_key": "ACME", "number": UNKNOWN_NUMBER}


def _item(world: Any) -> dict[str, Any]:
    return {**_task(world), "id": world.tasks["item"].pk}


def _no_item(world: Any) -> dict[str, Any]:
    return {**_task(world), "id": UNKNOWN_NUMBER}


def _entry(world: Any) -> dict[str, Any]:
    return {**_task(world), "id": world.tasks["entry"].pk}


def _no_entry(world: Any) -> dict[str, Any]:
    return {**_task(world), "id": UNKNOWN_NUMBER}


def _risk_action(name: str) -> Any:
    def kwargs(world: Any) -> dict[str, Any]:
        return {
            "project_key": "ACME",
            "number": world.risks[name].number,
            "id": world.risks[f"{name}_action"].pk,
        }

    return kwargs


def _no_risk_action(world: Any) -> dict[str, Any]:
    return {"project_key": "ACME", "number": UNKNOWN_NUMBER, "id": UNKNOWN_NUMBER}


TABLE: dict[str, list[Rule]] = {
    "api:project-task-list": [
        Rule(get=TASK_READ, kwargs=_project, writes=("POST",), writers=TEAM),
        Rule(variant="filtered", get=TASK_READ, kwargs=_project,
             query="?q=INTERNAL-SECRET&status=open&assignee=me&milestone=none&type=feature"
                   "&priority=normal&requirement=R1&overdue=false&ordering=-due_date"),
    ],
    "api:project-task-board": [
        Rule(get=TASK_READ, kwargs=_project),
        Rule(variant="filtered", get=TASK_READ, kwargs=_project,
             query="?assignee=me&milestone=1&type=feature&q=INTERNAL"),
    ],
    "api:project-task-bulk": [
        Rule(get=API_POST_ONLY_INTERNAL, kwargs=_project, writes=("POST",), writers=TEAM)
    ],
    "api:project-task-detail": [
        Rule(get=TASK_READ, kwargs=_task, unknown=_no_task, writes=("PATCH",), writers=TEAM),
        Rule(variant="delete", get=TASK_READ, kwargs=_task, unknown=_no_task,
             writes=("DELETE",), writers=MANAGER),
    ],
    "api:project-task-move": [
        Rule(get=API_POST_ONLY_INTERNAL, kwargs=_task, unknown=_no_task, writes=("POST",),
             writers=TEAM)
    ],
    "api:task-checklist-list": [
        Rule(get=TASK_READ, kwargs=_task, unknown=_no_task, writes=("POST",), writers=TEAM)
    ],
    "api:task-checklist-detail": [
        Rule(get=API_POST_ONLY_INTERNAL, kwargs=_item, unknown=_no_item,
             writes=("PATCH", "DELETE"), writers=TEAM)
    ],
    "api:task-time-entry-list": [
        Rule(get=TASK_READ, kwargs=_task, unknown=_no_task, writes=("POST",), writers=TEAM)
    ],
    # Bob logged the entry: he and the manager may delete it.
    "api:task-time-entry-detail": [
        Rule(get=API_POST_ONLY_INTERNAL, kwargs=_entry, unknown=_no_entry, writes=("DELETE",),
             writers=TEAM)
    ],
    "api:project-wip-limits": [
        Rule(get=TASK_READ, kwargs=_project, writes=("PUT",), writers=MANAGER)
    ],
    # A response action becomes a task: a task route, so clients get 404 even for the action
    # of a shared risk.
    "api:risk-action-task": [
        Rule(variant="shared", get=API_POST_ONLY_INTERNAL, kwargs=_risk_action("shared"),
             unknown=_no_risk_action, writes=("POST",), writers=TEAM),
        Rule(variant="internal", get=API_POST_ONLY_INTERNAL, kwargs=_risk_action("internal"),
             unknown=_no_risk_action, writes=("POST",), writers=TEAM),
    ],
    "api:my-work": [
        Rule(get=API_SIGNED_IN),
        Rule(variant="overdue", get=API_SIGNED_IN, query="?overdue=true"),
    ],
}  # fmt: skip
