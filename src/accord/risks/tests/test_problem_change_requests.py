"""Problems link the change requests that came from them: the services (refusals name the field,
nothing half-saved, audited by key), the problem and change request pages, the API — and a
client never learns of an internal change request through a shared problem, neither on a page,
nor in the API, nor in the history."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accord.api.tests.base import ApiTestCase
from accord.changes.choices import Status as ChangeStatus
from accord.changes.models import ChangeRequest
from accord.changes.tests.factories import make_change
from accord.core.choices import Visibility
from accord.core.exceptions import ApplicationError
from accord.core.models import AuditEvent
from accord.core.testing import BaseTestCase
from accord.risks import problem_selectors, problem_services
from accord.risks.choices import ProblemStatus
from accord.risks.models import Problem

INTERNAL_CHANGE = "INTERNAL-SECRET-change vendor swap"
SHARED_PROBLEM = "SHARED-ACME-problem demo slipped"
INTERNAL_PROBLEM = "INTERNAL-SECRET-problem vendor dispute"


def _changes(project: Any) -> tuple[Any, Any]:
    """A change request shared with the client (submitted, ACME-CR1) and a team draft, internal
    (ACME-CR2)."""
    shared = make_change(project, status=ChangeStatus.SUBMITTED, title="Export as CSV")
    internal = make_change(project, title=INTERNAL_CHANGE)
    assert (shared.visibility, internal.visibility) == (Visibility.SHARED, Visibility.INTERNAL)
    return shared, internal


def _refused(field: str, call: Any, *args: Any, **kwargs: Any) -> ApplicationError:
    with pytest.raises(ApplicationError) as info:
        call(*args, **kwargs)
    assert info.value.field == field, info.value.message
    return info.value


def _shared_records_text(problem: Problem) -> str:
    events = AuditEvent.objects.filter(target_id=str(problem.pk), visibility=Visibility.SHARED)
    return json.dumps([[e.before, e.after] for e in events])


# Services ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_create_and_update_link_change_requests_recorded_by_key(personas):
    shared, internal = _changes(personas.project)
    problem = problem_services.problem_create(
        actor=personas.bob,
        project=personas.project,
        title="Vendor API changed without notice",
        change_requests=[internal, shared],
    )
    assert set(problem.change_requests.all()) == {shared, internal}
    created = AuditEvent.objects.get(action="problem.created", target_id=str(problem.pk))
    assert created.after["change_requests"] == ["ACME-CR1", "ACME-CR2"]
    assert created.visibility == Visibility.INTERNAL

    # By id too; only the change is recorded.
    problem_services.problem_update(
        actor=personas.bob,
        problem=problem,
        data={"change_requests": [shared.pk]},
        expected_version=problem.version,
    )
    problem.refresh_from_db()
    assert list(problem.change_requests.all()) == [shared]
    assert problem.version == 2
    updated = AuditEvent.objects.get(action="problem.updated", target_id=str(problem.pk))
    assert updated.before == {"change_requests": ["ACME-CR1", "ACME-CR2"]}
    assert updated.after == {"change_requests": ["ACME-CR1"]}

    # Editing other fields leaves the links alone.
    problem_services.problem_update(actor=personas.bob, problem=problem, data={"impact": "A week"})
    assert list(problem.change_requests.all()) == [shared]


@pytest.mark.django_db
def test_a_change_request_of_another_project_is_refused_naming_it_and_nothing_is_saved(personas):
    shared, _internal = _changes(personas.project)
    foreign = ChangeRequest.objects.create(
        project=personas.other_project, number=1, title="Other client", reason="Theirs"
    )
    records, problems = AuditEvent.objects.count(), Problem.objects.count()

    error = _refused(
        "change_requests",
        problem_services.problem_create,
        actor=personas.bob,
        project=personas.project,
        title="Half a problem",
        change_requests=[shared, foreign],
    )
    assert "EVIL-CR1" in error.message
    assert (AuditEvent.objects.count(), Problem.objects.count()) == (records, problems)

    problem = problem_services.problem_create(
        actor=personas.bob, project=personas.project, title="Whole", change_requests=[shared]
    )
    records = AuditEvent.objects.count()
    error = _refused(
        "change_requests",
        problem_services.problem_update,
        actor=personas.bob,
        problem=problem,
        data={"title": "Changed", "change_requests": [foreign]},
    )
    assert "EVIL-CR1" in error.message
    # An id of another project's change request is refused without naming it.
    error = _refused(
        "change_requests",
        problem_services.problem_update,
        actor=personas.bob,
        problem=problem,
        data={"change_requests": [foreign.pk]},
    )
    assert "EVIL" not in error.message
    for bad in ("CR1", [999999], ["banana"], 7):
        _refused(
            "change_requests",
            problem_services.problem_update,
            actor=personas.bob,
            problem=problem,
            data={"change_requests": bad},
        )
    problem.refresh_from_db()
    assert (problem.title, problem.version) == ("Whole", 1)
    assert list(problem.change_requests.all()) == [shared]
    assert AuditEvent.objects.count() == records


@pytest.mark.django_db
def test_a_shared_problems_record_names_only_shared_change_requests(personas):
    shared, internal = _changes(personas.project)
    problem = problem_services.problem_create(
        actor=personas.alice,
        project=personas.project,
        title=SHARED_PROBLEM,
        visibility=Visibility.SHARED,
        change_requests=[shared, internal],
    )
    assert set(problem.change_requests.all()) == {shared, internal}
    client_record = AuditEvent.objects.get(
        action="problem.created", target_id=str(problem.pk), visibility=Visibility.SHARED
    )
    assert client_record.after["change_requests"] == ["ACME-CR1"]
    # The team's history still tells the internal link, in an internal record.
    team_record = AuditEvent.objects.get(
        action="problem.created", target_id=str(problem.pk), visibility=Visibility.INTERNAL
    )
    assert team_record.after == {"change_requests": ["ACME-CR1", "ACME-CR2"]}

    # Taking only the internal link away is saved, and told to the team only.
    problem_services.problem_update(
        actor=personas.bob, problem=problem, data={"change_requests": [shared]}
    )
    problem.refresh_from_db()
    assert list(problem.change_requests.all()) == [shared]
    assert problem.version == 2
    update = AuditEvent.objects.get(action="problem.updated", target_id=str(problem.pk))
    assert update.visibility == Visibility.INTERNAL
    assert update.before == {"change_requests": ["ACME-CR1", "ACME-CR2"]}

    # Linking it again together with a shared-field change: the client's record names no draft.
    problem_services.problem_update(
        actor=personas.bob,
        problem=problem,
        data={"impact": "The demo moved.", "change_requests": [shared, internal]},
    )
    assert set(problem.change_requests.all()) == {shared, internal}
    assert "ACME-CR2" not in _shared_records_text(problem)
    assert INTERNAL_CHANGE not in _shared_records_text(problem)
    problem_services.problem_delete(actor=personas.alice, problem=problem)
    deleted = AuditEvent.objects.get(action="problem.deleted")
    assert deleted.visibility == Visibility.SHARED
    assert deleted.before["change_requests"] == ["ACME-CR1"]


@pytest.mark.django_db
def test_clients_read_only_the_shared_change_requests_of_a_problem(personas):
    shared, internal = _changes(personas.project)
    problem = problem_services.problem_create(
        actor=personas.alice,
        project=personas.project,
        title=SHARED_PROBLEM,
        visibility=Visibility.SHARED,
        change_requests=[shared, internal],
    )
    problem.project = personas.project
    for user, expected in (
        (personas.bob, [shared, internal]),
        (personas.vera, [shared, internal]),
        (personas.carol, [shared]),
        (personas.dave, [shared]),
    ):
        rows = problem_selectors.problem_change_requests(user=user, problem=problem)
        assert list(rows) == expected, user


# Pages ---------------------------------------------------------------------------------------


def _form(**overrides: Any) -> dict[str, Any]:
    data = {
        "title": "The vendor changed their API",
        "description": "",
        "impact": "",
        "root_cause": "",
        "solution": "",
        "owner": "",
        "due_date": "",
        "status": ProblemStatus.OPEN,
        "requirement_numbers": "",
        "change_request_numbers": "",
    }
    data.update(overrides)
    return data


def _count_queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(queries)


class ProblemChangeRequestPagesTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.shared_change, cls.internal_change = _changes(cls.project)
        cls.shared = problem_services.problem_create(
            actor=cls.alice,
            project=cls.project,
            title=SHARED_PROBLEM,
            visibility=Visibility.SHARED,
            change_requests=[cls.shared_change, cls.internal_change],
        )
        cls.internal = problem_services.problem_create(
            actor=cls.alice,
            project=cls.project,
            title=INTERNAL_PROBLEM,
            change_requests=[cls.shared_change],
        )

    def problem_url(self, name: str, problem: Problem) -> str:
        return reverse(name, args=["ACME", problem.number])

    def change_url(self, change: Any) -> str:
        return reverse("changes:detail", args=["ACME", change.number])

    def test_a_member_links_change_requests_by_key(self) -> None:
        self.client.force_login(self.bob)
        response = self.client.post(
            reverse("risks:problem-create", args=["ACME"]),
            _form(change_request_numbers="CR2, acme-cr1 2"),
        )
        self.assertEqual(response.status_code, 302, response.content)
        problem = Problem.objects.get(title="The vendor changed their API")
        self.assertEqual(
            set(problem.change_requests.all()), {self.shared_change, self.internal_change}
        )

    def test_unknown_or_bad_keys_keep_the_input_name_the_field_and_save_nothing(self) -> None:
        self.client.force_login(self.bob)
        count = Problem.objects.count()
        for typed, expected in (("CR1, CR77", "CR77"), ("CR1, K3", "K3")):
            response = self.client.post(
                reverse("risks:problem-create", args=["ACME"]),
                _form(change_request_numbers=typed),
            )
            self.assertEqual(response.status_code, 400)
            form = response.context["form"]
            self.assertIn("change_request_numbers", form.errors)
            self.assertIn(expected, form.errors["change_request_numbers"][0])
            self.assertContains(response, f'value="{typed}"', status_code=400)
        self.assertEqual(Problem.objects.count(), count)

    def test_the_edit_form_shows_and_changes_the_stored_keys(self) -> None:
        self.client.force_login(self.bob)
        url = self.problem_url("risks:problem-edit", self.shared)
        response = self.client.get(url)
        self.assertEqual(response.context["form"].initial["change_request_numbers"], "CR1, CR2")
        response = self.client.post(
            url,
            _form(title=SHARED_PROBLEM, change_request_numbers="", version=self.shared.version),
        )
        self.assertEqual(response.status_code, 302, response.content)
        self.assertEqual(list(self.shared.change_requests.all()), [])

    def test_the_team_sees_every_linked_change_request_on_the_problem(self) -> None:
        self.client.force_login(self.vera)
        response = self.client.get(self.problem_url("risks:problem-detail", self.shared))
        self.assertContains(response, "ACME-CR1")
        self.assertContains(response, INTERNAL_CHANGE)
        self.assertContains(response, self.change_url(self.internal_change))

    def test_clients_never_see_an_internal_change_request_through_a_shared_problem(self) -> None:
        # Its edit records the internal key in the team's history only.
        problem_services.problem_update(
            actor=self.bob,
            problem=self.shared,
            data={"impact": "Moved", "change_requests": [self.internal_change]},
        )
        for user in (self.carol, self.dave):
            self.client.force_login(user)
            response = self.client.get(self.problem_url("risks:problem-detail", self.shared))
            self.assertContains(response, "Moved")  # the shared record is on the page
            body = response.content.decode()
            self.assertNotIn("ACME-CR2", body)
            self.assertNotIn("INTERNAL-SECRET", body)
        self.client.force_login(self.vera)
        response = self.client.get(self.problem_url("risks:problem-detail", self.shared))
        self.assertContains(response, "ACME-CR2")

    def test_the_change_request_page_lists_its_problems_as_the_reader_may_see_them(self) -> None:
        self.client.force_login(self.bob)
        response = self.client.get(self.change_url(self.shared_change))
        self.assertContains(response, SHARED_PROBLEM)
        self.assertContains(response, INTERNAL_PROBLEM)
        self.assertContains(response, self.problem_url("risks:problem-detail", self.internal))
        for user in (self.carol, self.dave):
            self.client.force_login(user)
            response = self.client.get(self.change_url(self.shared_change))
            self.assertContains(response, SHARED_PROBLEM)
            self.assertNotContains(response, "INTERNAL-SECRET")
            self.assertEqual(
                self.client.get(self.change_url(self.internal_change)).status_code, 404
            )

    def test_a_change_request_without_problems_says_so(self) -> None:
        change = make_change(self.project, status=ChangeStatus.SUBMITTED, title="Alone")
        self.client.force_login(self.bob)
        response = self.client.get(self.change_url(change))
        self.assertContains(response, "No problem is linked to this change request.")
        self.assertContains(response, "edit page.")
        self.client.force_login(self.carol)
        response = self.client.get(self.change_url(change))
        self.assertContains(response, "No problem is linked to this change request.")
        self.assertNotContains(response, "edit page")

    def test_query_counts_do_not_grow_with_the_links(self) -> None:
        change_url = self.change_url(self.shared_change)
        problem_url = self.problem_url("risks:problem-detail", self.shared)
        self.client.force_login(self.bob)
        before = (_count_queries(self.client, change_url), _count_queries(self.client, problem_url))
        more = [
            make_change(self.project, status=ChangeStatus.SUBMITTED, title=f"More {n}")
            for n in range(3)
        ]
        for n in range(3):
            problem_services.problem_create(
                actor=self.bob,
                project=self.project,
                title=f"Another problem {n}",
                change_requests=[self.shared_change],
            )
        problem_services.problem_update(
            actor=self.bob,
            problem=self.shared,
            data={"change_requests": [self.shared_change, self.internal_change, *more]},
        )
        # The problem's history grew by one record: its page shows up to 30, in one query.
        after = (_count_queries(self.client, change_url), _count_queries(self.client, problem_url))
        self.assertEqual(after, before)


# API -----------------------------------------------------------------------------------------

LIST = "/api/v1/projects/ACME/problems/"


class ProblemChangeRequestApiTests(ApiTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.shared_change, cls.internal_change = _changes(cls.project)
        cls.shared = problem_services.problem_create(
            actor=cls.alice,
            project=cls.project,
            title=SHARED_PROBLEM,
            visibility=Visibility.SHARED,
            change_requests=[cls.shared_change, cls.internal_change],
        )

    def test_the_team_reads_every_key_and_clients_only_shared_ones(self) -> None:
        self.login(self.vera)
        body = self.client.get(f"{LIST}{self.shared.number}/").json()
        self.assertEqual(body["change_requests"], ["ACME-CR1", "ACME-CR2"])
        for user in (self.carol, self.dave):
            self.login(user)
            response = self.client.get(f"{LIST}{self.shared.number}/")
            self.assertEqual(response.json()["change_requests"], ["ACME-CR1"])
            self.assertNotIn("ACME-CR2", response.content.decode())
            self.assertNotIn("INTERNAL-SECRET", response.content.decode())

    def test_create_and_patch_by_number(self) -> None:
        self.login(self.bob)
        response = self.client.post(
            LIST, {"title": "Vendor API changed", "change_requests": [2, 1]}, format="json"
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["change_requests"], ["ACME-CR1", "ACME-CR2"])
        problem = Problem.objects.get(title="Vendor API changed")
        self.assertEqual(
            set(problem.change_requests.all()), {self.shared_change, self.internal_change}
        )
        response = self.client.patch(
            f"{LIST}{problem.number}/",
            {"change_requests": [1]},
            format="json",
            HTTP_IF_MATCH=response["ETag"],
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["change_requests"], ["ACME-CR1"])
        self.assertEqual(list(problem.change_requests.all()), [self.shared_change])

    def test_unknown_numbers_are_400_naming_the_field_and_save_nothing(self) -> None:
        self.login(self.bob)
        count = Problem.objects.count()
        body = self.assertError(
            self.client.post(LIST, {"title": "Nope", "change_requests": [1, 55]}, format="json"),
            400,
            "change_requests",
        )
        self.assertIn("ACME-CR55", body["message"])
        self.assertError(
            self.client.post(LIST, {"title": "Nope", "change_requests": ["x"]}, format="json"),
            400,
            "change_requests.0",
        )
        self.assertEqual(Problem.objects.count(), count)
        response = self.client.get(f"{LIST}{self.shared.number}/")
        self.assertError(
            self.client.patch(
                f"{LIST}{self.shared.number}/",
                {"change_requests": [99]},
                format="json",
                HTTP_IF_MATCH=response["ETag"],
            ),
            400,
            "change_requests",
        )
        self.assertEqual(self.shared.change_requests.count(), 2)
