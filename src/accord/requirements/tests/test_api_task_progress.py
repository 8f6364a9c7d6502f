"""A requirement's delivery progress in the API: its tasks, total and done, for the team only."""

from __future__ import annotations

from accord.api.tests.base import ApiTestCase
from accord.delivery.choices import TaskStatus
from accord.delivery.tests.factories import make_task
from accord.requirements.choices import Status
from accord.requirements.tests.factories import make_requirement

LIST = "/api/v1/projects/ACME/requirements/"


class TaskProgressApiTests(ApiTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.requirement = make_requirement(cls.project, status=Status.CONFIRMED)
        cls.untouched = make_requirement(cls.project, status=Status.CONFIRMED, title="Other")
        make_task(cls.project, requirements=[cls.requirement], status=TaskStatus.DONE)
        make_task(cls.project, requirements=[cls.requirement], title="Second")
        make_task(cls.project, requirements=[cls.requirement], title="Third")

    def rows(self) -> dict[int, dict]:
        return {row["number"]: row for row in self.client.get(LIST).json()["results"]}

    def test_the_team_reads_each_requirements_task_progress(self) -> None:
        self.login(self.bob)
        expected = {"total": 3, "done": 1, "percent": 33}
        self.assertEqual(self.rows()[self.requirement.number]["task_progress"], expected)
        self.assertEqual(
            self.rows()[self.untouched.number]["task_progress"],
            {"total": 0, "done": 0, "percent": 0},
        )
        detail = self.client.get(f"{LIST}{self.requirement.number}/").json()
        self.assertEqual(detail["task_progress"], expected)

    def test_clients_never_learn_of_tasks(self) -> None:
        self.login(self.carol)
        rows = self.rows()
        self.assertEqual(rows[self.requirement.number]["task_progress"], None)
        detail = self.client.get(f"{LIST}{self.requirement.number}/").json()
        self.assertIsNone(detail["task_progress"])

    def test_the_list_costs_the_same_queries_however_many_requirements_and_tasks(self) -> None:
        self.login(self.alice)

        def add_rows() -> None:
            for _ in range(3):
                requirement = make_requirement(self.project, status=Status.CONFIRMED)
                make_task(self.project, requirements=[requirement])

        self.assertQueriesDoNotGrow(LIST, add_rows)
