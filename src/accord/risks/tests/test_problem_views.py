"""Problem pages: the list (filters, sorting, pagination, overdue flags), the detail page, the
forms (version-checked; a solved problem needs its solution), deleting, and "the risk occurred"
from a risk's page; the open problems on the project overview."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accord.core.choices import Visibility
from accord.core.testing import BaseTestCase
from accord.requirements.choices import Status
from accord.requirements.tests.factories import make_requirement
from accord.risks import problem_services, services
from accord.risks.choices import ProblemStatus, RiskStatus
from accord.risks.models import Problem
from accord.risks.tests.factories import make_risk

INTERNAL_MARKER = "INTERNAL-SECRET-problem"
SHARED_MARKER = "SHARED-ACME-problem"


def count_queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(queries)


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def keys_in(response: Any) -> list[str]:
    """The problem keys of the list's rows, in page order."""
    return re.findall(r'<td><span class="key">(ACME-P\d+)</span></td>', response.content.decode())


def make_problem(project: Any, actor: Any, title: str, **fields: Any) -> Problem:
    return problem_services.problem_create(actor=actor, project=project, title=title, **fields)


def problem_form(**overrides: Any) -> dict[str, Any]:
    data = {
        "title": "The staging database ran out of disk",
        "description": "Nightly imports **failed** for two days.",
        "impact": "The demo to the client slipped by a week.",
        "root_cause": "Log rotation was never configured.",
        "solution": "",
        "owner": "",
        "due_date": "",
        "status": ProblemStatus.OPEN,
        "requirement_numbers": "",
    }
    data.update(overrides)
    return data


class ProblemPagesTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        today = timezone.localdate()
        cls.internal = make_problem(
            cls.project,
            cls.alice,
            INTERNAL_MARKER,
            description="Internal *notes* on the outage.",
            due_date=today,
            owner=cls.bob,
        )
        # Three days have passed since it was due (a new problem cannot be due in the past).
        Problem.objects.filter(pk=cls.internal.pk).update(due_date=today - dt.timedelta(days=3))
        cls.internal.refresh_from_db()
        cls.shared = make_problem(
            cls.project,
            cls.alice,
            SHARED_MARKER,
            impact="The release **moved**.",
            visibility=Visibility.SHARED,
            due_date=today + dt.timedelta(days=10),
        )
        cls.list_url = reverse("risks:problems", args=["ACME"])

    def url(self, name: str, problem: Problem) -> str:
        return reverse(name, args=["ACME", problem.number])


class ProblemListTests(ProblemPagesTestCase):
    def test_the_team_sees_every_problem_with_an_overdue_flag(self) -> None:
        self.client.force_login(self.bob)
        response = self.client.get(self.list_url)
        self.assertContains(response, INTERNAL_MARKER)
        self.assertContains(response, SHARED_MARKER)
        html = response.content.decode()
        row = html[html.index(INTERNAL_MARKER) :].split("</tr>")[0]
        self.assertIn("Overdue", row)
        self.assertNotIn("Overdue", html[html.index(SHARED_MARKER) :].split("</tr>")[0])
        self.assertContains(response, reverse("risks:problem-create", args=["ACME"]))

    def test_clients_see_shared_problems_only_without_controls(self) -> None:
        self.client.force_login(self.carol)
        response = self.client.get(self.list_url)
        self.assertContains(response, SHARED_MARKER)
        self.assertNotContains(response, INTERNAL_MARKER)
        self.assertNotContains(response, reverse("risks:problem-create", args=["ACME"]))

    def test_viewers_read_without_edit_controls(self) -> None:
        self.client.force_login(self.vera)
        response = self.client.get(self.list_url)
        self.assertContains(response, INTERNAL_MARKER)
        self.assertNotContains(response, reverse("risks:problem-create", args=["ACME"]))

    def test_outsiders_get_404(self) -> None:
        self.client.force_login(self.mallory)
        self.assertEqual(self.client.get(self.list_url).status_code, 404)

    def test_it_filters_by_status_owner_overdue_and_text(self) -> None:
        solved = make_problem(
            self.project, self.alice, "Printer outage", status=ProblemStatus.SOLVED,
            solution="Replaced the printer.",
        )  # fmt: skip
        self.client.force_login(self.alice)

        def keys(query: str) -> list[str]:
            return keys_in(self.client.get(f"{self.list_url}?{query}"))

        self.assertEqual(keys("status=solved"), [solved.key])
        self.assertEqual(set(keys("status=unsolved")), {self.internal.key, self.shared.key})
        self.assertEqual(keys(f"owner={self.bob.pk}"), [self.internal.key])
        self.assertEqual(set(keys("owner=none")), {self.shared.key, solved.key})
        self.assertEqual(keys("overdue=on"), [self.internal.key])
        self.assertEqual(keys("q=printer"), [solved.key])
        self.assertEqual(keys("q=outage"), [self.internal.key, solved.key][::-1])
        self.assertEqual(keys(f"q=P{self.shared.number}"), [self.shared.key])

    def test_it_sorts_by_key_due_date_status_and_update(self) -> None:
        in_progress = make_problem(
            self.project, self.alice, "Slow search", status=ProblemStatus.IN_PROGRESS
        )
        self.client.force_login(self.alice)

        def keys(sort: str) -> list[str]:
            return keys_in(self.client.get(f"{self.list_url}?sort={sort}"))

        internal, shared, progress = self.internal.key, self.shared.key, in_progress.key
        self.assertEqual(keys("-key"), [progress, shared, internal])
        self.assertEqual(keys("key"), [internal, shared, progress])
        # Soonest first; no due date last.
        self.assertEqual(keys("due"), [internal, shared, progress])
        self.assertEqual(keys("-due"), [shared, internal, progress])
        self.assertEqual(keys("status"), [internal, shared, progress])
        self.assertEqual(keys("-status"), [progress, shared, internal])
        problem_services.problem_update(
            actor=self.alice, problem=self.internal, data={"title": "Renamed"}
        )
        self.assertEqual(keys("-updated")[0], internal)

    def test_it_pages_through_many_problems(self) -> None:
        for index in range(30):
            make_problem(self.project, self.alice, f"Problem {index}")
        self.client.force_login(self.alice)
        first = keys_in(self.client.get(self.list_url))
        second = keys_in(self.client.get(f"{self.list_url}?page=2"))
        self.assertTrue(first and second)
        self.assertFalse(set(first) & set(second))
        self.assertEqual(Problem.objects.count(), 32)

    def test_empty_states_say_what_to_do(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.get(f"{self.list_url}?q=nothing-like-this")
        self.assertContains(response, "No problems match these filters")
        Problem.objects.all().delete()
        response = self.client.get(self.list_url)
        self.assertContains(response, "No problems recorded yet")
        self.assertContains(response, "Record the first problem")
        self.client.force_login(self.carol)
        self.assertContains(self.client.get(self.list_url), "No problems to show")

    def test_query_count_does_not_grow(self) -> None:
        self.client.force_login(self.alice)
        url = f"{self.list_url}?status=unsolved&sort=due"
        before = count_queries(self.client, url)
        for index in range(15):
            make_problem(
                self.project, self.alice, f"More {index}", owner=self.bob,
                due_date=timezone.localdate(),
            )  # fmt: skip
        self.assertEqual(count_queries(self.client, url), before)


class ProblemDetailTests(ProblemPagesTestCase):
    def test_the_team_sees_every_field_rendered_with_history(self) -> None:
        shared_req = make_requirement(
            self.project, title="Shared requirement", status=Status.SUBMITTED
        )
        draft_req = make_requirement(self.project, title="Draft requirement")
        problem_services.problem_update(
            actor=self.alice,
            problem=self.shared,
            data={"requirements": [shared_req, draft_req], "root_cause": "Too few *tests*."},
        )
        self.client.force_login(self.bob)
        response = self.client.get(self.url("risks:problem-detail", self.shared))
        self.assertContains(response, "The release <strong>moved</strong>.", html=False)
        self.assertContains(response, "Too few <em>tests</em>.", html=False)
        self.assertContains(response, shared_req.key)
        self.assertContains(response, draft_req.key)
        self.assertContains(response, 'id="history"')
        self.assertContains(response, self.url("risks:problem-edit", self.shared))
        self.assertNotContains(response, self.url("risks:problem-delete", self.shared))
        # The client sees the shared requirement, never the draft, and no controls.
        self.client.force_login(self.carol)
        response = self.client.get(self.url("risks:problem-detail", self.shared))
        self.assertContains(response, shared_req.key)
        self.assertNotContains(response, draft_req.key)
        self.assertNotContains(response, self.url("risks:problem-edit", self.shared))

    def test_clients_get_404_for_internal_problems_and_outsiders_for_all(self) -> None:
        self.client.force_login(self.carol)
        self.assertEqual(
            self.client.get(self.url("risks:problem-detail", self.internal)).status_code, 404
        )
        self.client.force_login(self.mallory)
        self.assertEqual(
            self.client.get(self.url("risks:problem-detail", self.shared)).status_code, 404
        )

    def test_viewers_read_only(self) -> None:
        self.client.force_login(self.vera)
        response = self.client.get(self.url("risks:problem-detail", self.internal))
        self.assertContains(response, "Internal <em>notes</em> on the outage.", html=False)
        self.assertNotContains(response, self.url("risks:problem-edit", self.internal))
        self.assertEqual(
            self.client.get(self.url("risks:problem-edit", self.internal)).status_code, 403
        )

    def test_query_count_does_not_grow_with_requirements_and_history(self) -> None:
        self.client.force_login(self.alice)
        url = self.url("risks:problem-detail", self.shared)
        before = count_queries(self.client, url)
        requirements = [make_requirement(self.project, title=f"R {i}") for i in range(4)]
        for index in range(3):
            problem_services.problem_update(
                actor=self.alice,
                problem=Problem.objects.get(pk=self.shared.pk),
                data={"title": f"Title {index}", "requirements": requirements},
            )
        self.assertEqual(count_queries(self.client, url), before)


class ProblemFormTests(ProblemPagesTestCase):
    def test_a_member_records_a_problem_with_affected_requirements(self) -> None:
        first = make_requirement(self.project, title="First")
        second = make_requirement(self.project, title="Second")
        self.client.force_login(self.bob)
        response = self.client.post(
            reverse("risks:problem-create", args=["ACME"]),
            problem_form(requirement_numbers=f"R{first.number}, ACME-R{second.number}"),
        )
        problem = Problem.objects.get(title="The staging database ran out of disk")
        self.assertRedirects(response, problem.get_absolute_url())
        self.assertEqual(set(problem.requirements.all()), {first, second})
        self.assertEqual(problem.visibility, Visibility.INTERNAL)
        self.assertIn(f"Problem {problem.key} was recorded.", messages_of(response))

    def test_unknown_requirement_numbers_keep_the_input_and_name_the_field(self) -> None:
        other = make_requirement(self.other_project, actor=self.mallory, title="Elsewhere")
        self.client.force_login(self.bob)
        response = self.client.post(
            reverse("risks:problem-create", args=["ACME"]),
            problem_form(requirement_numbers=f"R{other.number + 50}, banana"),
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "is not a requirement number", status_code=400)
        self.assertContains(response, "Log rotation was never configured.", status_code=400)
        response = self.client.post(
            reverse("risks:problem-create", args=["ACME"]),
            problem_form(requirement_numbers=f"R{other.number + 50}"),
        )
        self.assertContains(response, "This project has no requirement", status_code=400)
        self.assertFalse(Problem.objects.filter(title__startswith="The staging").exists())

    def test_solving_needs_a_solution_shown_on_its_field(self) -> None:
        self.client.force_login(self.bob)
        url = self.url("risks:problem-edit", self.internal)
        data = problem_form(title=INTERNAL_MARKER, status=ProblemStatus.SOLVED, version=1)
        data["version"] = self.internal.version
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 400)
        html = response.content.decode()
        self.assertIn('id="id_solution-error"', html)
        self.assertIn("Describe the solution", html.split('id="id_solution-error"')[1][:200])
        self.internal.refresh_from_db()
        self.assertEqual(self.internal.status, ProblemStatus.OPEN)
        data["solution"] = "Rotated the logs and added an alert."
        response = self.client.post(url, data)
        self.assertRedirects(response, self.internal.get_absolute_url())
        self.internal.refresh_from_db()
        self.assertEqual(self.internal.status, ProblemStatus.SOLVED)
        self.assertIsNotNone(self.internal.solved_at)

    def test_the_edit_form_shows_the_stored_requirement_numbers(self) -> None:
        requirement = make_requirement(self.project, title="Linked")
        problem_services.problem_update(
            actor=self.alice, problem=self.internal, data={"requirements": [requirement]}
        )
        self.client.force_login(self.bob)
        response = self.client.get(self.url("risks:problem-edit", self.internal))
        self.assertContains(response, f'value="R{requirement.number}"')

    def test_a_stale_edit_is_refused_with_a_clear_message(self) -> None:
        self.client.force_login(self.bob)
        stale = self.internal.version
        problem_services.problem_update(
            actor=self.alice, problem=self.internal, data={"title": "Changed meanwhile"}
        )
        response = self.client.post(
            self.url("risks:problem-edit", self.internal),
            problem_form(title="My edit", version=stale),
        )
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "My edit", status_code=409)
        self.assertContains(response, "form-errors", status_code=409)
        self.internal.refresh_from_db()
        self.assertEqual(self.internal.title, "Changed meanwhile")

    def test_only_the_manager_chooses_visibility(self) -> None:
        self.client.force_login(self.bob)
        response = self.client.get(reverse("risks:problem-create", args=["ACME"]))
        self.assertNotContains(response, 'name="visibility"')
        self.client.force_login(self.alice)
        response = self.client.get(reverse("risks:problem-create", args=["ACME"]))
        self.assertContains(response, 'name="visibility"')

    def test_clients_and_viewers_are_refused(self) -> None:
        for user, status in ((self.carol, 403), (self.vera, 403), (self.mallory, 404)):
            self.client.force_login(user)
            response = self.client.post(
                reverse("risks:problem-create", args=["ACME"]), problem_form()
            )
            self.assertEqual(response.status_code, status)
        self.client.force_login(self.carol)
        response = self.client.get(self.url("risks:problem-edit", self.internal))
        self.assertEqual(response.status_code, 404)
        self.assertFalse(Problem.objects.filter(title__startswith="The staging").exists())


class ProblemDeleteTests(ProblemPagesTestCase):
    def test_the_manager_confirms_then_deletes(self) -> None:
        self.client.force_login(self.alice)
        url = self.url("risks:problem-delete", self.internal)
        response = self.client.get(url)
        self.assertContains(response, "Delete problem")
        self.assertContains(response, INTERNAL_MARKER)
        self.assertTrue(Problem.objects.filter(pk=self.internal.pk).exists())
        response = self.client.post(url, {"version": self.internal.version})
        self.assertRedirects(response, self.list_url)
        self.assertFalse(Problem.objects.filter(pk=self.internal.pk).exists())

    def test_members_may_not_delete(self) -> None:
        self.client.force_login(self.bob)
        url = self.url("risks:problem-delete", self.internal)
        self.assertEqual(self.client.get(url).status_code, 403)
        self.assertEqual(self.client.post(url).status_code, 403)
        self.assertTrue(Problem.objects.filter(pk=self.internal.pk).exists())


class RiskOccurredTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.risk = make_risk(
            cls.project,
            title="Payment provider changes its API",
            event="The provider switches off **v1**.",
            consequence="Checkout stops working.",
            visibility=Visibility.SHARED,
            owner=cls.bob,
        )

    def test_the_team_confirms_and_the_risk_becomes_a_problem(self) -> None:
        self.client.force_login(self.bob)
        risk_url = self.risk.get_absolute_url()
        occurred_url = reverse("risks:problem-from-risk", args=["ACME", self.risk.number])
        self.assertContains(self.client.get(risk_url), occurred_url)
        page = self.client.get(occurred_url)
        self.assertContains(page, "Payment provider changes its API")
        self.assertContains(page, "The provider switches off **v1**.")
        self.assertContains(page, "Checkout stops working.")
        self.assertFalse(Problem.objects.exists())
        response = self.client.post(
            occurred_url,
            {
                "title": "v1 of the payment API was switched off",
                "description": "Checkout failed on **Monday**.",
                "impact": "Checkout stops working.",
                "version": self.risk.version,
            },
        )
        problem = Problem.objects.get()
        self.assertRedirects(response, problem.get_absolute_url())
        self.risk.refresh_from_db()
        self.assertEqual(self.risk.status, RiskStatus.OCCURRED)
        self.assertEqual(problem.risk, self.risk)
        self.assertEqual(problem.owner, self.bob)
        self.assertEqual(problem.visibility, Visibility.SHARED)
        detail = self.client.get(problem.get_absolute_url())
        self.assertContains(detail, "Checkout failed on <strong>Monday</strong>.", html=False)
        self.assertContains(detail, self.risk.key)
        risk_page = self.client.get(risk_url)
        self.assertContains(risk_page, problem.key)
        self.assertContains(risk_page, "v1 of the payment API was switched off")
        # Occurred: the button is gone.
        self.assertNotContains(risk_page, occurred_url)

    def test_an_occurred_risk_is_refused_clearly(self) -> None:
        self.client.force_login(self.alice)
        occurred_url = reverse("risks:problem-from-risk", args=["ACME", self.risk.number])
        self.client.post(occurred_url, {"title": "First", "version": self.risk.version})
        self.risk.refresh_from_db()
        response = self.client.post(occurred_url, {"title": "Again", "version": self.risk.version})
        self.assertContains(response, "already occurred", status_code=400)
        self.assertEqual(Problem.objects.count(), 1)

    def test_a_stale_confirm_is_refused(self) -> None:
        self.client.force_login(self.alice)
        occurred_url = reverse("risks:problem-from-risk", args=["ACME", self.risk.number])
        seen = self.risk.version
        # Someone else reviews the risk while the confirm page is open.
        services.risk_review(actor=self.bob, risk=self.risk, probability=2, impact=2)
        response = self.client.post(occurred_url, {"title": "Late", "version": seen})
        self.assertEqual(response.status_code, 409)
        self.assertFalse(Problem.objects.exists())
        self.risk.refresh_from_db()
        self.assertNotEqual(self.risk.status, RiskStatus.OCCURRED)

    def test_clients_viewers_and_outsiders_are_refused(self) -> None:
        occurred_url = reverse("risks:problem-from-risk", args=["ACME", self.risk.number])
        for user, status in ((self.carol, 403), (self.vera, 403), (self.mallory, 404)):
            self.client.force_login(user)
            self.assertEqual(self.client.get(occurred_url).status_code, status)
            self.assertEqual(self.client.post(occurred_url, {"title": "x"}).status_code, status)
        self.client.force_login(self.carol)
        self.assertNotContains(self.client.get(self.risk.get_absolute_url()), occurred_url)
        self.risk.refresh_from_db()
        self.assertEqual(self.risk.status, RiskStatus.OPEN)
        self.assertFalse(Problem.objects.exists())

    def test_clients_do_not_see_the_internal_risk_a_shared_problem_came_from(self) -> None:
        internal_risk = make_risk(self.project, title="INTERNAL-SECRET-origin")
        problem = problem_services.risk_occurred(
            actor=self.alice, risk=internal_risk, title="What the client is told"
        )
        problem_services.problem_update(
            actor=self.alice, problem=problem, data={"visibility": Visibility.SHARED}
        )
        self.client.force_login(self.carol)
        response = self.client.get(problem.get_absolute_url())
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "INTERNAL-SECRET-origin")
        self.assertNotContains(response, internal_risk.key)


class OverviewProblemsTests(BaseTestCase):
    def test_the_overview_counts_open_problems_the_user_may_see(self) -> None:
        make_problem(self.project, self.alice, "Open internal")
        make_problem(self.project, self.alice, "Open shared", visibility=Visibility.SHARED)
        make_problem(
            self.project, self.alice, "Done", status=ProblemStatus.CLOSED, solution="Fixed."
        )
        url = reverse("projects:overview", args=["ACME"])
        self.client.force_login(self.alice)
        response = self.client.get(url)
        self.assertRegex(response.content.decode(), r'class="open-problems-count">2</strong>')
        self.assertContains(response, reverse("risks:problems", args=["ACME"]))
        self.client.force_login(self.carol)
        self.assertRegex(
            self.client.get(url).content.decode(), r'class="open-problems-count">1</strong>'
        )
