"""The workload and milestone progress API: the same figures as the pages, the same rules on
who reads them, bounded queries, and both in the OpenAPI schema."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import time_machine

from accord.api.tests.base import ApiTestCase
from accord.core.choices import Visibility
from accord.delivery import services
from accord.delivery.choices import TaskStatus
from accord.delivery.models import Task
from accord.projects import services as project_services

TASK_TITLE = "INTERNAL-SECRET-task title"


class InsightsApiBase(ApiTestCase):
    def setUp(self) -> None:
        self.shared = project_services.milestone_create(
            actor=self.alice, project=self.project, name="Beta", due_date=dt.date(2026, 3, 31)
        )
        self.internal = project_services.milestone_create(
            actor=self.alice,
            project=self.project,
            name="Hardening",
            due_date=dt.date(2026, 4, 30),
            visibility=Visibility.INTERNAL,
        )

    def task(self, **fields: Any) -> Task:
        fields.setdefault("title", TASK_TITLE)
        fields.setdefault("milestone", self.shared)
        return services.task_create(actor=self.alice, project=self.project, **fields)

    def progress_url(self, milestone: Any) -> str:
        return f"/api/v1/projects/ACME/milestones/{milestone.number}/progress/"


class MilestoneProgressApiTests(InsightsApiBase):
    def plan(self) -> None:
        with time_machine.travel(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC), tick=False):
            first = self.task(estimate_hours=Decimal(6))
            self.task(estimate_hours=Decimal(2))
        with time_machine.travel(dt.datetime(2026, 3, 3, 9, tzinfo=dt.UTC), tick=False):
            services.task_move(actor=self.alice, task=first, status=TaskStatus.DONE)
            self.task(title="Added later")

    def test_the_team_reads_counts_hours_burnup_and_forecast(self) -> None:
        self.plan()
        self.login(self.bob)
        with time_machine.travel(dt.datetime(2026, 3, 4, 9, tzinfo=dt.UTC), tick=False):
            body = self.client.get(self.progress_url(self.shared)).json()
        self.assertEqual(body["key"], f"ACME-M{self.shared.number}")
        self.assertEqual((body["tasks_total"], body["tasks_done"]), (3, 1))
        self.assertEqual(body["percent_done"], 33)
        self.assertEqual(body["estimate_hours_total"], "8.0")
        self.assertEqual(body["estimate_hours_done"], "6.0")
        self.assertEqual(body["overdue_tasks"], 0)
        self.assertEqual(
            body["burnup"],
            [
                {"day": "2026-03-02", "scope": 2, "done": 0},
                {"day": "2026-03-03", "scope": 3, "done": 1},
                {"day": "2026-03-04", "scope": 3, "done": 1},
            ],
        )
        # One done in four weeks: 0.25 a week; two remain → 56 days from 4 March.
        forecast = body["forecast"]
        self.assertEqual(forecast["state"], "late")
        self.assertEqual(forecast["finish_date"], "2026-04-29")
        self.assertEqual(forecast["per_week"], "0.25")
        self.assertEqual(forecast["done_last_four_weeks"], 1)
        self.assertEqual(forecast["remaining"], 2)
        self.assertEqual(forecast["days_late"], 29)

    def test_a_client_reads_a_shared_milestone_without_hours_or_tasks(self) -> None:
        self.plan()
        self.login(self.carol)
        response = self.client.get(self.progress_url(self.shared))
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual((body["tasks_total"], body["tasks_done"]), (3, 1))
        self.assertIsNone(body["estimate_hours_total"])
        self.assertIsNone(body["estimate_hours_done"])
        self.assertIsNone(body["overdue_tasks"])
        self.assertTrue(body["burnup"])
        self.assertNotIn(TASK_TITLE, response.content.decode())
        self.assertNotIn("Added later", response.content.decode())

    def test_an_internal_milestone_is_404_for_clients_like_an_unknown_one(self) -> None:
        self.task(milestone=self.internal)
        self.login(self.carol)
        hidden = self.assertError(self.client.get(self.progress_url(self.internal)), 404)
        unknown = self.assertError(
            self.client.get("/api/v1/projects/ACME/milestones/9999/progress/"), 404
        )
        self.assertEqual(hidden, unknown)
        self.login(self.mallory)
        self.assertError(self.client.get(self.progress_url(self.shared)), 404)
        self.login(self.vera)
        self.assertEqual(self.client.get(self.progress_url(self.internal)).json()["tasks_total"], 1)

    def test_writes_are_not_allowed(self) -> None:
        self.login(self.alice)
        self.assertError(self.client.post(self.progress_url(self.shared), {}), 405)

    def test_its_query_count_does_not_grow_with_the_tasks(self) -> None:
        self.login(self.alice)
        url = self.progress_url(self.shared)

        def add_rows() -> None:
            for n in range(4):
                task = self.task(title=f"T{n}")
                if n % 2:
                    services.task_move(actor=self.alice, task=task, status=TaskStatus.DONE)

        self.assertQueriesDoNotGrow(url, add_rows)


class WorkloadApiTests(InsightsApiBase):
    url = "/api/v1/projects/ACME/workload/"

    def test_the_team_reads_load_capacity_and_overload(self) -> None:
        services.capacity_set(actor=self.bob, user=self.bob, hours_per_week=Decimal(10))
        self.task(assignee=self.bob, estimate_hours=Decimal(12))
        self.login(self.vera)
        body = self.client.get(self.url).json()
        self.assertEqual(len(body["weeks"]), 8)
        people = {p["email"]: p for p in body["people"]}
        self.assertEqual(set(people), {"alice@example.com", "bob@example.com"})
        bob = people["bob@example.com"]
        self.assertEqual(bob["capacity"], "10.0")
        self.assertFalse(bob["capacity_is_default"])
        self.assertEqual(bob["overloaded_weeks"], 1)
        this_week = bob["weeks"][0]
        self.assertEqual(this_week["week"], body["weeks"][0])
        self.assertEqual((this_week["hours"], this_week["project_hours"]), ("12.0", "12.0"))
        self.assertTrue(this_week["overloaded"])
        self.assertEqual(this_week["over_by"], "2.0")
        self.assertTrue(people["alice@example.com"]["capacity_is_default"])
        self.assertNotIn(TASK_TITLE, str(body))

    def test_clients_and_outsiders_get_404(self) -> None:
        for user in (self.carol, self.dave, self.mallory):
            self.login(user)
            self.assertError(self.client.get(self.url), 404)
        self.client.logout()
        self.assertIn(self.client.get(self.url).status_code, (401, 403))

    def test_its_query_count_does_not_grow_with_the_tasks(self) -> None:
        self.login(self.alice)

        def add_rows() -> None:
            for n in range(4):
                self.task(title=f"T{n}", assignee=self.bob, estimate_hours=Decimal(3))

        self.assertQueriesDoNotGrow(self.url, add_rows)


class SchemaTests(ApiTestCase):
    def test_both_endpoints_are_in_the_schema(self) -> None:
        schema = self.client.get("/api/schema/", {"format": "json"}).json()
        paths = schema["paths"]
        self.assertIn("/api/v1/projects/{project_key}/workload/", paths)
        progress = "/api/v1/projects/{project_key}/milestones/{number}/progress/"
        self.assertIn(progress, paths)
        self.assertEqual(set(paths[progress]), {"get"})
