"""Task reads: the team, viewers and staff see tasks; clients and outsiders none; filters,
sorting, the board's columns and one's own work, in a number of queries that does not grow
with the data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from accord.delivery import selectors, services
from accord.delivery.choices import MOVES, TaskStatus
from accord.delivery.models import Task
from accord.delivery.tests.factories import make_task
from accord.projects import services as project_services
from accord.projects.choices import Role
from accord.projects.models import Membership
from accord.requirements.tests.factories import make_requirement

pytestmark = pytest.mark.django_db


def _milestone(personas, name="Release 1"):
    return project_services.milestone_create(
        actor=personas.alice, project=personas.project, name=name, due_date=dt.date(2030, 1, 31)
    )


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("alice", True), ("bob", True), ("vera", True), ("staff", True),
        ("carol", False), ("dave", False), ("mallory", False),
    ],
)  # fmt: skip
def test_only_internal_readers_see_tasks(personas, persona, sees):
    task = make_task(personas.project, title="INTERNAL task")
    user = getattr(personas, persona)
    assert list(selectors.task_list(user, personas.project)) == ([task] if sees else [])
    assert bool(selectors.board(user, personas.project)) == sees
    assert selectors.overdue_count(user, personas.project) == 0
    if sees:
        assert selectors.task_for(user, personas.project, task.number) == task
    else:
        with pytest.raises(Http404):
            selectors.task_for(user, personas.project, task.number)
    with pytest.raises(Http404):
        selectors.task_for(personas.alice, personas.project, 999)


def test_filters(personas):
    alice, bob, project = personas.alice, personas.bob, personas.project
    milestone = _milestone(personas)
    requirement = make_requirement(project)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    a = make_task(project, title="Payment form", assignee=bob, milestone=milestone, type="bug")
    b = make_task(project, title="Refunds", priority="urgent", requirements=[requirement])
    c = make_task(project, title="Old report", due_date=yesterday, assignee=alice)
    services.task_move(actor=alice, task=b, status=TaskStatus.IN_PROGRESS)

    def numbers(**filters):
        return {t.title for t in selectors.task_list(alice, project, filters)}

    assert numbers(status="in_progress") == {"Refunds"}
    assert numbers(status=["todo"]) == {"Payment form", "Old report"}
    assert numbers(status="open") == {"Payment form", "Refunds", "Old report"}
    assert numbers(assignee=str(bob.pk)) == {"Payment form"}
    assert numbers(assignee="me") == {"Old report"}
    assert numbers(assignee="none") == {"Refunds"}
    assert numbers(milestone=milestone.pk) == {"Payment form"}
    assert numbers(milestone="none") == {"Refunds", "Old report"}
    assert numbers(type="bug") == {"Payment form"}
    assert numbers(priority=["urgent"]) == {"Refunds"}
    assert numbers(requirement=requirement.key) == {"Refunds"}
    assert numbers(requirement="R999") == set()
    assert numbers(q="pay") == {"Payment form"}
    assert numbers(q=c.key) == {"Old report"}
    assert numbers(overdue=True) == {"Old report"}
    assert numbers(overdue=False) == {"Payment form", "Refunds"}
    assert a.key


def test_sorting(personas):
    project = personas.project
    make_task(project, title="b", priority="low", due_date=dt.date(2030, 1, 2))
    make_task(project, title="a", priority="urgent")
    make_task(project, title="c", priority="high", due_date=dt.date(2030, 1, 1))

    def titles(sort):
        return [t.title for t in selectors.task_list(personas.alice, project, sort=sort)]

    assert titles(None) == ["c", "a", "b"]
    assert titles("number") == ["b", "a", "c"]
    assert titles("title") == ["a", "b", "c"]
    assert titles("-title") == ["c", "b", "a"]
    assert titles("priority") == ["a", "c", "b"]
    assert titles("due_date") == ["c", "b", "a"]
    assert titles("-due_date") == ["b", "c", "a"]


def test_board_columns_counts_limits_and_order(personas):
    alice, project = personas.alice, personas.project
    services.wip_limits_set(actor=alice, project=project, limits={"in_progress": 1})
    tasks = [make_task(project, title=f"Card {i}") for i in range(4)]
    for task in tasks[:2]:
        services.task_move(actor=alice, task=task, status=TaskStatus.IN_PROGRESS)
    columns = selectors.board(alice, project, per_column=1)
    assert [c.status for c in columns] == list(MOVES)
    todo, progress = columns[0], columns[1]
    assert (todo.count, len(todo.tasks), todo.more) == (2, 1, 1)
    assert todo.tasks[0].title == "Card 2"  # rank order: the first created of the rest
    assert (progress.count, progress.limit, progress.over_limit) == (2, 1, True)
    assert progress.moves == MOVES[TaskStatus.IN_PROGRESS]
    filtered = selectors.board(alice, project, {"q": "Card 3"})
    assert (filtered[0].count, filtered[0].total) == (1, 2)
    assert [t.title for t in filtered[0].tasks] == ["Card 3"]


def _fill(personas, n):
    bob, project = personas.bob, personas.project
    milestone = _milestone(personas, name=f"M{n}")
    for i in range(n):
        task = make_task(project, title=f"Task {i}", assignee=bob, milestone=milestone)
        if i % 3 == 0:
            services.task_move(actor=bob, task=task, status=TaskStatus.IN_PROGRESS)


@pytest.mark.parametrize("size", [3, 12])
def test_board_and_list_queries_do_not_grow(personas, size, django_assert_num_queries):
    _fill(personas, size)
    alice = personas.alice
    services.wip_limits_set(actor=alice, project=personas.project, limits={"todo": 5})
    project = personas.project
    # Membership is cached on the user after the first policy check.
    selectors.task_list(alice, project).first()
    seen = []
    # The chain head and the count (kept until the history grows), the limits, the two
    # non-empty columns.
    with django_assert_num_queries(5):
        for column in selectors.board(alice, project):
            seen += [(t.assignee.email, t.milestone.name, t.key) for t in column.tasks]
    with django_assert_num_queries(5):  # filtered: totals reused, the filtered ones counted
        for column in selectors.board(alice, project, {"assignee": personas.bob.pk}):
            seen += [(t.assignee.email, t.milestone.name, t.key) for t in column.tasks]
    assert len(seen) == 2 * size
    with django_assert_num_queries(1):
        rows = selectors.task_list(alice, project, {"status": "open"}, "-due_date")
        seen = [(t.assignee.email, t.milestone.name) for t in rows]
    assert len(seen) == size


def test_my_work_across_projects_still_belonged_to(personas):
    alice, bob = personas.alice, personas.bob
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    soon = make_task(personas.project, title="Soon", assignee=bob, due_date=dt.date(2031, 1, 1))
    late = make_task(personas.project, title="Late", assignee=bob, due_date=yesterday)
    make_task(personas.project, title="Someone else's", assignee=alice)
    done = make_task(personas.project, title="Done", assignee=bob)
    services.task_move(actor=bob, task=done, status=TaskStatus.DONE)
    Membership.objects.create(project=personas.other_project, user=bob, role=Role.MEMBER)
    elsewhere = make_task(personas.other_project, actor=personas.mallory, title="Elsewhere",
                          assignee=bob)  # fmt: skip
    work = list(selectors.my_work(bob))
    assert [t.title for t in work] == ["Late", "Soon", "Elsewhere"]
    assert [t.is_overdue for t in work] == [True, False, False]
    assert [t.title for t in selectors.my_work(bob, overdue=True)] == ["Late"]
    # Left the other project: its tasks are no longer "my work".
    Membership.objects.filter(project=personas.other_project, user=bob).delete()
    assert elsewhere not in selectors.my_work(bob)
    assert {soon, late} == set(selectors.my_work(bob))
    assert list(selectors.my_work(personas.carol)) == []
    assert Task.objects.count() == 5
