"""A risk's problems in the API, as the reader may see them."""

from __future__ import annotations

from accord.api.tests.base import ApiTestCase
from accord.core.choices import Visibility
from accord.risks import problem_services
from accord.risks.tests.factories import make_risk

LIST = "/api/v1/projects/ACME/risks/"


class RiskProblemsApiTests(ApiTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.risk = make_risk(cls.project, visibility=Visibility.SHARED)
        cls.quiet = make_risk(cls.project, title="Nothing happened", visibility=Visibility.SHARED)
        cls.shared = cls.problem(cls.risk, "Supplier late", Visibility.SHARED)
        cls.internal = cls.problem(cls.risk, "Budget overrun", Visibility.INTERNAL)

    @classmethod
    def problem(cls, risk, title: str, visibility: str):
        return problem_services.problem_create(
            actor=cls.alice, project=cls.project, title=title, risk=risk, visibility=visibility
        )

    def rows(self) -> dict[int, dict]:
        return {row["number"]: row for row in self.client.get(LIST).json()["results"]}

    def test_the_team_reads_every_problem_of_a_risk_newest_first(self) -> None:
        self.login(self.bob)
        keys = [self.internal.key, self.shared.key]
        self.assertEqual(self.rows()[self.risk.number]["problems"], keys)
        self.assertEqual(self.rows()[self.quiet.number]["problems"], [])
        detail = self.client.get(f"{LIST}{self.risk.number}/").json()
        self.assertEqual(detail["problems"], keys)

    def test_clients_read_only_the_shared_problems(self) -> None:
        self.login(self.carol)
        self.assertEqual(self.rows()[self.risk.number]["problems"], [self.shared.key])
        detail = self.client.get(f"{LIST}{self.risk.number}/").json()
        self.assertEqual(detail["problems"], [self.shared.key])

    def test_the_list_costs_the_same_queries_however_many_risks_and_problems(self) -> None:
        self.login(self.alice)

        def add_rows() -> None:
            for _ in range(3):
                risk = make_risk(self.project)
                self.problem(risk, "It happened", Visibility.INTERNAL)

        self.assertQueriesDoNotGrow(LIST, add_rows)
