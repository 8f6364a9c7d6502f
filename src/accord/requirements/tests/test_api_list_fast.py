"""The requirements list over the API builds its rows by hand (RequirementListSerializer):
they must stay equal to what the row serializer gives field by field, and to the same fields of
the detail, for the team and for clients."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework.test import APIRequestFactory

from accord.api.tests.base import ApiTestCase
from accord.requirements import selectors, services
from accord.requirements.api.serializers import RequirementSerializer
from accord.requirements.choices import Status
from accord.requirements.models import Requirement
from accord.requirements.tests.factories import make_requirement

LIST = "/api/v1/projects/ACME/requirements/"
ROW_FIELDS = RequirementSerializer.Meta.fields


class ListRowsTests(ApiTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.parent = make_requirement(
            cls.project,
            status=Status.CONFIRMED,
            title="Reports for managers",
            priority="must",
            business_value=8,
            effort_days=Decimal("12.5"),
            tags=["reports", "managers"],
        )
        cls.changed = make_requirement(
            cls.project,
            status=Status.CONFIRMED,
            title="支持导出PDF报表",
            type="non_functional",
            quality_attribute="performance",
            priority="should",
            source="workshop",
            effort_days=Decimal("3"),
            parent=cls.parent,
            tags=["reports", "export", "pdf"],
            criteria=[
                {"style": "free", "text": "The PDF matches the on-screen report."},
                {
                    "style": "gherkin",
                    "given": "a past month",
                    "when": "the manager exports it",
                    "then": "a PDF downloads",
                },
            ],
        )
        services.requirement_update(
            actor=cls.alice,
            requirement=cls.changed,
            data={"description": "用户可以导出年度报表。"},
            note="Yearly too",
        )
        cls.submitted = make_requirement(
            cls.project, status=Status.SUBMITTED, title="Monthly e-mail digest", tags=[]
        )
        cls.draft = make_requirement(
            cls.project, title="Single sign-on", parent=cls.parent, business_value=3
        )

    def field_by_field(self, user: Any) -> list[dict[str, Any]]:
        """The rows as the row serializer makes them one at a time, from fully loaded rows."""
        request = APIRequestFactory().get(LIST)
        request.user = user
        context = {"project": self.project, "request": request}
        requirements = selectors.requirement_list(user=user, project=self.project).select_related(
            "parent", "current_version", "confirmed_version"
        )
        return [
            dict(RequirementSerializer(requirement, context=context).data)
            for requirement in requirements.order_by("number")
        ]

    def detail_rows(self, requirements: list[Requirement]) -> list[dict[str, Any]]:
        rows = []
        for requirement in requirements:
            detail = self.client.get(f"{LIST}{requirement.number}/").json()
            rows.append({name: detail[name] for name in ROW_FIELDS})
        return rows

    def test_rows_equal_the_row_serializer_and_the_detail(self) -> None:
        for user, visible in (
            (self.alice, [self.parent, self.changed, self.submitted, self.draft]),
            (self.carol, [self.parent, self.changed, self.submitted]),
        ):
            with self.subTest(user=str(user)):
                self.login(user)
                response = self.client.get(LIST, {"page_size": 100})
                self.assertEqual(response.status_code, 200, response.content)
                rows = response.json()["results"]
                self.assertEqual(rows, self.field_by_field(user))
                self.assertEqual(rows, self.detail_rows(visible))

    def test_rows_carry_parents_versions_tags_and_confirmation(self) -> None:
        self.login(self.bob)
        rows = {row["number"]: row for row in self.client.get(LIST).json()["results"]}
        changed = rows[self.changed.number]
        self.assertEqual(changed["key"], f"ACME-R{self.changed.number}")
        self.assertEqual(changed["parent"], f"ACME-R{self.parent.number}")
        self.assertEqual(changed["tags"], ["export", "pdf", "reports"])
        self.assertEqual(changed["effort_days"], "3.0")
        self.assertEqual(changed["quality_attribute"], "performance")
        self.assertEqual((changed["current_version"], changed["confirmed_version"]), (2, 1))
        self.assertTrue(changed["changed_since_confirmation"])
        self.assertFalse(changed["is_confirmed"])
        parent = rows[self.parent.number]
        self.assertIsNone(parent["parent"])
        self.assertEqual(parent["business_value"], 8)
        self.assertEqual(parent["effort_days"], "12.5")
        self.assertTrue(parent["is_confirmed"])
        draft = rows[self.draft.number]
        self.assertIsNone(draft["confirmed_version"])
        self.assertIsNone(draft["effort_days"])
        self.assertEqual(draft["tags"], [])
        self.assertTrue(draft["created_at"].endswith("Z") or "+" in draft["created_at"])

    def test_a_many_serializer_without_the_views_prefetch_gives_the_same_rows(self) -> None:
        request = APIRequestFactory().get(LIST)
        request.user = self.alice
        context = {"project": self.project, "request": request}
        requirements = Requirement.objects.filter(project=self.project).order_by("number")
        many = RequirementSerializer(requirements, many=True, context=context).data
        self.assertEqual([dict(row) for row in many], self.field_by_field(self.alice))

    def test_the_list_does_not_query_per_row(self) -> None:
        self.login(self.alice)
        url = f"{LIST}?page_size=100&ordering=-updated_at"

        def add_rows() -> None:
            for index in range(3):
                make_requirement(
                    self.project,
                    status=Status.CONFIRMED,
                    title=f"Row {index}",
                    parent=self.parent,
                    tags=["reports", f"row-{index}"],
                )

        self.assertQueriesDoNotGrow(url, add_rows)
