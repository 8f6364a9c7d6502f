"""Task pages: the list (filters, sorting, pagination, bulk edit, empty states), the create
form (also from a requirement), the detail page with its checklist, time and history, the
edit form (400 keeps the input, 409 for a stale edit) and the delete confirmation.

Tasks are internal: clients of the project get the same 404 as outsiders everywhere."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accord.core.models import AuditEvent
from accord.core.testing import BaseTestCase
from accord.delivery import services
from accord.delivery.choices import TaskPriority, TaskStatus, TaskType
from accord.delivery.filters import SORTS
from accord.delivery.models import ChecklistItem, Task, TimeEntry
from accord.delivery.tests.factories import log_time, make_task
from accord.projects import services as project_services
from accord.requirements.tests.factories import make_requirement

MARKER = "INTERNAL-SECRET-task"


def count_queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(queries)


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def keys_in(response: Any) -> list[str]:
    return re.findall(r'<td><span class="key">(ACME-T\d+)</span></td>', response.content.decode())


def task_form(**overrides: Any) -> dict[str, Any]:
    data = {
        "title": "Sign-in page",
        "type": TaskType.FEATURE,
        "priority": TaskPriority.NORMAL,
        "status": TaskStatus.TODO,
        "blocked_reason": "",
        "assignee": "",
        "milestone": "",
        "estimate_hours": "8",
        "start_date": "",
        "due_date": "",
        "description": "",
        "requirement_keys": "",
        "change_request_keys": "",
        "problem_keys": "",
    }
    data.update(overrides)
    return data


class TaskPagesBase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.milestone = project_services.milestone_create(
            actor=cls.alice, project=cls.project, name="Beta", due_date=dt.date(2030, 6, 30)
        )

    def url(self, name: str, *args: Any) -> str:
        return reverse(f"delivery:{name}", args=[self.project.key, *args])


class TaskListTests(TaskPagesBase):
    def test_clients_and_outsiders_get_404(self) -> None:
        make_task(self.project, title=MARKER)
        for user in (self.carol, self.dave, self.mallory):
            self.client.force_login(user)
            response = self.client.get(self.url("list"))
            self.assertEqual(response.status_code, 404)
            self.assertNotContains(response, MARKER, status_code=404)

    def test_viewer_reads_without_bulk_or_create(self) -> None:
        make_task(self.project, title=MARKER)
        self.client.force_login(self.vera)
        response = self.client.get(self.url("list"))
        self.assertContains(response, MARKER)
        self.assertNotContains(response, 'name="t"')
        self.assertNotContains(response, self.url("create"))

    def test_empty_state_tells_the_team_what_to_do(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.get(self.url("list"))
        self.assertContains(response, "No tasks yet")
        self.assertContains(response, "Create the first task")
        response = self.client.get(self.url("list") + "?q=nothing-like-this")
        self.assertContains(response, "No tasks match these filters")

    def test_filters_by_status_assignee_milestone_type_priority_requirement_and_text(self) -> None:
        requirement = make_requirement(self.project, title="Invoices")
        a = make_task(self.project, title="Alpha", assignee=self.bob, milestone=self.milestone,
                      type=TaskType.BUG, priority=TaskPriority.URGENT,
                      requirements=[requirement])  # fmt: skip
        b = make_task(self.project, title="Bravo", status=TaskStatus.IN_PROGRESS)
        c = make_task(self.project, title="Charlie", due_date=dt.date(2020, 1, 1))
        self.client.force_login(self.bob)
        cases = {
            "?status=in_progress": [b],
            f"?assignee={self.bob.pk}": [a],
            "?assignee=me": [a],
            "?assignee=none": [c, b],
            f"?milestone={self.milestone.pk}": [a],
            "?type=bug": [a],
            "?priority=urgent": [a],
            f"?requirement=R{requirement.number}": [a],
            "?q=brav": [b],
            f"?q=T{c.number}": [c],
            "?overdue=on": [c],
        }
        for query, expected in cases.items():
            response = self.client.get(self.url("list") + query)
            self.assertEqual(keys_in(response), [t.key for t in expected], query)

    def test_sorts_and_pages(self) -> None:
        tasks = [make_task(self.project, title=f"Task {i:02}") for i in range(27)]
        self.client.force_login(self.bob)
        first = keys_in(self.client.get(self.url("list")))
        self.assertEqual(len(first), 25)
        self.assertEqual(first[0], tasks[-1].key)
        second = keys_in(self.client.get(self.url("list") + "?page=2"))
        self.assertEqual(second, [tasks[1].key, tasks[0].key])
        by_title = keys_in(self.client.get(self.url("list") + "?sort=title"))
        self.assertEqual(by_title[0], tasks[0].key)
        for value, _label in SORTS:
            self.assertEqual(len(keys_in(self.client.get(self.url("list") + f"?sort={value}"))),
                             25, value)  # fmt: skip

    def test_query_count_does_not_grow_with_the_tasks(self) -> None:
        make_task(self.project, assignee=self.bob, milestone=self.milestone)
        self.client.force_login(self.alice)
        few = count_queries(self.client, self.url("list"))
        for i in range(12):
            make_task(self.project, title=f"More {i}", assignee=self.alice,
                      milestone=self.milestone)  # fmt: skip
        self.assertEqual(count_queries(self.client, self.url("list")), few)


class TaskBulkTests(TaskPagesBase):
    def test_sets_status_assignee_milestone_priority_and_type_of_the_selected_rows(self) -> None:
        a, b, c = (make_task(self.project, title=t) for t in ("A", "B", "C"))
        self.client.force_login(self.bob)
        response = self.client.post(self.url("bulk"), {
            "t": [a.number, b.number], "status": "in_progress", "assignee": self.bob.pk,
            "milestone": self.milestone.pk, "priority": "high", "type": "bug",
        })  # fmt: skip
        self.assertRedirects(response, self.url("list"), fetch_redirect_response=False)
        self.assertIn("2 tasks were changed.", messages_of(response))
        for task in (a, b):
            task.refresh_from_db()
            self.assertEqual(
                (task.status, task.assignee, task.milestone, task.priority, task.type),
                ("in_progress", self.bob, self.milestone, "high", "bug"),
            )
        c.refresh_from_db()
        self.assertEqual(c.status, TaskStatus.TODO)

    def test_refuses_a_forbidden_move_for_all_and_changes_nothing(self) -> None:
        done = make_task(self.project, title="Done", status=TaskStatus.DONE)
        todo = make_task(self.project, title="Todo")
        self.client.force_login(self.bob)
        before = AuditEvent.objects.count()
        response = self.client.post(
            self.url("bulk"), {"t": [done.number, todo.number], "status": "in_review"}
        )
        self.assertTrue(any(done.key in m for m in messages_of(response)))
        todo.refresh_from_db()
        self.assertEqual(todo.status, TaskStatus.TODO)
        self.assertEqual(AuditEvent.objects.count(), before)

    def test_nothing_selected_changes_nothing(self) -> None:
        task = make_task(self.project)
        self.client.force_login(self.bob)
        response = self.client.post(self.url("bulk"), {"status": "in_progress"})
        self.assertIn("Select at least one task first. Nothing was changed.", messages_of(response))
        task.refresh_from_db()
        self.assertEqual(task.status, TaskStatus.TODO)

    def test_viewer_is_refused(self) -> None:
        task = make_task(self.project)
        self.client.force_login(self.vera)
        response = self.client.post(self.url("bulk"), {"t": [task.number], "priority": "high"})
        self.assertEqual(response.status_code, 403)
        task.refresh_from_db()
        self.assertEqual(task.priority, TaskPriority.NORMAL)


class TaskCreateTests(TaskPagesBase):
    def test_creates_a_task_from_a_requirement(self) -> None:
        requirement = make_requirement(self.project, title="Invoice export")
        self.client.force_login(self.alice)
        url = self.url("create") + f"?requirement={requirement.number}"
        page = self.client.get(url)
        self.assertContains(page, f'value="R{requirement.number}"')
        self.assertContains(page, "Invoice export")
        response = self.client.post(url, task_form(
            requirement_keys=f"R{requirement.number}", assignee=self.bob.pk,
            milestone=self.milestone.pk, description="Use **CSV**.", another="1",
        ))  # fmt: skip
        self.assertRedirects(response, url, fetch_redirect_response=False)
        task = Task.objects.get(project=self.project)
        self.assertEqual(list(task.requirements.all()), [requirement])
        self.assertEqual((task.assignee, task.milestone), (self.bob, self.milestone))
        self.assertEqual(task.estimate_hours, Decimal("8"))
        self.assertTrue(AuditEvent.objects.filter(action="task.created").exists())

    def test_bad_input_answers_400_keeps_it_and_saves_nothing(self) -> None:
        self.client.force_login(self.alice)
        cases = [
            ({"title": ""}, "title"),
            ({"estimate_hours": "-3"}, "estimate_hours"),
            ({"estimate_hours": "99999"}, "estimate_hours"),
            ({"start_date": "2030-05-02", "due_date": "2030-05-01"}, "due_date"),
            ({"status": "blocked"}, "blocked_reason"),
            ({"assignee": str(self.carol.pk)}, "assignee"),
            ({"requirement_keys": "EVIL-R1"}, "requirement_keys"),
            ({"requirement_keys": "R999"}, "requirement_keys"),
        ]
        for overrides, field in cases:
            data = task_form(**{"title": "Kept title", **overrides})
            response = self.client.post(self.url("create"), data)
            self.assertEqual(response.status_code, 400, overrides)
            self.assertIn(field, response.context["form"].errors, overrides)
            if overrides.get("title", "x"):
                self.assertContains(response, 'value="Kept title"', status_code=400)
        self.assertFalse(Task.objects.exists())

    def test_another_projects_requirement_is_refused_naming_its_key(self) -> None:
        other = make_requirement(self.other_project, title="Elsewhere")
        self.client.force_login(self.alice)
        response = self.client.post(
            self.url("create"), task_form(requirement_keys=f"EVIL-R{other.number}")
        )
        self.assertContains(response, f"EVIL-R{other.number}", status_code=400)
        self.assertFalse(Task.objects.exists())

    def test_viewer_and_client(self) -> None:
        self.client.force_login(self.vera)
        self.assertEqual(self.client.get(self.url("create")).status_code, 403)
        self.client.force_login(self.carol)
        self.assertEqual(self.client.get(self.url("create")).status_code, 404)


class TaskDetailTests(TaskPagesBase):
    def test_shows_facts_markdown_links_checklist_time_and_history(self) -> None:
        requirement = make_requirement(self.project, title="Invoice export")
        task = make_task(self.project, title=MARKER, description="Use **CSV** <script>x</script>",
                         assignee=self.bob, milestone=self.milestone, estimate_hours="6",
                         requirements=[requirement], checklist=["Write tests"])  # fmt: skip
        log_time(task, actor=self.bob, hours="1.5", note="first pass")
        self.client.force_login(self.vera)
        response = self.client.get(self.url("detail", task.number))
        self.assertContains(response, "<strong>CSV</strong>", html=True)
        self.assertNotContains(response, "<script>x</script>")
        self.assertContains(response, requirement.key)
        self.assertContains(response, "Write tests")
        self.assertContains(response, "first pass")
        self.assertContains(response, "1.50 h spent")
        self.assertContains(response, "Beta")
        self.assertContains(response, 'id="history"')
        # Viewers read, never write.
        self.assertNotContains(response, self.url("time-create", task.number))
        self.assertNotContains(response, self.url("edit", task.number))

    def test_clients_get_the_404_of_an_unknown_task(self) -> None:
        task = make_task(self.project, title=MARKER)
        self.client.force_login(self.carol)
        response = self.client.get(self.url("detail", task.number))
        unknown = self.client.get(self.url("detail", 9999))
        self.assertEqual((response.status_code, unknown.status_code), (404, 404))
        self.assertNotContains(response, MARKER, status_code=404)

    def test_query_count_does_not_grow(self) -> None:
        task = make_task(self.project, assignee=self.bob, milestone=self.milestone,
                         checklist=["one"])  # fmt: skip
        log_time(task, actor=self.bob)
        self.client.force_login(self.bob)
        few = count_queries(self.client, self.url("detail", task.number))
        for i in range(6):
            services.checklist_add(actor=self.bob, task=task, text=f"step {i}")
            log_time(task, actor=self.alice, hours="0.5",
                     date=timezone.localdate() - dt.timedelta(days=i + 1))  # fmt: skip
            requirement = make_requirement(self.project, title=f"R {i}")
            services.task_update(actor=self.bob, task=Task.objects.get(pk=task.pk), data={},
                                 requirements=[*task.requirements.all(), requirement])  # fmt: skip
        self.assertEqual(count_queries(self.client, self.url("detail", task.number)), few)


class ChecklistTests(TaskPagesBase):
    def test_add_toggle_and_delete_with_htmx(self) -> None:
        task = make_task(self.project)
        self.client.force_login(self.bob)
        hx = {"HTTP_HX_REQUEST": "true"}
        response = self.client.post(
            self.url("checklist-add", task.number), {"text": "Review"}, **hx
        )
        self.assertContains(response, 'id="checklist"')
        self.assertContains(response, "Review")
        item = ChecklistItem.objects.get(task=task)
        self.client.post(self.url("checklist-toggle", task.number, item.pk), {"done": "on"}, **hx)
        item.refresh_from_db()
        self.assertTrue(item.done)
        self.client.post(self.url("checklist-toggle", task.number, item.pk), {}, **hx)
        item.refresh_from_db()
        self.assertFalse(item.done)
        confirm = self.client.get(self.url("checklist-delete", task.number, item.pk))
        self.assertContains(confirm, "Delete item")
        response = self.client.post(self.url("checklist-delete", task.number, item.pk), **hx)
        self.assertNotContains(response, "Review")
        self.assertFalse(ChecklistItem.objects.exists())
        self.assertTrue(AuditEvent.objects.filter(action="task.checklist").exists())

    def test_empty_item_is_refused_with_400(self) -> None:
        task = make_task(self.project)
        self.client.force_login(self.bob)
        response = self.client.post(
            self.url("checklist-add", task.number), {"text": ""}, HTTP_HX_REQUEST="true"
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(ChecklistItem.objects.exists())

    def test_an_item_of_another_task_is_404(self) -> None:
        task, other = make_task(self.project), make_task(self.project, title="Other")
        item = services.checklist_add(actor=self.bob, task=other, text="Theirs")
        self.client.force_login(self.bob)
        response = self.client.post(
            self.url("checklist-toggle", task.number, item.pk), {"done": "on"}
        )
        self.assertEqual(response.status_code, 404)


class TimeTests(TaskPagesBase):
    def test_logs_time_and_updates_spent_hours(self) -> None:
        task = make_task(self.project, assignee=self.bob)
        self.client.force_login(self.bob)
        today = timezone.localdate().isoformat()
        response = self.client.post(
            self.url("time-create", task.number), {"date": today, "hours": "2.5", "note": "API"}
        )
        self.assertRedirects(response, self.url("detail", task.number) + "#time",
                             fetch_redirect_response=False)  # fmt: skip
        task.refresh_from_db()
        self.assertEqual(task.spent_hours, Decimal("2.5"))
        self.assertEqual(TimeEntry.objects.get().user, self.bob)

    def test_bad_hours_and_future_dates_are_refused_naming_the_field(self) -> None:
        task = make_task(self.project)
        self.client.force_login(self.bob)
        today = timezone.localdate()
        log_time(task, actor=self.bob, hours="20")
        cases = [
            ({"date": today.isoformat(), "hours": "-1"}, "hours"),
            ({"date": today.isoformat(), "hours": "25"}, "hours"),
            ({"date": (today + dt.timedelta(days=2)).isoformat(), "hours": "1"}, "date"),
            ({"date": today.isoformat(), "hours": "5"}, "hours"),  # the day's total over 24
        ]
        for data, field in cases:
            response = self.client.post(self.url("time-create", task.number), data)
            self.assertEqual(response.status_code, 400, data)
            self.assertIn(field, response.context["time_form"].errors, data)
        self.assertEqual(TimeEntry.objects.count(), 1)

    def test_delete_own_entry_after_confirmation_but_not_someone_elses(self) -> None:
        task = make_task(self.project)
        mine = log_time(task, actor=self.bob, hours="1")
        theirs = log_time(task, actor=self.alice, hours="2")
        self.client.force_login(self.bob)
        self.assertEqual(
            self.client.get(self.url("time-delete", task.number, theirs.pk)).status_code, 403
        )
        self.assertContains(self.client.get(self.url("time-delete", task.number, mine.pk)),
                            "Delete time entry")  # fmt: skip
        self.client.post(self.url("time-delete", task.number, mine.pk))
        self.assertEqual(list(TimeEntry.objects.all()), [theirs])
        task.refresh_from_db()
        self.assertEqual(task.spent_hours, Decimal("2"))


class TaskEditTests(TaskPagesBase):
    def test_saves_and_refuses_a_stale_version_with_409(self) -> None:
        task = make_task(self.project, title="Before")
        self.client.force_login(self.bob)
        page = self.client.get(self.url("edit", task.number))
        version = page.context["form"].initial["version"]
        services.task_update(actor=self.alice, task=task, data={"priority": "high"})
        data = task_form(title="Mine", version=version)
        for name in ("status", "blocked_reason"):
            data.pop(name)
        response = self.client.post(self.url("edit", task.number), data)
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "Someone else changed", status_code=409)
        self.assertContains(response, 'value="Mine"', status_code=409)
        task.refresh_from_db()
        self.assertEqual(task.title, "Before")
        data["version"] = task.version
        response = self.client.post(self.url("edit", task.number), data)
        self.assertRedirects(response, self.url("detail", task.number),
                             fetch_redirect_response=False)  # fmt: skip
        task.refresh_from_db()
        self.assertEqual(task.title, "Mine")

    def test_bad_estimate_is_400_with_the_input_kept(self) -> None:
        task = make_task(self.project, title="Before")
        self.client.force_login(self.bob)
        data = task_form(title="Typed", estimate_hours="-5", version=task.version)
        response = self.client.post(self.url("edit", task.number), data)
        self.assertEqual(response.status_code, 400)
        self.assertIn("estimate_hours", response.context["form"].errors)
        self.assertContains(response, 'value="Typed"', status_code=400)
        task.refresh_from_db()
        self.assertEqual(task.title, "Before")


class TaskDeleteTests(TaskPagesBase):
    def test_manager_deletes_after_confirmation_members_cannot(self) -> None:
        task = make_task(self.project, title=MARKER)
        self.client.force_login(self.bob)
        self.assertEqual(self.client.get(self.url("delete", task.number)).status_code, 403)
        self.assertEqual(self.client.post(self.url("delete", task.number)).status_code, 403)
        self.client.force_login(self.alice)
        self.assertContains(self.client.get(self.url("delete", task.number)), "Delete task")
        response = self.client.post(self.url("delete", task.number), {"version": task.version})
        self.assertRedirects(response, self.url("list"), fetch_redirect_response=False)
        self.assertFalse(Task.objects.exists())
        self.assertTrue(AuditEvent.objects.filter(action="task.deleted").exists())
