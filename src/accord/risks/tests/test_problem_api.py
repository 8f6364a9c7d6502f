"""The problem API: visibility per persona (clients never see internal problems, nor the
internal risk or draft requirements a shared problem links), writes through the services,
If-Match, filters and a risk that occurs as a problem."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from accord.api.concurrency import etag_for
from accord.api.tests.base import ApiTestCase
from accord.core.models import AuditEvent
from accord.requirements.choices import Status
from accord.requirements.tests.factories import advance, make_requirement
from accord.risks import problem_services as services
from accord.risks.models import Problem, Risk
from accord.risks.tests.factories import make_risk

BASE = "/api/v1/projects/ACME"
LIST = f"{BASE}/problems/"
INTERNAL_MARKER = "INTERNAL-SECRET-problem"


def url(problem: Problem) -> str:
    return f"{LIST}{problem.number}/"


def occurred(risk: Risk) -> str:
    return f"{BASE}/risks/{risk.number}/occurred/"


class ProblemApiTestCase(ApiTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        today = timezone.localdate()
        cls.internal_risk = make_risk(cls.project, title="INTERNAL-SECRET-risk vendor insolvency")
        cls.shared_risk = make_risk(
            cls.project,
            title="Client data late",
            event="The client's test data is not delivered.",
            consequence="Acceptance testing slips.",
            visibility="shared",
            owner=cls.bob,
        )
        cls.draft = make_requirement(cls.project, title="INTERNAL-SECRET-requirement draft")
        cls.submitted = advance(
            make_requirement(cls.project, title="Export invoices"), Status.SUBMITTED
        )
        cls.internal = services.problem_create(
            actor=cls.alice,
            project=cls.project,
            title=f"{INTERNAL_MARKER} vendor invoice dispute",
            root_cause="INTERNAL-SECRET contract clause",
            owner=cls.bob,
            due_date=today + dt.timedelta(days=3),
            risk=cls.internal_risk,
        )
        cls.shared = services.problem_create(
            actor=cls.alice,
            project=cls.project,
            title="Staging database ran out of disk",
            description="Staging was down for a day.",
            impact="The client's demo moved by a day.",
            visibility="shared",
            owner=cls.alice,
            due_date=today + dt.timedelta(days=1),
            risk=cls.internal_risk,
            requirements=[cls.draft, cls.submitted],
        )
        cls.solved = services.problem_create(
            actor=cls.alice,
            project=cls.project,
            title="Login page slow",
            status="solved",
            root_cause="A missing index on sessions.",
            solution="Index added; p95 is 120 ms.",
        )
        # A problem past its due date (a past date is allowed on update, as history).
        services.problem_update(
            actor=cls.alice,
            problem=cls.internal,
            data={"due_date": today - dt.timedelta(days=2)},
        )

    def keys(self, response: Any) -> list[str]:
        self.assertEqual(response.status_code, 200, response.content)
        return [row["key"] for row in response.json()["results"]]


class ProblemListTests(ProblemApiTestCase):
    def test_the_team_sees_every_problem_newest_first(self) -> None:
        self.login(self.vera)
        response = self.client.get(LIST)
        self.assertEqual(self.keys(response), ["ACME-P3", "ACME-P2", "ACME-P1"])
        rows = {row["key"]: row for row in response.json()["results"]}
        self.assertEqual(rows["ACME-P1"]["risk"], "ACME-K1")
        self.assertTrue(rows["ACME-P1"]["is_overdue"])
        self.assertEqual(rows["ACME-P3"]["status"], "solved")
        self.assertIsNotNone(rows["ACME-P3"]["solved_at"])
        self.assertNotIn("solution", rows["ACME-P3"])  # rows carry no texts

    def test_clients_never_see_internal_problems_nor_internal_links(self) -> None:
        for user in (self.carol, self.dave):
            self.login(user)
            response = self.client.get(LIST)
            self.assertEqual(self.keys(response), ["ACME-P2"])
            self.assertIsNone(response.json()["results"][0]["risk"])  # the risk is internal
            self.assertNotIn("INTERNAL-SECRET", response.content.decode())
            self.assertEqual(self.keys(self.client.get(LIST, {"q": "INTERNAL-SECRET"})), [])
            detail = self.client.get(url(self.shared))
            self.assertEqual(detail.status_code, 200, detail.content)
            body = detail.json()
            self.assertEqual([r["key"] for r in body["requirements"]], ["ACME-R2"])
            self.assertIsNone(body["risk"])
            self.assertNotIn("INTERNAL-SECRET", detail.content.decode())
            self.assertError(self.client.get(url(self.internal)), 404)

    def test_outsiders_get_404(self) -> None:
        self.login(self.mallory)
        self.assertError(self.client.get(LIST), 404)
        self.assertError(self.client.get(url(self.shared)), 404)
        self.assertError(self.client.post(occurred(self.shared_risk)), 404)

    def test_filters_and_ordering(self) -> None:
        self.login(self.bob)
        get = self.client.get
        self.assertEqual(self.keys(get(LIST, {"status": "solved"})), ["ACME-P3"])
        self.assertEqual(
            self.keys(get(LIST, {"status": ["open", "solved"]})), ["ACME-P3", "ACME-P2", "ACME-P1"]
        )
        self.assertEqual(self.keys(get(LIST, {"owner": self.bob.pk})), ["ACME-P1"])
        self.assertEqual(self.keys(get(LIST, {"overdue": "true"})), ["ACME-P1"])
        self.assertEqual(self.keys(get(LIST, {"overdue": "false"})), ["ACME-P3", "ACME-P2"])
        self.assertEqual(self.keys(get(LIST, {"q": "missing index"})), ["ACME-P3"])
        self.assertEqual(self.keys(get(LIST, {"q": "acme-p2"})), ["ACME-P2"])
        self.assertEqual(
            self.keys(get(LIST, {"ordering": "due_date"})), ["ACME-P1", "ACME-P2", "ACME-P3"]
        )
        self.assertEqual(
            self.keys(get(LIST, {"ordering": "title"})), ["ACME-P1", "ACME-P3", "ACME-P2"]
        )
        self.assertError(get(LIST, {"status": "lost"}), 400, field="status")

    def test_query_count_does_not_grow_with_rows(self) -> None:
        self.login(self.carol)
        counter = iter(range(100))

        def add_rows() -> None:
            for _ in range(3):
                n = next(counter)
                services.problem_create(
                    actor=self.alice,
                    project=self.project,
                    title=f"Shared {n}",
                    visibility="shared",
                    owner=self.bob,
                    risk=self.shared_risk,
                )
                services.problem_create(
                    actor=self.alice, project=self.project, title=f"Internal {n}", owner=self.bob
                )

        self.assertQueriesDoNotGrow(LIST + "?ordering=-due_date&status=open", add_rows)

    def test_detail_query_count_does_not_grow_with_requirements(self) -> None:
        self.login(self.bob)

        def add_rows() -> None:
            extra = [make_requirement(self.project, title=f"Req {n}") for n in range(3)]
            current = list(self.shared.requirements.all())
            services.problem_update(
                actor=self.alice, problem=self.shared, data={"requirements": current + extra}
            )

        self.assertQueriesDoNotGrow(url(self.shared), add_rows)


class ProblemWriteTests(ProblemApiTestCase):
    def test_create_through_the_service(self) -> None:
        self.login(self.bob)
        due = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
        response = self.client.post(
            LIST,
            {
                "title": "接口联调环境不可用",
                "description": "医保局测试环境停机两天。",
                "owner": self.alice.pk,
                "due_date": due,
                "risk": self.shared_risk.number,
                "requirements": [self.submitted.number],
            },
            format="json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual((body["key"], body["risk"], body["due_date"]), ("ACME-P4", "ACME-K2", due))
        self.assertEqual(body["owner"]["id"], self.alice.pk)
        self.assertEqual([r["key"] for r in body["requirements"]], ["ACME-R2"])
        self.assertEqual(response["ETag"], etag_for(Problem.objects.get(pk=body_pk(body)), 1))
        self.assertTrue(
            AuditEvent.objects.filter(
                action="problem.created", target_id=str(body_pk(body))
            ).exists()
        )

    def test_bad_input_is_400_naming_the_field_and_saves_nothing(self) -> None:
        self.login(self.bob)
        past = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
        base = {"title": "Scope creep"}
        cases = [
            ({"title": " "}, "title"),
            ({"due_date": past}, "due_date"),
            ({"owner": self.mallory.pk}, "owner"),
            ({"risk": 999}, "risk"),
            ({"requirements": [self.submitted.number, 999]}, "requirements"),
            ({"status": "solved"}, "solution"),
            ({"status": "lost"}, "status"),
            ({"visibility": "shared"}, "visibility"),  # only the manager shares
        ]
        for extra, field in cases:
            with self.subTest(field=field):
                response = self.client.post(LIST, {**base, **extra}, format="json")
                self.assertError(response, 400, field)
        self.assertEqual(Problem.objects.filter(project=self.project).count(), 3)

    def test_links_are_numbers_of_this_project(self) -> None:
        # EVIL-K1 exists, but over the API numbers are read in ACME only: ACME has no K3.
        make_risk(self.other_project, title="EVIL risk")
        make_risk(self.other_project, title="EVIL risk 2")
        make_risk(self.other_project, title="EVIL risk 3")
        self.login(self.alice)
        response = self.client.post(LIST, {"title": "x", "risk": 3}, format="json")
        self.assertError(response, 400, "risk")
        response = self.client.post(LIST, {"title": "x", "risk": 1}, format="json")
        self.assertEqual(response.json()["risk"], "ACME-K1")

    def test_who_may_write(self) -> None:
        for user in (self.carol, self.dave, self.vera):
            self.login(user)
            self.assertError(self.client.post(LIST, {"title": "x"}), 403)
            self.assertError(self.client.patch(url(self.shared), {"title": "x"}), 403)
            self.assertError(self.client.delete(url(self.shared)), 403)
            self.assertError(self.client.post(occurred(self.shared_risk)), 403)
        self.login(self.carol)
        self.assertError(self.client.patch(url(self.internal), {"title": "x"}), 404)
        self.assertError(self.client.post(occurred(self.internal_risk)), 404)
        self.login(self.bob)
        self.assertError(self.client.delete(url(self.shared)), 403)
        self.assertEqual(Problem.objects.filter(project=self.project).count(), 3)

    def test_patch_with_if_match_solves_and_reopens(self) -> None:
        self.login(self.bob)
        etag = self.client.get(url(self.shared))["ETag"]
        refused = self.client.patch(url(self.shared), {"status": "solved"}, HTTP_IF_MATCH=etag)
        self.assertError(refused, 400, "solution")
        response = self.client.patch(
            url(self.shared),
            {"status": "solved", "root_cause": "Log rotation off.", "solution": "Rotation on."},
            HTTP_IF_MATCH=etag,
        )
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual((body["status"], body["version"]), ("solved", 2))
        self.assertIsNotNone(body["solved_at"])
        self.assertEqual(body["solution"], "Rotation on.")
        stale = self.client.patch(url(self.shared), {"title": "x"}, HTTP_IF_MATCH=etag)
        self.assertError(stale, 412)
        reopened = self.client.patch(url(self.shared), {"status": "open"})
        self.assertIsNone(reopened.json()["solved_at"])
        linked = self.client.patch(url(self.shared), {"requirements": []}, format="json")
        self.assertEqual(linked.json()["requirements"], [])

    def test_manager_deletes_with_if_match(self) -> None:
        self.login(self.alice)
        etag = self.client.get(url(self.solved))["ETag"]
        services.problem_update(actor=self.alice, problem=self.solved, data={"title": "Renamed"})
        self.assertError(self.client.delete(url(self.solved), HTTP_IF_MATCH=etag), 412)
        self.assertEqual(self.client.delete(url(self.solved)).status_code, 204)
        self.assertFalse(Problem.objects.filter(pk=self.solved.pk).exists())
        self.assertError(self.client.get(url(self.solved)), 404)


class RiskOccurredApiTests(ProblemApiTestCase):
    def test_a_risk_occurs_as_a_problem(self) -> None:
        self.login(self.bob)
        etag = self.client.get(f"{BASE}/risks/{self.shared_risk.number}/")["ETag"]
        response = self.client.post(occurred(self.shared_risk), {}, HTTP_IF_MATCH=etag)
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(body["key"], "ACME-P4")
        self.assertEqual(body["title"], "Client data late")
        self.assertEqual(body["description"], "The client's test data is not delivered.")
        self.assertEqual(body["impact"], "Acceptance testing slips.")
        self.assertEqual((body["risk"], body["visibility"]), ("ACME-K2", "shared"))
        self.assertEqual(body["owner"]["id"], self.bob.pk)
        risk = Risk.objects.get(pk=self.shared_risk.pk)
        self.assertEqual(risk.status, "occurred")
        self.assertError(self.client.post(occurred(self.shared_risk)), 400, "status")
        self.assertError(self.client.post(occurred(self.shared_risk), HTTP_IF_MATCH=etag), 412)
        # The client reads the new problem: it came from a shared risk.
        self.login(self.carol)
        self.assertEqual(
            self.client.get(url(Problem.objects.get(number=4))).json()["risk"], "ACME-K2"
        )

    def test_given_texts_and_get_is_not_allowed(self) -> None:
        self.login(self.alice)
        self.assertError(self.client.get(occurred(self.internal_risk)), 405)
        response = self.client.post(
            occurred(self.internal_risk),
            {"title": "Vendor went bankrupt", "impact": "We need a new vendor."},
        )
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(
            (body["title"], body["impact"]), ("Vendor went bankrupt", "We need a new vendor.")
        )
        self.assertEqual(body["visibility"], "internal")
        self.assertError(self.client.post(f"{BASE}/risks/999/occurred/"), 404)


def body_pk(body: dict[str, Any]) -> int:
    return Problem.objects.get(project__key="ACME", number=body["number"]).pk
