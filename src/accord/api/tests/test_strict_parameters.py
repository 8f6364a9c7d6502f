"""Parameters and bodies the schema does not allow are refused, naming them; none of them
silently means "no filter" or "false" (what Schemathesis found accepted)."""

from __future__ import annotations

from typing import Any

import django_filters
from drf_spectacular.generators import SchemaGenerator

from accord.api.tests.base import ApiTestCase
from accord.core import parameters
from accord.delivery.tests.factories import make_task
from accord.requirements.choices import Status
from accord.requirements.tests.factories import make_requirement

ACME = "/api/v1/projects/ACME"
NOT_BOOLEANS = ("null", "", "1", "0", "yes", "True", "2")


class StrictFilterTests(ApiTestCase):
    BOOLEAN_FILTERS = (
        ("/api/v1/my-work/", "overdue"),
        (f"{ACME}/memberships/", "can_approve"),
        (f"{ACME}/milestones/", "overdue"),
        (f"{ACME}/tasks/", "overdue"),
        (f"{ACME}/problems/", "overdue"),
        (f"{ACME}/requirements/", "confirmed"),
        ("/api/v1/notifications/", "unread"),
    )

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        make_task(cls.project, assignee=cls.alice)

    def setUp(self) -> None:
        self.login(self.alice)

    def test_a_yes_no_filter_takes_only_true_or_false(self) -> None:
        for url, name in self.BOOLEAN_FILTERS:
            for value in NOT_BOOLEANS:
                with self.subTest(url=url, value=value):
                    self.assertError(self.client.get(url, {name: value}), 400, field=name)
            for value in ("true", "false"):
                with self.subTest(url=url, value=value):
                    self.assertEqual(self.client.get(url, {name: value}).status_code, 200)
            with self.subTest(url=url, value="absent"):
                self.assertEqual(self.client.get(url).status_code, 200)

    def test_my_work_still_filters_by_overdue(self) -> None:
        everything = self.client.get("/api/v1/my-work/").json()["count"]
        self.assertEqual(everything, 1)
        self.assertEqual(self.client.get("/api/v1/my-work/?overdue=true").json()["count"], 0)
        self.assertEqual(self.client.get("/api/v1/my-work/?overdue=false").json()["count"], 1)

    def test_membership_filter_by_signing_authority(self) -> None:
        response = self.client.get(f"{ACME}/memberships/", {"can_approve": "true"})
        self.assertEqual([m["user"]["id"] for m in response.json()["results"]], [self.dave.pk])

    def test_audit_dates_must_be_date_times(self) -> None:
        for name in ("since", "until"):
            for value in ("", " ", "garbage", "2026-13-01T00:00:00Z"):
                with self.subTest(name=name, value=value):
                    response = self.client.get(f"{ACME}/audit-records/", {name: value})
                    self.assertError(response, 400, field=name)
            with self.subTest(name=name, value="a date-time"):
                response = self.client.get(f"{ACME}/audit-records/", {name: "2026-01-01T00:00:00Z"})
                self.assertEqual(response.status_code, 200)

    def test_every_api_filter_set_takes_yes_no_and_date_times_exactly(self) -> None:
        """Every filter set of every API operation, its generated ones included: no yes/no or
        date-time filter reads what it does not know as "no filter"."""
        generator = SchemaGenerator()
        generator._initialise_endpoints()
        checked = set()
        for _path, _regex, method, callback in generator.endpoints:
            view: Any = generator.create_view(callback, method)
            if not (
                getattr(view, "filterset_class", None) or getattr(view, "filterset_fields", None)
            ):
                continue
            for backend in getattr(view, "filter_backends", []):
                if not hasattr(backend, "get_filterset_class"):
                    continue
                filterset = backend().get_filterset_class(view, view.get_queryset())
                if filterset is None:
                    continue
                for name, field in filterset.base_filters.items():
                    checked.add((filterset.__name__, name))
                    if isinstance(field, django_filters.BooleanFilter):
                        self.assertIsInstance(field, parameters.BooleanFilter, name)
                    if isinstance(field, django_filters.DateTimeFilter):
                        self.assertIsInstance(field, parameters.DateTimeFilter, name)
        self.assertIn(("MembershipFilter", "can_approve"), checked)


class FormEncodedBodyTests(ApiTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.requirement = make_requirement(
            cls.project,
            status=Status.SUBMITTED,
            criteria=[{"style": "free", "text": "The PDF matches the report."}],
        )

    def setUp(self) -> None:
        self.login(self.alice)
        criterion = self.requirement.criteria.get()
        self.url = f"{ACME}/requirements/{self.requirement.number}/criteria/{criterion.pk}/verify/"

    def test_a_required_yes_no_missing_from_a_form_body_is_refused(self) -> None:
        response = self.client.post(self.url, {"note": "checked"}, format="multipart")
        self.assertError(response, 400, field="verified")
        self.assertFalse(self.requirement.criteria.get().verification_note)

    def test_a_form_body_still_verifies(self) -> None:
        response = self.client.post(self.url, {"verified": "true"}, format="multipart")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertTrue(self.requirement.criteria.get().verified)


class SchemaStatesTheRulesTests(ApiTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.schema = cls.client_class().get("/api/schema/?format=json").json()

    def test_a_wip_limits_put_must_name_a_column(self) -> None:
        self.assertEqual(
            self.schema["components"]["schemas"]["WipLimitsRequest"]["minProperties"], 1
        )
        put = self.schema["paths"]["/api/v1/projects/{project_key}/wip-limits/"]["put"]
        self.assertTrue(put["requestBody"].get("required"))
        self.login(self.alice)
        for body in ({}, None):
            with self.subTest(body=body):
                response = self.client.put(f"{ACME}/wip-limits/", body, format="json")
                self.assertError(response, 400)

    def test_a_change_policy_must_name_an_approver(self) -> None:
        rules = self.schema["components"]["schemas"]["ChangePolicyInputRequest"]["anyOf"]
        self.assertEqual(len(rules), 3)
        self.login(self.alice)
        response = self.client.put(
            f"{ACME}/change-policy/",
            {"require_manager": False, "client_approvals": 0, "decision_days": 5},
            format="json",
        )
        self.assertError(response, 400, field="require_manager")

    def test_bodies_are_documented_as_json_only(self) -> None:
        """A form encoding has no null (Schemathesis sent `todo=null`, which no integer field
        reads), so the schema documents the one encoding its types hold for."""
        media_types = {
            media_type
            for operations in self.schema["paths"].values()
            for operation in operations.values()
            if isinstance(operation, dict) and "requestBody" in operation
            for media_type in operation["requestBody"]["content"]
        }
        self.assertEqual(media_types, {"application/json"})
