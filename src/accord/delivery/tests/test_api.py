"""The task API: clients get 404 on every task route and no task data anywhere; viewers and
staff read, never write; writes go through the services (bad input names the field, nothing
saved), If-Match, board moves with the WIP warning, bulk edits, checklists, time entries,
WIP limits and my work; query counts do not grow with the data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accord.api.concurrency import etag_for
from accord.core.models import AuditEvent
from accord.delivery import services
from accord.delivery.choices import TaskStatus
from accord.delivery.models import ChecklistItem, Task, TimeEntry, WipLimit
from accord.delivery.tests.factories import log_time, make_task
from accord.projects import services as project_services
from accord.requirements.tests.factories import make_requirement

pytestmark = pytest.mark.django_db

BASE = "/api/v1/projects/ACME"
TASKS = f"{BASE}/tasks/"
MARKER = "INTERNAL-SECRET-task"


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def world(personas):
    task = make_task(personas.project, title=f"{MARKER} payment", assignee=personas.bob,
                     checklist=["Design"])  # fmt: skip
    entry = log_time(task, actor=personas.bob, note=MARKER)
    return {"task": task, "entry": entry, "item": task.checklist.get()}


def _routes(world):
    task, entry, item = world["task"], world["entry"], world["item"]
    one = f"{TASKS}{task.number}/"
    return [
        ("get", TASKS), ("post", TASKS), ("get", f"{TASKS}board/"), ("post", f"{TASKS}bulk/"),
        ("get", one), ("patch", one), ("delete", one), ("post", f"{one}move/"),
        ("get", f"{one}checklist/"), ("post", f"{one}checklist/"),
        ("patch", f"{one}checklist/{item.pk}/"), ("delete", f"{one}checklist/{item.pk}/"),
        ("get", f"{one}time-entries/"), ("post", f"{one}time-entries/"),
        ("delete", f"{one}time-entries/{entry.pk}/"),
        ("get", f"{BASE}/wip-limits/"), ("put", f"{BASE}/wip-limits/"),
    ]  # fmt: skip


# Who gets what -------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["carol", "dave", "mallory"])
def test_clients_and_outsiders_get_404_on_every_task_route(personas, world, persona):
    client = api(getattr(personas, persona))
    unknown = client.get("/api/v1/projects/NOPE/tasks/").json()
    for method, url in _routes(world):
        response = getattr(client, method)(url, {"status": "done", "text": "x"}, format="json")
        assert response.status_code == 404, (method, url, response.status_code)
        assert response.json() == unknown
        assert MARKER not in response.content.decode()
    assert Task.objects.get().version == 1 and TimeEntry.objects.count() == 1
    assert ChecklistItem.objects.get().done is False and not WipLimit.objects.exists()
    body = client.get("/api/v1/my-work/").json()
    assert body["count"] == 0 and MARKER not in str(body)


@pytest.mark.parametrize("persona", ["vera", "staff"])
def test_viewers_and_staff_read_but_never_write(personas, world, persona):
    client = api(getattr(personas, persona))
    task = world["task"]
    assert client.get(TASKS).json()["results"][0]["title"] == task.title
    detail = client.get(f"{TASKS}{task.number}/")
    assert detail.json()["checklist"][0]["text"] == "Design"
    assert client.get(f"{TASKS}board/").json()[0]["tasks"][0]["key"] == task.key
    assert client.get(f"{TASKS}{task.number}/time-entries/").json()[0]["note"] == MARKER
    for method, url in _routes(world):
        if method == "get":
            continue
        response = getattr(client, method)(url, {"status": "done", "text": "x"}, format="json")
        assert response.status_code == 403, (method, url, response.status_code)
    assert Task.objects.get().version == 1 and TimeEntry.objects.count() == 1
    assert ChecklistItem.objects.get().done is False and not WipLimit.objects.exists()


def test_anonymous_requests_meet_the_sign_in_wall(world):
    assert api().get(TASKS).status_code in (401, 403)
    assert api().get("/api/v1/my-work/").status_code in (401, 403)


# Tasks ---------------------------------------------------------------------------------------


def test_create_with_links_by_number_and_read_it_back(personas):
    project, alice = personas.project, personas.alice
    requirement = make_requirement(project)
    milestone = project_services.milestone_create(
        actor=alice, project=project, name="Beta", due_date=dt.date(2030, 5, 1)
    )
    response = api(alice).post(
        TASKS,
        {
            "title": "Refund flow", "type": "feature", "priority": "high",
            "assignee": personas.bob.pk, "milestone": milestone.number, "estimate_hours": "8",
            "start_date": "2030-04-01", "due_date": "2030-04-10",
            "requirements": [requirement.number], "checklist": ["API", "UI"],
        },
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["key"] == "ACME-T1" and body["milestone"]["key"] == milestone.key
    assert body["requirements"] == [
        {"key": requirement.key, "number": requirement.number, "title": requirement.title}
    ]
    assert [i["text"] for i in body["checklist"]] == ["API", "UI"]
    assert body["assignee"]["id"] == personas.bob.pk and body["estimate_hours"] == "8.00"
    assert response["ETag"] == etag_for(Task.objects.get(), 1)
    assert AuditEvent.objects.filter(action="task.created").count() == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"estimate_hours": "-3"}, "estimate_hours"),
        ({"estimate_hours": "99999"}, "estimate_hours"),
        ({"start_date": "2030-04-10", "due_date": "2030-04-01"}, "due_date"),
        ({"assignee": "CAROL"}, "assignee"),
        ({"milestone": 77}, "milestone"),
        ({"requirements": [4242]}, "requirements"),
        ({"title": ""}, "title"),
        ({"status": "blocked"}, "blocked_reason"),
    ],
)
def test_create_refuses_bad_input_naming_the_field(personas, data, field):
    if data.get("assignee") == "CAROL":
        data = {"assignee": personas.carol.pk}
    response = api(personas.alice).post(TASKS, {"title": "T", **data}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field
    assert not Task.objects.exists()


def test_a_requirement_of_another_project_cannot_be_linked_by_its_number(personas):
    foreign = make_requirement(personas.other_project, title="Theirs")
    response = api(personas.alice).post(
        TASKS, {"title": "T", "requirements": [foreign.number]}, format="json"
    )
    assert response.status_code == 400 and response.json()["field"] == "requirements"
    assert not Task.objects.exists()


def test_patch_checks_if_match(personas, world):
    task = world["task"]
    url = f"{TASKS}{task.number}/"
    client = api(personas.bob)
    etag = client.get(url)["ETag"]
    services.task_update(actor=personas.alice, task=task, data={"priority": "high"})
    stale = client.patch(url, {"title": "Mine"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    fresh = client.get(url)["ETag"]
    ok = client.patch(url, {"title": "Mine"}, format="json", HTTP_IF_MATCH=fresh)
    assert ok.status_code == 200 and ok.json()["title"] == "Mine"
    assert ok["ETag"] != fresh
    assert client.get(url, HTTP_IF_NONE_MATCH=ok["ETag"]).status_code == 304


def test_patch_replaces_links_and_refuses_a_forbidden_status(personas, world):
    task = world["task"]
    requirement = make_requirement(personas.project)
    client = api(personas.bob)
    url = f"{TASKS}{task.number}/"
    response = client.patch(url, {"requirements": [requirement.number]}, format="json")
    assert [r["key"] for r in response.json()["requirements"]] == [requirement.key]
    refused = client.patch(url, {"status": "in_review", "title": "Half"}, format="json")
    assert refused.status_code == 400 and refused.json()["field"] == "status"
    task.refresh_from_db()
    assert task.title == f"{MARKER} payment" and task.status == TaskStatus.TODO


def test_only_the_manager_deletes(personas, world):
    url = f"{TASKS}{world['task'].number}/"
    assert api(personas.bob).delete(url).status_code == 403
    assert api(personas.alice).delete(url).status_code == 204
    assert not Task.objects.exists()


# Moves and bulk ------------------------------------------------------------------------------


def test_move_answers_the_wip_warning_and_refuses_forbidden_moves(personas, world):
    project, alice = personas.project, personas.alice
    services.wip_limits_set(actor=alice, project=project, limits={"in_progress": 1})
    other = make_task(project, title="Second")
    client = api(personas.bob)
    first = client.post(f"{TASKS}{world['task'].number}/move/", {"status": "in_progress"})
    assert first.status_code == 200 and first.json()["warning"] is None
    second = client.post(
        f"{TASKS}{other.number}/move/",
        {"status": "in_progress", "before": world["task"].number},
        format="json",
    )
    body = second.json()
    assert body["task"]["status"] == "in_progress" and "WIP" in body["warning"]
    column = client.get(f"{TASKS}board/").json()[1]
    assert [t["title"] for t in column["tasks"]] == ["Second", world["task"].title]
    assert (column["count"], column["limit"], column["over_limit"]) == (2, 1, True)
    refused = client.post(f"{TASKS}{other.number}/move/", {"status": "blocked"})
    assert refused.status_code == 400 and refused.json()["field"] == "blocked_reason"
    done = client.post(f"{TASKS}{other.number}/move/", {"status": "done"})
    assert done.json()["task"]["done_at"]
    back = client.post(f"{TASKS}{other.number}/move/", {"status": "in_review"})
    assert back.status_code == 400 and back.json()["field"] == "status"


def test_bulk_update_is_all_or_nothing(personas, world):
    project, client = personas.project, api(personas.alice)
    second = make_task(project, title="Second")
    services.task_move(actor=personas.alice, task=second, status=TaskStatus.IN_PROGRESS)
    services.task_move(actor=personas.alice, task=second, status=TaskStatus.IN_REVIEW)
    numbers = [world["task"].number, second.number]
    # To do stays to do; in review cannot go back to it: the whole request is refused.
    refused = client.post(
        f"{TASKS}bulk/", {"tasks": numbers, "status": "todo", "priority": "low"}, format="json"
    )
    assert refused.status_code == 400 and second.key in refused.json()["message"]
    assert set(Task.objects.values_list("status", "priority")) == {
        ("todo", "normal"),
        ("in_review", "normal"),
    }
    ok = client.post(
        f"{TASKS}bulk/", {"tasks": numbers, "priority": "urgent", "assignee": None}, format="json"
    )
    assert ok.json() == {"changed": 2}
    assert set(Task.objects.values_list("priority", "assignee")) == {("urgent", None)}
    unknown = client.post(f"{TASKS}bulk/", {"tasks": [999], "priority": "low"}, format="json")
    assert unknown.status_code == 400 and unknown.json()["field"] == "tasks"


def test_list_filters_and_sorting(personas, world):
    project = personas.project
    make_task(project, title="Zebra", priority="urgent", due_date=dt.date(2030, 1, 1))
    client = api(personas.vera)
    titles = [t["title"] for t in client.get(TASKS, {"ordering": "title"}).json()["results"]]
    assert titles == sorted(titles)
    urgent = client.get(TASKS, {"priority": "urgent"}).json()["results"]
    assert [t["title"] for t in urgent] == ["Zebra"]
    mine = client.get(TASKS, {"assignee": personas.bob.pk}).json()["results"]
    assert [t["key"] for t in mine] == [world["task"].key]
    assert client.get(TASKS, {"q": "zeb", "status": "open"}).json()["count"] == 1


# Checklist and time --------------------------------------------------------------------------


def test_checklist_over_the_api(personas, world):
    url = f"{TASKS}{world['task'].number}/checklist/"
    client = api(personas.bob)
    added = client.post(url, {"text": "Review"}, format="json")
    assert added.status_code == 201 and added.json()["position"] == 2
    empty = client.post(url, {"text": " "}, format="json")
    assert empty.status_code == 400 and empty.json()["field"] == "text"
    ticked = client.patch(f"{url}{added.json()['id']}/", {"done": True}, format="json")
    assert ticked.json()["done"] is True and ticked.json()["done_by"]["id"] == personas.bob.pk
    assert client.delete(f"{url}{world['item'].pk}/").status_code == 204
    assert [i["text"] for i in client.get(url).json()] == ["Review"]


def test_time_entries_over_the_api(personas, world):
    task = world["task"]
    url = f"{TASKS}{task.number}/time-entries/"
    today = timezone.localdate()
    bob, alice = api(personas.bob), api(personas.alice)
    logged = alice.post(url, {"date": today.isoformat(), "hours": "1.25"}, format="json")
    assert logged.status_code == 201 and logged.json()["user"]["id"] == personas.alice.pk
    future = (today + dt.timedelta(days=2)).isoformat()
    refused = bob.post(url, {"date": future, "hours": "1"}, format="json")
    assert refused.status_code == 400 and refused.json()["field"] == "date"
    too_many = bob.post(url, {"date": today.isoformat(), "hours": "30"}, format="json")
    assert too_many.status_code == 400 and too_many.json()["field"] == "hours"
    assert bob.delete(f"{url}{logged.json()['id']}/").status_code == 403
    assert alice.delete(f"{url}{world['entry'].pk}/").status_code == 204
    task.refresh_from_db()
    assert task.spent_hours == Decimal("1.25")


# Risk response actions -----------------------------------------------------------------------


def test_a_response_action_becomes_a_task_once(personas):
    from accord.risks.tests.factories import make_action, make_risk

    risk = make_risk(personas.project, visibility="shared")
    action = make_action(risk, description="Ask the client for test data", owner=personas.bob)
    url = f"{BASE}/risks/{risk.number}/actions/{action.pk}/task/"
    assert api(personas.carol).post(url).status_code == 404
    assert api(personas.vera).post(url).status_code == 403
    response = api(personas.alice).post(url)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["title"] == "Ask the client for test data"
    assert body["assignee"]["id"] == personas.bob.pk and body["response_action"] == action.pk
    again = api(personas.alice).post(url)
    assert again.status_code == 400 and again.json()["field"] == "response_action"
    assert Task.objects.count() == 1


# WIP limits and my work ----------------------------------------------------------------------


def test_wip_limits_read_by_the_team_set_by_the_manager(personas):
    url = f"{BASE}/wip-limits/"
    assert api(personas.bob).get(url).json() == dict.fromkeys(
        ["todo", "in_progress", "in_review", "blocked", "done"]
    )
    assert api(personas.bob).put(url, {"todo": 3}, format="json").status_code == 403
    response = api(personas.alice).put(url, {"todo": 3, "in_review": None}, format="json")
    assert response.json()["todo"] == 3
    refused = api(personas.alice).put(url, {"in_progress": 0}, format="json")
    assert refused.status_code == 400 and refused.json()["field"] == "in_progress"
    assert dict(WipLimit.objects.values_list("status", "limit")) == {"todo": 3}


def test_my_work_lists_open_tasks_across_projects(personas, world):
    late = make_task(
        personas.project, title="Late", assignee=personas.bob,
        due_date=timezone.localdate() - dt.timedelta(days=1),
    )  # fmt: skip
    body = api(personas.bob).get("/api/v1/my-work/").json()
    assert [t["key"] for t in body["results"]] == [late.key, world["task"].key]
    assert body["results"][0]["is_overdue"] is True
    assert body["results"][0]["project"] == {"key": "ACME", "name": personas.project.name}
    overdue = api(personas.bob).get("/api/v1/my-work/", {"overdue": "true"}).json()
    assert overdue["count"] == 1
    assert api(personas.alice).get("/api/v1/my-work/").json()["count"] == 0


# Query counts --------------------------------------------------------------------------------


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_list_board_and_detail_queries_do_not_grow(personas):
    project, bob = personas.project, personas.bob
    milestone = project_services.milestone_create(
        actor=personas.alice, project=project, name="Beta", due_date=dt.date(2030, 5, 1)
    )
    requirement = make_requirement(project)

    def add(n):
        for _ in range(n):
            task = make_task(
                project, assignee=bob, milestone=milestone, requirements=[requirement],
                checklist=["a", "b"],
            )  # fmt: skip
            services.task_move(actor=bob, task=task, status=TaskStatus.IN_PROGRESS)
            make_task(project, assignee=personas.alice)

    client = api(personas.vera)
    add(2)
    counts = [_queries(client, f"{TASKS}?ordering=-due_date"), _queries(client, f"{TASKS}board/")]
    counts.append(_queries(client, "/api/v1/my-work/"))
    add(8)
    again = [_queries(client, f"{TASKS}?ordering=-due_date"), _queries(client, f"{TASKS}board/")]
    again.append(_queries(client, "/api/v1/my-work/"))
    assert counts == again
    assert client.get(TASKS).json()["count"] == 20
