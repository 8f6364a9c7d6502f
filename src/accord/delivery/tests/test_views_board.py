"""The board: columns with counts and WIP limits, moves through htmx and without JavaScript
(refused moves show the workflow's message, moves over a limit warn), filters, the WIP limits
page, and a query count that does not grow with the tasks."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accord.core.models import AuditEvent
from accord.core.testing import BaseTestCase
from accord.delivery import services
from accord.delivery.choices import TaskStatus, TaskType
from accord.delivery.models import Task, WipLimit
from accord.delivery.tests.factories import make_task
from accord.projects import services as project_services

HX = {"HTTP_HX_REQUEST": "true"}


def column_of(html: str, status: str) -> str:
    """The HTML of one board column."""
    match = re.search(
        rf'<section class="board-column[^"]*" data-status="{status}".*?</section>', html, re.S
    )
    assert match, f"no column {status}"
    return match.group(0)


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


class BoardBase(BaseTestCase):
    def url(self, name: str, *args: Any) -> str:
        return reverse(f"delivery:{name}", args=[self.project.key, *args])


class BoardPageTests(BoardBase):
    def test_columns_show_cards_counts_and_wip_limit(self) -> None:
        services.wip_limits_set(actor=self.alice, project=self.project,
                                limits={TaskStatus.IN_PROGRESS: 1})  # fmt: skip
        make_task(self.project, title="Card one", status=TaskStatus.IN_PROGRESS,
                  assignee=self.bob, estimate_hours="5", due_date=dt.date(2030, 1, 2))  # fmt: skip
        make_task(self.project, title="Card two", status=TaskStatus.IN_PROGRESS)
        make_task(self.project, title="Waiting")
        self.client.force_login(self.vera)
        html = self.client.get(self.url("board")).content.decode()
        progress = column_of(html, "in_progress")
        self.assertIn("2 / 1", progress)
        self.assertIn("over-limit", progress)
        self.assertIn("Over its WIP limit", progress)
        self.assertIn("Card one", progress)
        self.assertIn("Bob", progress)
        self.assertIn("5 h", progress)
        self.assertIn("Waiting", column_of(html, "todo"))
        # Viewers read the board but cannot drag or move.
        self.assertNotIn('draggable="true"', html)
        self.assertNotIn("Move to…", html)

    def test_filters_by_assignee_milestone_and_type(self) -> None:
        milestone = project_services.milestone_create(
            actor=self.alice, project=self.project, name="Beta", due_date=dt.date(2030, 6, 30)
        )
        make_task(self.project, title="Bobs bug", assignee=self.bob, type=TaskType.BUG)
        make_task(self.project, title="In beta", milestone=milestone)
        make_task(self.project, title="Other")
        self.client.force_login(self.bob)
        for query, expected in {
            f"?assignee={self.bob.pk}": "Bobs bug",
            "?assignee=me": "Bobs bug",
            f"?milestone={milestone.pk}": "In beta",
            "?type=bug": "Bobs bug",
        }.items():
            html = self.client.get(self.url("board") + query).content.decode()
            todo = column_of(html, "todo")
            self.assertIn(expected, todo, query)
            self.assertNotIn("Other", todo, query)

    def test_empty_board_says_what_to_do(self) -> None:
        self.client.force_login(self.bob)
        response = self.client.get(self.url("board"))
        self.assertContains(response, "The board is empty")
        self.assertContains(response, self.url("create"))

    def test_clients_get_404(self) -> None:
        make_task(self.project, title="INTERNAL-SECRET-task")
        self.client.force_login(self.carol)
        response = self.client.get(self.url("board"))
        self.assertEqual(response.status_code, 404)
        self.assertNotContains(response, "INTERNAL-SECRET-task", status_code=404)

    def test_query_count_does_not_grow_with_the_tasks(self) -> None:
        def fill(size: int) -> None:
            for status in TaskStatus.values:
                for i in range(size):
                    make_task(self.project, title=f"{status} {i}", status=status,
                              blocked_reason="waiting" if status == "blocked" else "",
                              assignee=self.alice)  # fmt: skip

        def count() -> int:
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(self.client.get(self.url("board")).status_code, 200)
            return len(queries)

        # Every column holds cards in both sizes: an empty column costs no card query.
        fill(1)
        self.client.force_login(self.bob)
        few = count()
        fill(3)
        self.assertEqual(count(), few)


class MoveTests(BoardBase):
    def test_htmx_move_answers_the_board_with_the_card_in_its_new_column(self) -> None:
        task = make_task(self.project, title="Move me")
        self.client.force_login(self.bob)
        response = self.client.post(self.url("move", task.number), {"status": "in_progress"}, **HX)
        html = response.content.decode()
        self.assertIn('id="board"', html)
        self.assertIn("Move me", column_of(html, "in_progress"))
        self.assertIn(f"{task.key} moved to “In progress”.", html)
        task.refresh_from_db()
        self.assertEqual(task.status, TaskStatus.IN_PROGRESS)
        self.assertTrue(AuditEvent.objects.filter(action="task.moved").exists())

    def test_a_move_the_workflow_forbids_shows_the_error_and_changes_nothing(self) -> None:
        task = make_task(self.project, title="Stay")
        self.client.force_login(self.bob)
        response = self.client.post(self.url("move", task.number), {"status": "in_review"}, **HX)
        html = response.content.decode()
        self.assertIn("message-error", html)
        self.assertIn(f"{task.key} was not moved", html)
        self.assertIn("In review", html)
        task.refresh_from_db()
        self.assertEqual(task.status, TaskStatus.TODO)

    def test_blocking_needs_a_reason(self) -> None:
        task = make_task(self.project)
        self.client.force_login(self.bob)
        self.client.post(self.url("move", task.number), {"status": "blocked"}, **HX)
        task.refresh_from_db()
        self.assertEqual(task.status, TaskStatus.TODO)
        self.client.post(
            self.url("move", task.number), {"status": "blocked", "blocked_reason": "API down"}
        )
        task.refresh_from_db()
        self.assertEqual((task.status, task.blocked_reason), ("blocked", "API down"))

    def test_over_the_limit_is_kept_with_a_warning(self) -> None:
        services.wip_limits_set(actor=self.alice, project=self.project,
                                limits={TaskStatus.IN_PROGRESS: 1})  # fmt: skip
        make_task(self.project, status=TaskStatus.IN_PROGRESS)
        task = make_task(self.project, title="One too many")
        self.client.force_login(self.bob)
        response = self.client.post(self.url("move", task.number), {"status": "in_progress"}, **HX)
        html = response.content.decode()
        self.assertIn("message-warning", html)
        self.assertIn("2 / 1", column_of(html, "in_progress"))
        task.refresh_from_db()
        self.assertEqual(task.status, TaskStatus.IN_PROGRESS)

    def test_places_the_card_before_another_of_the_column(self) -> None:
        first = make_task(self.project, title="First", status=TaskStatus.IN_PROGRESS)
        second = make_task(self.project, title="Second", status=TaskStatus.IN_PROGRESS)
        task = make_task(self.project, title="Jumper")
        self.client.force_login(self.bob)
        self.client.post(self.url("move", task.number),
                         {"status": "in_progress", "before": first.number}, **HX)  # fmt: skip
        order = list(
            Task.objects.filter(status="in_progress").order_by("rank").values_list("pk", flat=True)
        )
        self.assertEqual(order, [task.pk, first.pk, second.pk])

    def test_without_javascript_the_move_redirects_back_with_a_message(self) -> None:
        task = make_task(self.project)
        self.client.force_login(self.bob)
        board = self.url("board") + "?type=feature"
        response = self.client.post(
            self.url("move", task.number), {"status": "done", "next": board}
        )
        self.assertRedirects(response, board, fetch_redirect_response=False)
        self.assertIn(f"{task.key} moved to “Done”.", messages_of(response))
        response = self.client.post(
            self.url("move", task.number), {"status": "in_review", "next": "https://evil.example/"}
        )
        self.assertRedirects(response, self.url("board"), fetch_redirect_response=False)

    def test_the_task_page_offers_the_allowed_moves_and_refuses_a_stale_one(self) -> None:
        task = make_task(self.project, status=TaskStatus.DONE)
        self.client.force_login(self.bob)
        detail = self.url("detail", task.number)
        html = self.client.get(detail).content.decode()
        select = re.search(r'<select name="status" id="move-status">(.*?)</select>', html, re.S)
        assert select is not None
        self.assertEqual(re.findall(r'value="(\w+)"', select.group(1)), ["todo", "in_progress"])
        stale = task.version
        services.task_update(actor=self.alice, task=task, data={"priority": "high"})
        response = self.client.post(
            self.url("move", task.number), {"status": "todo", "version": stale, "next": detail}
        )
        self.assertRedirects(response, detail, fetch_redirect_response=False)
        self.assertTrue(any("Someone else changed" in m for m in messages_of(response)))
        task.refresh_from_db()
        self.assertEqual(task.status, TaskStatus.DONE)

    def test_viewer_cannot_move(self) -> None:
        task = make_task(self.project)
        self.client.force_login(self.vera)
        response = self.client.post(self.url("move", task.number), {"status": "in_progress"})
        self.assertEqual(response.status_code, 403)
        task.refresh_from_db()
        self.assertEqual(task.status, TaskStatus.TODO)


class WipLimitsTests(BoardBase):
    def test_manager_sets_and_clears_limits(self) -> None:
        self.client.force_login(self.alice)
        self.assertContains(self.client.get(self.url("wip")), "WIP limits")
        response = self.client.post(self.url("wip"), {"in_progress": "3", "in_review": ""})
        self.assertRedirects(response, self.url("board"), fetch_redirect_response=False)
        self.assertEqual(dict(WipLimit.objects.values_list("status", "limit")), {"in_progress": 3})
        self.client.post(self.url("wip"), {"in_progress": ""})
        self.assertFalse(WipLimit.objects.exists())

    def test_bad_limit_is_400_and_saves_nothing(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.post(self.url("wip"), {"in_progress": "0", "todo": "5"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("in_progress", response.context["form"].errors)
        self.assertFalse(WipLimit.objects.exists())

    def test_members_are_refused(self) -> None:
        self.client.force_login(self.bob)
        self.assertEqual(self.client.get(self.url("wip")).status_code, 403)
        self.assertEqual(self.client.post(self.url("wip"), {"todo": "2"}).status_code, 403)
        self.assertFalse(WipLimit.objects.exists())
