"""Delivery insight pages: milestone progress with burn-up and forecast (team and client),
workload and capacity, a task from a risk's response action, the overview card, and the
delivery parts of the traceability matrix, requirement, milestone, risk and problem pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import time_machine
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accord.core.choices import Visibility
from accord.core.models import AuditEvent
from accord.core.testing import BaseTestCase
from accord.delivery import services
from accord.delivery.choices import TaskStatus
from accord.delivery.models import Capacity, Task
from accord.delivery.views.insights import overview_card
from accord.projects import services as project_services
from accord.requirements.choices import Status
from accord.requirements.tests.factories import make_requirement
from accord.risks import problem_services
from accord.risks.tests.factories import make_action, make_risk

TASK_TITLE = "INTERNAL-SECRET-task title"


def queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(captured)


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


class InsightsBase(BaseTestCase):
    def setUp(self) -> None:
        self.shared = project_services.milestone_create(
            actor=self.alice,
            project=self.project,
            name="Beta release",
            due_date=dt.date(2026, 3, 31),
        )
        self.internal = project_services.milestone_create(
            actor=self.alice,
            project=self.project,
            name="Internal hardening",
            due_date=dt.date(2026, 4, 30),
            visibility=Visibility.INTERNAL,
        )

    def task(self, **fields: Any) -> Task:
        fields.setdefault("title", TASK_TITLE)
        fields.setdefault("milestone", self.shared)
        return services.task_create(actor=self.alice, project=self.project, **fields)

    def finish(self, task: Task) -> Task:
        task, _warning = services.task_move(actor=self.alice, task=task, status=TaskStatus.DONE)
        return task

    def progress_url(self, milestone: Any) -> str:
        return reverse(
            "delivery:milestone-progress",
            kwargs={"key": self.project.key, "number": milestone.number},
        )


class MilestoneProgressPageTests(InsightsBase):
    def plan(self) -> None:
        with time_machine.travel(dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC), tick=False):
            first = self.task(estimate_hours=Decimal(8))
            self.task(estimate_hours=Decimal(4), due_date=dt.date(2026, 3, 3))
        with time_machine.travel(dt.datetime(2026, 3, 4, 10, tzinfo=dt.UTC), tick=False):
            self.finish(first)
            self.task(title="Added later")

    def test_the_team_sees_counts_hours_chart_forecast_and_open_tasks(self) -> None:
        self.plan()
        self.client.force_login(self.bob)
        with time_machine.travel(dt.datetime(2026, 3, 6, 10, tzinfo=dt.UTC), tick=False):
            r = self.client.get(self.progress_url(self.shared))
        self.assertEqual(r.status_code, 200)
        html = r.content.decode()
        self.assertIn('<div class="stat">1 / 3</div>', html)
        self.assertIn("33%", html)
        self.assertIn("8 / 12 h", html)
        # The chart: accessible SVG with both lines, its description and the table fallback.
        self.assertIn('role="img"', html)
        self.assertIn('<polyline class="scope"', html)
        self.assertIn('<polyline class="done"', html)
        self.assertIn('<desc id="burnup-desc">', html)
        self.assertIn("the scope went from 2 to 3 tasks", html)
        self.assertIn("<td>3</td><td>1</td>", html)  # 4 March: the task added that day
        # One done in four weeks → 0.25 a week; two remain → 56 days from 6 March: 1 May.
        self.assertIn("days late", html)
        self.assertIn("Forecast finish", html)
        # Open tasks, by title, for the team; the overdue one flagged.
        self.assertIn(TASK_TITLE, html)
        self.assertIn("row-overdue", html)

    def test_a_client_sees_a_shared_milestone_summary_but_no_task(self) -> None:
        self.plan()
        for client in (self.carol, self.dave):
            self.client.force_login(client)
            r = self.client.get(self.progress_url(self.shared))
            self.assertEqual(r.status_code, 200)
            html = r.content.decode()
            self.assertIn('<div class="stat">1 / 3</div>', html)
            self.assertIn('<polyline class="scope"', html)
            self.assertIn("Forecast", html)
            self.assertNotIn(TASK_TITLE, html)
            self.assertNotIn("Added later", html)
            self.assertNotIn(" h</div>", html)  # no hours
            self.assertNotIn("Overdue tasks", html)
            self.assertNotIn("/tasks/workload/", html)

    def test_an_internal_milestone_is_not_found_for_clients_and_outsiders(self) -> None:
        self.task(milestone=self.internal)
        for user in (self.carol, self.mallory):
            self.client.force_login(user)
            self.assertEqual(self.client.get(self.progress_url(self.internal)).status_code, 404)
        self.client.force_login(self.vera)
        self.assertContains(self.client.get(self.progress_url(self.internal)), TASK_TITLE)

    def test_a_milestone_without_tasks_says_what_to_do(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(self.progress_url(self.shared))
        self.assertContains(r, "No history yet")
        self.assertContains(r, "Plan a task.")
        self.assertContains(r, "No forecast: the milestone has no tasks yet.")

    def test_the_summary_part_for_the_milestone_page(self) -> None:
        self.plan()
        self.client.force_login(self.carol)
        r = self.client.get(self.progress_url(self.shared), {"part": "summary"})
        self.assertContains(r, "1 of 3 tasks done (33%)")
        self.assertNotContains(r, "<html")
        self.assertNotContains(r, TASK_TITLE)

    def test_the_milestone_page_loads_the_summary(self) -> None:
        self.client.force_login(self.carol)
        url = reverse(
            "projects:milestone-detail",
            kwargs={"key": self.project.key, "number": self.shared.number},
        )
        self.assertContains(self.client.get(url), f'hx-get="{self.progress_url(self.shared)}')

    def test_its_query_count_does_not_grow_with_the_tasks(self) -> None:
        self.plan()
        self.client.force_login(self.alice)
        url = self.progress_url(self.shared)
        small = queries(self.client, url)
        for n in range(15):
            task = self.task(title=f"More {n}", due_date=dt.date(2026, 1, 1))
            if n % 3 == 0:
                self.finish(task)
        self.assertEqual(queries(self.client, url), small)
        self.client.force_login(self.carol)
        self.assertLessEqual(queries(self.client, url), small)


class WorkloadPageTests(InsightsBase):
    def url(self) -> str:
        return reverse("delivery:workload", kwargs={"key": self.project.key})

    def test_overload_is_shown_in_colour_and_words(self) -> None:
        services.capacity_set(actor=self.alice, user=self.bob, hours_per_week=Decimal(10))
        self.task(assignee=self.bob, estimate_hours=Decimal(16))
        self.client.force_login(self.alice)
        r = self.client.get(self.url())
        html = r.content.decode()
        self.assertIn("1 person is over capacity in at least one week", html)
        self.assertIn("Over by 6 h", html)
        self.assertIn('class="bar-over"', html)
        self.assertIn("over capacity", html)
        self.assertIn("Alice", html)
        self.assertIn('40 h <small class="muted">(default)</small>', html)
        self.assertNotIn(TASK_TITLE, html)

    def test_clients_and_outsiders_get_404_viewers_and_staff_read(self) -> None:
        for user in (self.carol, self.dave, self.mallory):
            self.client.force_login(user)
            self.assertEqual(self.client.get(self.url()).status_code, 404)
        for user in (self.vera, self.staff):
            self.client.force_login(user)
            self.assertContains(self.client.get(self.url()), "Workload")

    def test_its_query_count_does_not_grow_with_the_tasks(self) -> None:
        self.task(assignee=self.bob, estimate_hours=Decimal(2))
        self.client.force_login(self.alice)
        small = queries(self.client, self.url())
        for n in range(12):
            self.task(title=f"T{n}", assignee=self.alice, estimate_hours=Decimal(3))
        services.capacity_set(actor=self.alice, user=self.bob, hours_per_week=Decimal(30))
        self.assertEqual(queries(self.client, self.url()), small)


class CapacityTests(InsightsBase):
    def url(self, **query: Any) -> str:
        url = reverse("delivery:capacity", kwargs={"key": self.project.key})
        return url + (f"?person={query['person']}" if query else "")

    def test_a_member_sets_their_own_capacity(self) -> None:
        self.client.force_login(self.bob)
        r = self.client.post(self.url(), {"person": self.bob.pk, "hours_per_week": "32"})
        self.assertRedirects(r, reverse("delivery:workload", kwargs={"key": self.project.key}))
        self.assertEqual(Capacity.objects.get(user=self.bob).hours_per_week, Decimal("32.0"))
        self.assertTrue(AuditEvent.objects.filter(action="capacity.set").exists())

    def test_a_member_cannot_choose_someone_else(self) -> None:
        self.client.force_login(self.bob)
        page = self.client.get(self.url())
        self.assertNotContains(page, f'value="{self.alice.pk}"')
        r = self.client.post(self.url(), {"person": self.alice.pk, "hours_per_week": "5"})
        self.assertEqual(r.status_code, 400)
        self.assertIn("person", r.context["form"].errors)
        self.assertFalse(Capacity.objects.exists())

    def test_the_manager_sets_anyones_on_the_team(self) -> None:
        self.client.force_login(self.alice)
        page = self.client.get(self.url(person=self.bob.pk))
        self.assertContains(page, f'<option value="{self.bob.pk}" selected>')
        r = self.client.post(self.url(), {"person": self.bob.pk, "hours_per_week": "24"})
        self.assertEqual(r.status_code, 302)
        self.assertEqual(Capacity.objects.get(user=self.bob).hours_per_week, Decimal(24))

    def test_absurd_hours_are_refused_naming_the_field(self) -> None:
        self.client.force_login(self.bob)
        for value in ("-1", "200", "lots"):
            r = self.client.post(self.url(), {"person": self.bob.pk, "hours_per_week": value})
            self.assertEqual(r.status_code, 400)
            self.assertIn("hours_per_week", r.context["form"].errors)
            self.assertContains(r, value, status_code=400)  # the input is kept
        self.assertFalse(Capacity.objects.exists())

    def test_viewers_are_refused_and_clients_do_not_find_it(self) -> None:
        self.client.force_login(self.vera)
        self.assertEqual(self.client.get(self.url()).status_code, 403)
        r = self.client.post(self.url(), {"person": self.vera.pk, "hours_per_week": "5"})
        self.assertEqual(r.status_code, 403)
        self.client.force_login(self.carol)
        self.assertEqual(self.client.get(self.url()).status_code, 404)
        self.assertFalse(Capacity.objects.exists())


class TaskFromActionTests(InsightsBase):
    def setUp(self) -> None:
        super().setUp()
        self.risk = make_risk(self.project, visibility=Visibility.SHARED)
        self.action = make_action(
            self.risk, description="Pair a second developer on SSO", owner=self.bob
        )
        self.url = reverse(
            "delivery:task-from-action", kwargs={"key": self.project.key, "pk": self.action.pk}
        )
        self.risk_url = reverse(
            "risks:detail", kwargs={"key": self.project.key, "number": self.risk.number}
        )

    def test_the_team_makes_a_task_from_the_action_once(self) -> None:
        self.client.force_login(self.bob)
        page = self.client.get(self.risk_url)
        self.assertContains(page, f'action="{self.url}"')
        self.assertContains(page, "Make a task")
        r = self.client.post(self.url)
        task = Task.objects.get(response_action=self.action)
        self.assertRedirects(
            r,
            reverse("delivery:detail", kwargs={"key": self.project.key, "number": task.number}),
            fetch_redirect_response=False,
        )
        self.assertEqual(task.title, "Pair a second developer on SSO")
        self.assertEqual(task.assignee, self.bob)
        # The risk's page now links the task instead of offering the button.
        page = self.client.get(self.risk_url)
        self.assertContains(page, f'<span class="key">ACME-T{task.number}</span>')
        self.assertNotContains(page, f'action="{self.url}"')
        # A second try is refused with the service's message; still one task.
        r = self.client.post(self.url, follow=True)
        self.assertIn("This response action already has its task.", messages_of(r))
        self.assertEqual(Task.objects.filter(response_action=self.action).count(), 1)

    def test_only_the_team_may_and_clients_never_see_the_task_column(self) -> None:
        self.client.force_login(self.vera)
        self.assertEqual(self.client.post(self.url).status_code, 403)
        self.client.force_login(self.carol)
        self.assertEqual(self.client.post(self.url).status_code, 404)
        page = self.client.get(self.risk_url)
        self.assertNotContains(page, "Make a task")
        self.client.force_login(self.mallory)
        self.assertEqual(self.client.post(self.url).status_code, 404)
        self.client.force_login(self.bob)
        self.assertEqual(self.client.get(self.url).status_code, 405)
        self.assertFalse(Task.objects.exists())

    def test_an_action_of_another_project_is_not_found(self) -> None:
        other = make_risk(self.other_project)
        action = make_action(other, description="Elsewhere")
        url = reverse(
            "delivery:task-from-action", kwargs={"key": self.project.key, "pk": action.pk}
        )
        self.client.force_login(self.alice)
        self.assertEqual(self.client.post(url).status_code, 404)
        self.assertFalse(Task.objects.exists())


class OverviewCardTests(InsightsBase):
    def test_the_team_gets_overdue_tasks_and_milestones(self) -> None:
        with time_machine.travel(dt.datetime(2026, 4, 2, 10, tzinfo=dt.UTC), tick=False):
            self.task(due_date=dt.date(2026, 4, 1))
            self.finish(self.task(title="Finished", due_date=dt.date(2026, 3, 1)))
            card = overview_card(self.bob, self.project)
        self.assertTrue(card["team"])
        self.assertEqual(card["overdue_tasks"], 1)
        self.assertEqual([t.title for t in card["overdue_task_list"]], [TASK_TITLE])
        self.assertEqual(card["overdue_milestones"], 1)  # the shared one, due 31 March
        names = [row["milestone"].name for row in card["milestones"]]
        self.assertEqual(names, ["Beta release", "Internal hardening"])
        self.assertEqual(card["milestones"][0]["progress"].done, 1)

    def test_a_client_gets_shared_milestone_progress_only(self) -> None:
        self.task(due_date=dt.date(2020, 1, 1))
        self.task(milestone=self.internal)
        card = overview_card(self.carol, self.project)
        self.assertFalse(card["team"])
        self.assertNotIn("overdue_tasks", card)
        self.assertEqual([row["milestone"] for row in card["milestones"]], [self.shared])
        self.assertEqual(card["milestones"][0]["progress"].total, 1)

    def test_the_card_template_shows_no_task_to_clients(self) -> None:
        from django.template.loader import render_to_string

        self.task(due_date=dt.date(2020, 1, 1))
        html = render_to_string(
            "delivery/insights/overview_card.html",
            {"card": overview_card(self.carol, self.project), "project": self.project},
        )
        self.assertIn("Beta release", html)
        self.assertIn("0 of 1 tasks done (0%)", html)
        self.assertNotIn(TASK_TITLE, html)
        self.assertNotIn("Overdue tasks", html)
        team_html = render_to_string(
            "delivery/insights/overview_card.html",
            {"card": overview_card(self.alice, self.project), "project": self.project},
        )
        self.assertIn(TASK_TITLE, team_html)
        self.assertIn('<strong class="overdue-tasks-count">1</strong>', team_html)

    def test_its_query_count_does_not_grow_with_the_data(self) -> None:
        self.task(due_date=dt.date(2020, 1, 1))
        with CaptureQueriesContext(connection) as small:
            overview_card(self.alice, self.project)
        for n in range(8):
            self.task(title=f"T{n}", due_date=dt.date(2020, 1, 1))
        with CaptureQueriesContext(connection) as large:
            card = overview_card(self.alice, self.project)
        self.assertEqual(len(small), len(large))
        # The project's chain head, then the card's three queries.
        self.assertEqual(len(large), 4)
        with CaptureQueriesContext(connection) as again:
            overview_card(self.alice, self.project)
        self.assertEqual(len(again), 1)  # unchanged history: reused
        self.assertEqual(card["overdue_tasks"], 9)
        self.assertEqual(len(card["overdue_task_list"]), 5)
        overview_card(self.carol, self.project)  # her membership is cached, as on a page
        cache.clear()
        with CaptureQueriesContext(connection) as client:
            overview_card(self.carol, self.project)
        self.assertEqual(len(client), 2)  # the chain head and the shared milestones


class OtherPagesTests(InsightsBase):
    def test_traceability_counts_tasks_and_the_no_tasks_gap(self) -> None:
        covered = make_requirement(self.project, title="Sign in with SSO")
        make_requirement(self.project, title="Export to Excel")
        first = self.task(requirements=[covered])
        self.task(requirements=[covered])
        self.finish(first)
        self.client.force_login(self.alice)
        url = reverse("requirements:traceability", kwargs={"key": self.project.key})
        html = self.client.get(url).content.decode()
        self.assertIn(">1 / 2</a>", html)
        self.assertIn('<div class="stat">1</div><a href="?gap=no_tasks">No tasks</a>', html)
        gap = self.client.get(url, {"gap": "no_tasks"}).content.decode()
        self.assertIn("Export to Excel", gap)
        self.assertNotIn("Sign in with SSO", gap)

    def test_the_requirement_page_shows_task_progress_to_the_team_only(self) -> None:
        requirement = make_requirement(
            self.project, title="Sign in with SSO", status=Status.SUBMITTED
        )
        self.finish(self.task(requirements=[requirement]))
        self.task(requirements=[requirement])
        url = reverse(
            "requirements:detail",
            kwargs={"key": self.project.key, "number": requirement.number},
        )
        self.client.force_login(self.bob)
        self.assertContains(self.client.get(url), "1 of 2 tasks done")
        self.client.force_login(self.carol)
        r = self.client.get(url)
        self.assertContains(r, "Sign in with SSO")
        self.assertNotContains(r, "tasks done")
        self.assertNotContains(r, TASK_TITLE)

    def test_the_problem_page_lists_linked_tasks_for_the_team_only(self) -> None:
        problem = problem_services.problem_create(
            actor=self.alice,
            project=self.project,
            title="SSO outage",
            visibility=Visibility.SHARED,
        )
        self.task(problems=[problem])
        url = reverse(
            "risks:problem-detail", kwargs={"key": self.project.key, "number": problem.number}
        )
        self.client.force_login(self.bob)
        self.assertContains(self.client.get(url), TASK_TITLE)
        self.client.force_login(self.carol)
        r = self.client.get(url)
        self.assertContains(r, "SSO outage")
        self.assertNotContains(r, TASK_TITLE)
