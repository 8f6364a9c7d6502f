"""The task services: the board's moves, WIP warnings, ranks, links of the same project, time
and checklists — every refusal names its field and leaves nothing half-saved."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accord.core.audit import verify_audit_chains
from accord.core.exceptions import ApplicationError, StaleObjectError
from accord.core.models import AuditEvent
from accord.delivery import services
from accord.delivery.choices import TaskStatus
from accord.delivery.models import Capacity, ChecklistItem, Task, TimeEntry, WipLimit
from accord.delivery.tests.factories import log_time, make_task
from accord.notifications.models import Notification
from accord.projects import services as project_services
from accord.projects.choices import Role
from accord.requirements.tests.factories import make_requirement
from accord.risks.tests.factories import make_action, make_risk

pytestmark = pytest.mark.django_db


def _refused(field, call, *args, **kwargs):
    with pytest.raises(ApplicationError) as info:
        call(*args, **kwargs)
    assert info.value.field == field, info.value.message
    return info.value


def _milestone(project, actor, name="Release 1"):
    return project_services.milestone_create(
        actor=actor, project=project, name=name, due_date=dt.date(2030, 1, 31)
    )


# Creating ------------------------------------------------------------------------------------


def test_create_numbers_links_ranks_audits_and_notifies(
    personas, django_capture_on_commit_callbacks
):
    alice, bob, project = personas.alice, personas.bob, personas.project
    requirement = make_requirement(project, title="Sign in with e-mail")
    milestone = _milestone(project, alice)
    with django_capture_on_commit_callbacks(execute=True):
        task = services.task_create(
            actor=alice, project=project, title="  Sign-in form  ", assignee=bob,
            milestone=milestone, estimate_hours="12.5", start_date="2030-01-02",
            due_date=dt.date(2030, 1, 10), requirements=[requirement],
            checklist=["Design", " ", "Tests"],
        )  # fmt: skip
    task.refresh_from_db()
    assert task.key == "ACME-T1" and task.title == "Sign-in form"
    assert task.status == TaskStatus.TODO and task.estimate_hours == Decimal("12.5")
    assert list(task.requirements.all()) == [requirement]
    assert list(task.checklist.values_list("text", flat=True)) == ["Design", "Tests"]
    second = make_task(project)
    assert second.rank == task.rank + 1  # new tasks go to the bottom of their column
    event = AuditEvent.objects.get(action="task.created", target_id=str(task.pk))
    assert event.visibility == "internal"
    assert event.after["status"] == "todo" and event.after["milestone"] == milestone.pk
    assert event.after["estimate_hours"] == "12.50"
    assert event.after["requirements"] == [requirement.key]
    note = Notification.objects.get(recipient=bob, kind="task.assigned")
    assert "ACME-T1" in note.title and note.url == task.get_absolute_url()
    assert any("ACME-T1" in m.subject for m in mail.outbox)
    assert list(verify_audit_chains()) == []


def test_assigning_oneself_sends_no_notification(personas):
    make_task(personas.project, actor=personas.bob, assignee=personas.bob)
    assert not Notification.objects.filter(kind="task.assigned").exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "   "}, "title"),
        ({"estimate_hours": -1}, "estimate_hours"),
        ({"estimate_hours": "2000.5"}, "estimate_hours"),
        ({"estimate_hours": 1e9}, "estimate_hours"),
        ({"estimate_hours": "lots"}, "estimate_hours"),
        ({"estimate_hours": "NaN"}, "estimate_hours"),
        ({"start_date": "2030-02-10", "due_date": "2030-02-01"}, "due_date"),
        ({"due_date": "next week"}, "due_date"),
        ({"type": "epic"}, "type"),
        ({"priority": "asap"}, "priority"),
        ({"status": "limbo"}, "status"),
        ({"status": TaskStatus.BLOCKED}, "blocked_reason"),
        ({"assignee": 999999}, "assignee"),
        ({"assignee": "bob"}, "assignee"),
    ],
)
def test_create_refuses_bad_input_naming_the_field(personas, fields, field):
    data = {"title": "Checkout", **fields}
    _refused(field, services.task_create, actor=personas.alice, project=personas.project, **data)
    assert not Task.objects.exists() and not AuditEvent.objects.filter(action="task.created")


@pytest.mark.parametrize("persona", ["carol", "dave", "vera", "mallory"])
def test_assignee_must_be_a_manager_or_member_of_the_project(personas, persona):
    _refused(
        "assignee",
        services.task_create,
        actor=personas.alice,
        project=personas.project,
        title="Checkout",
        assignee=getattr(personas, persona),
    )
    assert not Task.objects.exists()


def test_links_to_another_projects_items_are_refused_naming_the_key(personas):
    alice, mallory, project, evil = (
        personas.alice, personas.mallory, personas.project, personas.other_project,
    )  # fmt: skip
    foreign = make_requirement(evil, title="Their requirement")
    foreign_milestone = _milestone(evil, mallory)
    error = _refused(
        "requirements", services.task_create, actor=alice, project=project, title="T",
        requirements=[make_requirement(project), foreign], checklist=["Never saved"],
    )  # fmt: skip
    assert foreign.key in error.message
    _refused(
        "requirements", services.task_create, actor=alice, project=project, title="T",
        requirements=[foreign.pk],
    )  # fmt: skip
    _refused(
        "milestone", services.task_create, actor=alice, project=project, title="T",
        milestone=foreign_milestone,
    )  # fmt: skip
    _refused(
        "milestone", services.task_create, actor=alice, project=project, title="T",
        milestone=foreign_milestone.pk,
    )  # fmt: skip
    _refused(
        "change_requests", services.task_create, actor=alice, project=project, title="T",
        change_requests=[424242],
    )  # fmt: skip
    assert not Task.objects.exists() and not ChecklistItem.objects.exists()


def test_clients_viewers_and_outsiders_cannot_create(personas):
    for user in (personas.carol, personas.vera, personas.mallory, personas.staff):
        with pytest.raises(ApplicationError):
            services.task_create(actor=user, project=personas.project, title="Nope")
    assert not Task.objects.exists()


# Updating ------------------------------------------------------------------------------------


def test_update_records_changes_links_and_version(personas):
    alice, project = personas.alice, personas.project
    task = make_task(project, estimate_hours=4)
    first, second = make_requirement(project), make_requirement(project)
    milestone = _milestone(project, alice)
    updated = services.task_update(
        actor=alice, task=task, data={"estimate_hours": "6", "milestone": milestone.pk},
        requirements=[first, second], expected_version=1,
    )  # fmt: skip
    assert updated.version == 2 and updated.milestone == milestone
    event = AuditEvent.objects.get(action="task.updated")
    assert event.before["estimate_hours"] == "4.00" and event.after["estimate_hours"] == "6.00"
    assert event.after["milestone"] == milestone.pk
    assert event.after["requirements"] == sorted([first.key, second.key])
    # The same values again: nothing to record.
    services.task_update(actor=alice, task=updated, data={"estimate_hours": "6"})
    assert AuditEvent.objects.filter(action="task.updated").count() == 1


def test_stale_update_is_refused(personas):
    task = make_task(personas.project)
    services.task_update(actor=personas.bob, task=task, data={"title": "Renamed"})
    with pytest.raises(StaleObjectError):
        services.task_update(
            actor=personas.alice, task=task, data={"title": "Mine"}, expected_version=1
        )
    task.refresh_from_db()
    assert task.title == "Renamed"


def test_update_refuses_bad_input_and_keeps_the_task(personas):
    task = make_task(personas.project, start_date=dt.date(2030, 3, 1))
    _refused(
        "due_date", services.task_update, actor=personas.bob, task=task,
        data={"due_date": dt.date(2030, 2, 1), "title": "Half"},
    )  # fmt: skip
    _refused(
        "status", services.task_update, actor=personas.bob, task=task,
        data={"status": TaskStatus.IN_REVIEW},
    )  # fmt: skip
    task.refresh_from_db()
    assert (task.title, task.due_date, task.version) == ("Build the sign-in page", None, 1)


def test_update_changing_status_is_recorded_as_a_move(personas):
    task = make_task(personas.project)
    services.task_update(
        actor=personas.bob, task=task, data={"status": TaskStatus.IN_PROGRESS, "title": "X"}
    )
    event = AuditEvent.objects.get(action="task.moved")
    assert event.before["status"] == "todo"
    assert event.after["status"] == "in_progress" and event.after["milestone"] is None


def test_update_notifies_a_new_assignee(personas):
    task = make_task(personas.project)
    services.task_update(actor=personas.alice, task=task, data={"assignee": personas.bob.pk})
    assert Notification.objects.filter(recipient=personas.bob, kind="task.assigned").count() == 1


# Moving --------------------------------------------------------------------------------------


def test_move_follows_the_table_and_sets_done_and_blocked(personas):
    bob = personas.bob
    task = make_task(personas.project)
    task, warning = services.task_move(actor=bob, task=task, status=TaskStatus.DONE)
    assert warning is None and task.done_at is not None
    _refused("status", services.task_move, actor=bob, task=task, status=TaskStatus.IN_REVIEW)
    _refused("status", services.task_move, actor=bob, task=task, status=TaskStatus.BLOCKED)
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    task, _ = services.task_move(actor=bob, task=task, status=TaskStatus.IN_PROGRESS)
    assert task.done_at is None
    _refused("blocked_reason", services.task_move, actor=bob, task=task, status="blocked")
    task, _ = services.task_move(
        actor=bob, task=task, status=TaskStatus.BLOCKED, blocked_reason="Waiting for the API key"
    )
    assert task.blocked_reason == "Waiting for the API key"
    task, _ = services.task_move(actor=bob, task=task, status=TaskStatus.TODO)
    task.refresh_from_db()
    assert task.blocked_reason == "" and task.status == TaskStatus.TODO
    moves = AuditEvent.objects.filter(action="task.moved").order_by("pk")
    assert [e.after["status"] for e in moves] == ["done", "in_progress", "blocked", "todo"]
    assert all("milestone" in e.after for e in moves)


def test_move_over_the_wip_limit_is_kept_with_a_warning(personas):
    alice, project = personas.alice, personas.project
    services.wip_limits_set(actor=alice, project=project, limits={"in_progress": 1})
    first, second = make_task(project), make_task(project)
    _, warning = services.task_move(actor=alice, task=first, status=TaskStatus.IN_PROGRESS)
    assert warning is None
    moved, warning = services.task_move(actor=alice, task=second, status=TaskStatus.IN_PROGRESS)
    assert moved.status == TaskStatus.IN_PROGRESS
    assert "2" in warning and "1" in warning and "In progress" in warning


def test_move_before_a_task_reranks_the_column_in_one_statement(personas):
    alice, project = personas.alice, personas.project
    a, b, c = (make_task(project, title=t) for t in "abc")
    with CaptureQueriesContext(connection) as queries:
        services.task_move(actor=alice, task=c, status=TaskStatus.TODO, before=a)
    updates = [q for q in queries if q["sql"].startswith("UPDATE") and "rank" in q["sql"]]
    assert len(updates) == 2  # the shift of the column and the task itself
    order = list(Task.objects.filter(status="todo").order_by("rank", "pk").values_list("title"))
    assert order == [("c",), ("a",), ("b",)]
    # Into another column, before its only task.
    services.task_move(actor=alice, task=a, status=TaskStatus.IN_PROGRESS)
    services.task_move(actor=alice, task=b, status=TaskStatus.IN_PROGRESS, before=a)
    column = Task.objects.filter(status="in_progress").order_by("rank", "pk")
    assert [t.title for t in column] == ["b", "a"]
    _refused("before", services.task_move, actor=alice, task=a, status="in_progress", before=c)


def test_move_before_a_task_of_another_column_is_refused(personas):
    alice, project = personas.alice, personas.project
    a, b = make_task(project), make_task(project)
    services.task_move(actor=alice, task=a, status=TaskStatus.IN_PROGRESS)
    _refused("before", services.task_move, actor=alice, task=b, status="todo", before=a)


def test_viewer_and_client_cannot_move(personas):
    task = make_task(personas.project)
    for user in (personas.vera, personas.carol):
        with pytest.raises(ApplicationError):
            services.task_move(actor=user, task=task, status=TaskStatus.IN_PROGRESS)
    task.refresh_from_db()
    assert task.status == TaskStatus.TODO


# Bulk ----------------------------------------------------------------------------------------


def test_bulk_update_changes_all_with_one_record_each(personas):
    alice, bob, project = personas.alice, personas.bob, personas.project
    tasks = [make_task(project) for _ in range(3)]
    count = services.tasks_bulk_update(
        actor=alice, project=project, tasks=tasks,
        data={"assignee": bob.pk, "priority": "high", "status": TaskStatus.IN_PROGRESS},
    )  # fmt: skip
    assert count == 3
    assert set(Task.objects.values_list("assignee", "priority", "status")) == {
        (bob.pk, "high", "in_progress")
    }
    assert AuditEvent.objects.filter(action="task.moved").count() == 3
    assert Notification.objects.filter(recipient=bob, kind="task.assigned").count() == 3


def test_bulk_update_is_all_or_nothing(personas):
    alice, project = personas.alice, personas.project
    done = make_task(project, title="Finished")
    services.task_move(actor=alice, task=done, status=TaskStatus.DONE)
    todo = make_task(project, title="Open")
    error = _refused(
        "status", services.tasks_bulk_update, actor=alice, project=project,
        tasks=[todo, done], data={"status": TaskStatus.IN_REVIEW, "priority": "urgent"},
    )  # fmt: skip
    assert done.key in error.message
    assert set(Task.objects.values_list("priority", flat=True)) == {"normal"}
    _refused(
        "assignee", services.tasks_bulk_update, actor=alice, project=project, tasks=[todo],
        data={"assignee": personas.carol.pk},
    )  # fmt: skip
    foreign = make_task(personas.other_project, actor=personas.mallory)
    _refused(
        "tasks", services.tasks_bulk_update, actor=alice, project=project,
        tasks=[todo, foreign], data={"priority": "low"},
    )  # fmt: skip
    assert Task.objects.get(pk=todo.pk).version == 1


# Deleting ------------------------------------------------------------------------------------


def test_only_the_manager_deletes_and_the_record_keeps_milestone_and_status(personas):
    alice, project = personas.alice, personas.project
    milestone = _milestone(project, alice)
    task = make_task(project, milestone=milestone)
    log_time(task)
    with pytest.raises(ApplicationError):
        services.task_delete(actor=personas.bob, task=task)
    services.task_delete(actor=alice, task=task)
    assert not Task.objects.exists() and not TimeEntry.objects.exists()
    event = AuditEvent.objects.get(action="task.deleted")
    assert event.before["milestone"] == milestone.pk and event.before["status"] == "todo"


# Checklist -----------------------------------------------------------------------------------


def test_checklist_add_toggle_delete(personas):
    bob = personas.bob
    task = make_task(personas.project, checklist=["Design"])
    item = services.checklist_add(actor=bob, task=task, text="  Tests ")
    assert (item.position, item.text) == (2, "Tests")
    _refused("text", services.checklist_add, actor=bob, task=task, text="  ")
    item = services.checklist_toggle(actor=bob, item=item, done=True)
    assert item.done and item.done_by == bob and item.done_at is not None
    services.checklist_toggle(actor=bob, item=item, done=True)  # no change, no record
    with pytest.raises(ApplicationError):
        services.checklist_delete(actor=personas.vera, item=item)
    services.checklist_delete(actor=bob, item=item)
    assert list(task.checklist.values_list("text", flat=True)) == ["Design"]
    assert AuditEvent.objects.filter(action="task.checklist").count() == 3


# Time entries --------------------------------------------------------------------------------


def test_time_entries_keep_spent_hours(personas):
    bob = personas.bob
    task = make_task(personas.project)
    entry = log_time(task, actor=bob, hours="1.5", note="Pairing")
    log_time(task, actor=bob, hours="2")
    task.refresh_from_db()
    assert task.spent_hours == Decimal("3.5")
    services.time_entry_delete(actor=bob, entry=entry)
    task.refresh_from_db()
    assert task.spent_hours == Decimal("2")
    assert AuditEvent.objects.filter(action="time.logged").count() == 2
    assert AuditEvent.objects.get(action="time.deleted").before["task"] == task.key


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"hours": "-2"}, "hours"),
        ({"hours": "0"}, "hours"),
        ({"hours": "0.1"}, "hours"),
        ({"hours": "25"}, "hours"),
        ({"hours": "a lot"}, "hours"),
        ({"date": None}, "date"),
        ({"date": "yesterday"}, "date"),
        ({"date": "FUTURE"}, "date"),
    ],
)
def test_time_entry_refuses_bad_input(personas, values, field):
    task = make_task(personas.project)
    data = {"date": timezone.localdate(), "hours": "2", **values}
    if data["date"] == "FUTURE":
        data["date"] = timezone.localdate() + dt.timedelta(days=1)
    _refused(field, services.time_entry_create, actor=personas.bob, task=task, **data)
    assert not TimeEntry.objects.exists()
    task.refresh_from_db()
    assert task.spent_hours == 0


def test_a_day_holds_at_most_24_hours_across_tasks(personas):
    bob, project = personas.bob, personas.project
    first, second = make_task(project), make_task(project)
    log_time(first, actor=bob, hours="20")
    _refused("hours", log_time, second, actor=bob, hours="5")
    log_time(second, actor=bob, hours="4")
    log_time(second, actor=personas.alice, hours="8")  # someone else's day
    assert TimeEntry.objects.count() == 3


def test_time_entries_are_deleted_by_their_author_or_the_manager(personas):
    task = make_task(personas.project)
    mine = log_time(task, actor=personas.bob)
    alices = log_time(task, actor=personas.alice)
    with pytest.raises(ApplicationError):
        services.time_entry_delete(actor=personas.bob, entry=alices)
    services.time_entry_delete(actor=personas.alice, entry=mine)
    assert list(TimeEntry.objects.all()) == [alices]


def test_viewers_and_clients_cannot_log_time(personas):
    task = make_task(personas.project)
    for user in (personas.vera, personas.carol):
        with pytest.raises(ApplicationError):
            log_time(task, actor=user)
    assert not TimeEntry.objects.exists()


# WIP limits and capacity ---------------------------------------------------------------------


def test_wip_limits_are_set_changed_and_removed_by_the_manager(personas):
    alice, project = personas.alice, personas.project
    services.wip_limits_set(actor=alice, project=project, limits={"in_progress": 3, "todo": None})
    assert dict(WipLimit.objects.values_list("status", "limit")) == {"in_progress": 3}
    services.wip_limits_set(actor=alice, project=project, limits={"in_progress": None})
    assert not WipLimit.objects.exists()
    _refused("in_review", services.wip_limits_set, actor=alice, project=project,
             limits={"in_review": 0})  # fmt: skip
    _refused("nowhere", services.wip_limits_set, actor=alice, project=project,
             limits={"nowhere": 2})  # fmt: skip
    with pytest.raises(ApplicationError):
        services.wip_limits_set(actor=personas.bob, project=project, limits={"todo": 2})
    assert not WipLimit.objects.exists()
    assert AuditEvent.objects.filter(action="task.wip_limits").count() == 2


def test_capacity_is_set_by_oneself_or_a_manager_of_a_shared_project(personas):
    capacity = services.capacity_set(actor=personas.bob, user=personas.bob, hours_per_week=32)
    assert capacity.hours_per_week == Decimal("32")
    services.capacity_set(actor=personas.alice, user=personas.bob, hours_per_week="20")
    assert Capacity.objects.get(user=personas.bob).hours_per_week == Decimal("20")
    with pytest.raises(ApplicationError):
        services.capacity_set(actor=personas.mallory, user=personas.bob, hours_per_week=10)
    with pytest.raises(ApplicationError):
        services.capacity_set(actor=personas.bob, user=personas.alice, hours_per_week=10)
    _refused("hours_per_week", services.capacity_set, actor=personas.bob, user=personas.bob,
             hours_per_week=200)  # fmt: skip
    assert Capacity.objects.get(user=personas.bob).hours_per_week == Decimal("20")


# Response actions ----------------------------------------------------------------------------


def test_a_response_action_becomes_one_task(personas):
    alice, bob, project = personas.alice, personas.bob, personas.project
    risk = make_risk(project)
    due = timezone.localdate() + dt.timedelta(days=5)
    action = make_action(risk, description="Pair a second developer", owner=bob, due_date=due)
    task = services.task_from_response_action(actor=alice, action=action)
    assert (task.title, task.assignee, task.due_date) == ("Pair a second developer", bob, due)
    action.refresh_from_db()
    assert action.task == task
    _refused("response_action", services.task_from_response_action, actor=alice, action=action)
    assert Task.objects.count() == 1


def test_a_response_action_owned_by_a_viewer_becomes_an_unassigned_task(personas):
    risk = make_risk(personas.project)
    action = make_action(risk, owner=personas.vera)
    task = services.task_from_response_action(actor=personas.bob, action=action)
    assert task.assignee is None


def test_a_response_action_of_another_project_cannot_be_linked(personas):
    evil_risk = make_risk(personas.other_project, actor=personas.mallory)
    action = make_action(evil_risk, actor=personas.mallory)
    with pytest.raises(ApplicationError):
        services.task_from_response_action(actor=personas.alice, action=action)
    _refused(
        "response_action", services.task_create, actor=personas.alice,
        project=personas.project, title="T", response_action=action,
    )  # fmt: skip
    assert not Task.objects.exists()


def test_role_constant_is_what_assignment_allows():
    from accord.delivery.policies import can_be_assigned

    assert can_be_assigned(Role.MEMBER) and can_be_assigned(Role.MANAGER)
    assert not can_be_assigned(Role.VIEWER) and not can_be_assigned(Role.CLIENT)


def test_no_task_record_reaches_a_client(personas):
    task = make_task(personas.project, assignee=personas.bob, checklist=["Design"])
    services.task_move(actor=personas.bob, task=task, status=TaskStatus.IN_PROGRESS)
    log_time(task, actor=personas.bob)
    services.wip_limits_set(actor=personas.alice, project=personas.project, limits={"todo": 4})
    visible = AuditEvent.objects.visible_to(personas.carol)
    assert not visible.filter(action__startswith="task.").exists()
    assert not visible.filter(action__startswith="time.").exists()
    assert AuditEvent.objects.visible_to(personas.vera).filter(action="time.logged").exists()
    assert not Notification.objects.filter(recipient__in=[personas.carol, personas.dave])
