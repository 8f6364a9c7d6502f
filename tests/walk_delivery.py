"""The authorization walk's part for delivery: its world and its table entries.

`build_world` creates, through the services, the objects the routes point at (with the
marker texts of tests.authorization); TABLE maps each route name to its rules, as in
tests/test_authorization_walk.py.

Tasks are internal: clients get the 404 of an unknown project or task on every task page,
viewers and staff read, the team (manager and members) writes, the manager deletes tasks
and sets WIP limits.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.authorization import (
    LOGIN,
    POST_ONLY,
    SHARED_MARKER,
    TASK_INTERNAL_MARKER,
    UNKNOWN_NUMBER,
    Rule,
    roles,
    writers,
)


def build_world(
    personas: Any, requirements: dict[str, Any], risks: dict[str, Any], changes: dict[str, Any]
) -> dict[str, Any]:
    """A task of bob's in the shared milestone, linked to the shared requirement, with a
    checklist item and a time entry; the marker is in its title, description, checklist and
    time note, so no text of it may reach a client."""
    from django.utils import timezone

    from accord.delivery import services
    from accord.projects.models import Milestone

    alice, bob, project = personas.alice, personas.bob, personas.project
    milestone = Milestone.objects.get(project=project, name=SHARED_MARKER)
    task = services.task_create(
        actor=alice, project=project, title=TASK_INTERNAL_MARKER,
        description=f"{TASK_INTERNAL_MARKER} description", assignee=bob, milestone=milestone,
        estimate_hours="8", due_date=timezone.localdate() + dt.timedelta(days=7),
        requirements=[requirements["shared"]], checklist=[f"{TASK_INTERNAL_MARKER} step"],
    )  # fmt: skip
    entry = services.time_entry_create(
        actor=bob, task=task, date=timezone.localdate(), hours="2",
        note=f"{TASK_INTERNAL_MARKER} time",
    )  # fmt: skip
    task.refresh_from_db()
    return {
        "task": task,
        "milestone": milestone,
        "item": task.checklist.order_by("position").first(),
        "entry": entry,
    }


def _acme(world: Any) -> dict[str, Any]:
    return {"key": "ACME"}


def _task(world: Any) -> dict[str, Any]:
    return {"key": "ACME", "number": world.tasks["task"].number}


def _no_task(world: Any) -> dict[str, Any]:
    return {"key": "ACME", "number": UNKNOWN_NUMBER}


def _item(world: Any) -> dict[str, Any]:
    return {**_task(world), "pk": world.tasks["item"].pk}


def _no_item(world: Any) -> dict[str, Any]:
    return {**_task(world), "pk": UNKNOWN_NUMBER}


def _entry(world: Any) -> dict[str, Any]:
    return {**_task(world), "pk": world.tasks["entry"].pk}


def _no_entry(world: Any) -> dict[str, Any]:
    return {**_task(world), "pk": UNKNOWN_NUMBER}


# Reading task pages: the team, viewers and staff; clients as if the project had no tasks.
TASK_READ = roles(carol=404)
# Writing: the team; viewers and staff see the task but may not change it.
TASK_EDIT = roles(carol=404, vera=403, staff=403)
# The project manager only.
TASK_MANAGE = roles(carol=404, bob=403, staff=403)
# POST-only routes: GET answers 405 to every signed-in user before anything is looked up
# (the same answer whether or not the task exists).
TASK_POST_ONLY = POST_ONLY
TEAM = writers("alice", "bob")
MANAGER = writers("alice")

TABLE: dict[str, list[Rule]] = {
    "delivery:list": [
        Rule(get=TASK_READ, kwargs=_acme),
        Rule(variant="filtered", get=TASK_READ, kwargs=_acme,
             query="?q=INTERNAL-SECRET&status=open&assignee=me&overdue=on&sort=-due_date"
                   "&requirement=R1&type=feature&priority=normal&milestone=none"),
    ],
    "delivery:board": [
        Rule(get=TASK_READ, kwargs=_acme),
        Rule(variant="filtered", get=TASK_READ, kwargs=_acme, query="?assignee=me&type=feature"),
    ],
    "delivery:wip": [Rule(get=TASK_MANAGE, kwargs=_acme, writes=("POST",), writers=MANAGER)],
    "delivery:create": [
        Rule(get=TASK_EDIT, kwargs=_acme, writes=("POST",), writers=TEAM),
        Rule(variant="from-requirement", get=TASK_EDIT, kwargs=_acme, query="?requirement=1"),
    ],
    "delivery:bulk": [Rule(get=TASK_POST_ONLY, kwargs=_acme, writes=("POST",), writers=TEAM)],
    "delivery:detail": [Rule(get=TASK_READ, kwargs=_task, unknown=_no_task)],
    "delivery:edit": [
        Rule(get=TASK_EDIT, kwargs=_task, unknown=_no_task, writes=("POST",), writers=TEAM)
    ],
    "delivery:delete": [
        Rule(get=TASK_MANAGE, kwargs=_task, unknown=_no_task, writes=("POST",), writers=MANAGER)
    ],
    "delivery:move": [
        Rule(get=TASK_POST_ONLY, kwargs=_task, unknown=_no_task, writes=("POST",), writers=TEAM)
    ],
    "delivery:checklist-add": [
        Rule(get=TASK_POST_ONLY, kwargs=_task, unknown=_no_task, writes=("POST",), writers=TEAM)
    ],
    "delivery:checklist-toggle": [
        Rule(get=TASK_POST_ONLY, kwargs=_item, unknown=_no_item, writes=("POST",), writers=TEAM)
    ],
    "delivery:checklist-delete": [
        Rule(get=TASK_EDIT, kwargs=_item, unknown=_no_item, writes=("POST",), writers=TEAM)
    ],
    "delivery:time-create": [
        Rule(get=TASK_POST_ONLY, kwargs=_task, unknown=_no_task, writes=("POST",), writers=TEAM)
    ],
    # Bob logged the entry: he and the manager may delete it.
    "delivery:time-delete": [
        Rule(get=TASK_EDIT, kwargs=_entry, unknown=_no_entry, writes=("POST",), writers=TEAM)
    ],
    # Everyone signed in has their own work; anonymous visitors meet the sign-in wall.
    "my_work:index": [Rule(get=roles(anonymous=LOGIN, mallory=200))],
}  # fmt: skip
