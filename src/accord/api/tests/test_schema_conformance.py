"""The OpenAPI schema is honest: answers validate against it, with their status documented."""

from __future__ import annotations

import re
from functools import cache
from typing import Any
from unittest import mock

import jsonschema
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import override_settings
from drf_spectacular.generators import SchemaGenerator

from accord.accounts.services import api_token_create
from accord.api.tests.base import ApiTestCase
from accord.changes.tests.factories import make_change
from accord.delivery.tests.factories import make_task
from accord.requirements.tests.factories import make_requirement
from accord.risks.tests.factories import make_risk

ACME = "/api/v1/projects/ACME"


def _json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema objects as JSON Schema: `nullable` becomes a null alternative."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False):
        return {"anyOf": [node, {"type": "null"}]}
    return node


@cache
def openapi() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def operation_of(path: str, method: str) -> tuple[str, dict[str, Any]]:
    """The documented operation an address and method belong to."""
    for template, operations in openapi()["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path) and method in operations:
            return template, operations[method]
    raise AssertionError(f"{method.upper()} {path} is not in the schema")


class ConformanceTestCase(ApiTestCase):
    def assertConforms(self, response: Any, method: str = "get") -> None:
        """The status is documented for the operation and the body matches its schema."""
        path = response.wsgi_request.path
        template, operation = operation_of(path, method)
        status = str(response.status_code)
        self.assertIn(status, operation["responses"], f"{method.upper()} {template}")
        content = operation["responses"][status].get("content")
        if not content:
            return
        schema = content["application/json"]["schema"]
        document = _json_schema({"components": openapi()["components"], **schema})
        try:
            jsonschema.validate(response.json(), document)
        except jsonschema.ValidationError as error:
            self.fail(f"{method.upper()} {path} {status}: {error.message} at {list(error.path)}")


class ResponseConformanceTests(ConformanceTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # No quality attribute: the API answers "" for it.
        cls.requirement = make_requirement(cls.project, quality_attribute="")
        make_risk(cls.project)
        make_task(cls.project)
        make_change(cls.project)

    def test_success_answers_match_the_schema(self) -> None:
        self.login(self.alice)
        for address in (
            "/api/v1/projects/", f"{ACME}/", f"{ACME}/requirements/",
            f"{ACME}/requirements/{self.requirement.number}/", f"{ACME}/risks/", f"{ACME}/risks/1/",
            f"{ACME}/problems/", f"{ACME}/changes/", f"{ACME}/changes/1/", f"{ACME}/tasks/",
            f"{ACME}/tasks/1/", f"{ACME}/milestones/", f"{ACME}/memberships/",
        ):  # fmt: skip
            with self.subTest(address=address):
                response = self.client.get(address)
                self.assertEqual(response.status_code, 200, response.content)
                self.assertConforms(response)

    def test_error_answers_are_documented_and_match_the_error_schema(self) -> None:
        self.login(self.alice)
        self.assertConforms(self.client.get(f"{ACME}/risks/", {"owner": "x"}))
        self.assertConforms(self.client.get(f"{ACME}/risks/999/"))
        self.assertConforms(self.client.post(f"{ACME}/risks/", {}, format="json"), "post")
        stale = self.client.patch(
            f"{ACME}/risks/1/", {"title": "x"}, format="json", headers={"if-match": 'W/"v0-0"'}
        )
        self.assertEqual(stale.status_code, 412)
        self.assertConforms(stale, "patch")
        self.client.logout()
        self.assertConforms(self.client.get(f"{ACME}/risks/"))
        self.login(self.carol)
        forbidden = self.client.post(f"{ACME}/risks/", {"title": "x"}, format="json")
        self.assertEqual(forbidden.status_code, 403)
        self.assertConforms(forbidden, "post")

    @override_settings(DEBUG=False)
    def test_an_outage_answer_is_documented(self) -> None:
        _, plain = api_token_create(user=self.alice, name="CI")
        self.client.raise_request_exception = False
        with mock.patch.object(
            BaseDatabaseWrapper, "ensure_connection", side_effect=OperationalError("down")
        ):
            response = self.client.get(
                f"{ACME}/risks/", headers={"authorization": f"Token {plain}"}
            )
        self.assertEqual(response.status_code, 503)
        self.assertConforms(response)


class ErrorDocumentationTests(ConformanceTestCase):
    def operations(self) -> list[tuple[str, str, dict[str, Any]]]:
        return [
            (path, method, operation)
            for path, operations in openapi()["paths"].items()
            for method, operation in operations.items()
        ]

    def test_every_operation_documents_its_error_answers(self) -> None:
        for path, method, operation in self.operations():
            with self.subTest(path=path, method=method):
                responses = operation["responses"]
                names = {(p["in"], p["name"]) for p in operation.get("parameters", [])}
                expected = {"401", "403", "503"}
                if method != "get" or any(where == "query" for where, _ in names):
                    expected.add("400")
                if any(where == "path" for where, _ in names):
                    expected.add("404")
                if method in ("post", "put", "patch", "delete"):
                    expected.add("409")
                if ("header", "If-Match") in names:
                    expected.add("412")
                self.assertLessEqual(expected, set(responses))
                for code in expected:
                    schema = responses[code]["content"]["application/json"]["schema"]
                    self.assertEqual(schema, {"$ref": "#/components/schemas/Error"})
                self.assertIn("Retry-After", responses["503"]["headers"])

    def test_path_and_body_integers_state_their_bounds(self) -> None:
        schemas = openapi()["components"]["schemas"]
        for name, schema in schemas.items():
            if not name.endswith("Request"):
                continue
            for field, spec in schema.get("properties", {}).items():
                for node in (spec, spec.get("items", {})):
                    if node.get("type") == "integer":
                        with self.subTest(schema=name, field=field):
                            self.assertIn("maximum", node)
                            self.assertIn("minimum", node)


class FilterDocumentationTests(ConformanceTestCase):
    def test_id_filters_state_what_they_take(self) -> None:
        paths = openapi()["paths"]
        owner = next(
            p for p in paths["/api/v1/projects/{project_key}/risks/"]["get"]["parameters"]
            if p["name"] == "owner"
        )  # fmt: skip
        self.assertEqual(owner["schema"]["type"], "integer")
        for path in ("tasks/", "tasks/board/"):
            parameters = paths[f"/api/v1/projects/{{project_key}}/{path}"]["get"]["parameters"]
            found = {p["name"]: p["schema"] for p in parameters}
            self.assertEqual(found["assignee"]["pattern"], "^(?:[0-9]{1,18}|me|none)?$")
            self.assertEqual(found["milestone"]["pattern"], "^(?:[0-9]{1,18}|none)?$")
        for path, operations in paths.items():
            for method, operation in operations.items():
                for parameter in operation.get("parameters", []):
                    if parameter["in"] == "query" and parameter["schema"].get("type") == "integer":
                        with self.subTest(path=path, method=method, name=parameter["name"]):
                            self.assertIn("minimum", parameter["schema"])


class PageSizeTests(ConformanceTestCase):
    def test_a_page_size_that_is_not_a_positive_integer_is_a_400_naming_it(self) -> None:
        self.login(self.alice)
        for value in ("0", "-1", "abc", "1.5", "00", str(2**64) + "x"):
            with self.subTest(value=value):
                response = self.client.get(f"{ACME}/milestones/", {"page_size": value})
                self.assertError(response, 400, field="page_size")
                self.assertConforms(response)

    def test_a_positive_page_size_is_taken_up_to_the_most(self) -> None:
        self.login(self.alice)
        for value in ("1", "200", "201", str(2**64)):
            with self.subTest(value=value):
                response = self.client.get(f"{ACME}/milestones/", {"page_size": value})
                self.assertEqual(response.status_code, 200, response.content)


class BusinessRuleDocumentationTests(ConformanceTestCase):
    def properties(self, name: str) -> dict[str, Any]:
        return openapi()["components"]["schemas"][name]["properties"]

    def test_the_rules_the_services_enforce_are_in_the_schema(self) -> None:
        self.assertEqual(self.properties("SubmissionInputRequest")["requirements"]["minItems"], 1)
        self.assertEqual(self.properties("ConfirmManyInputRequest")["requirements"]["minItems"], 1)
        key = self.properties("ProjectCreateRequest")["key"]
        self.assertTrue(re.fullmatch(key["pattern"], "acme"))
        self.assertFalse(re.fullmatch(key["pattern"], "1ACME"))
        for schema, field in (
            ("ProjectCreateRequest", "end_date"),
            ("PatchedProjectUpdateRequest", "end_date"),
            ("TaskInputRequest", "due_date"),
            ("PatchedTaskUpdateRequest", "due_date"),
        ):
            self.assertIn("after the start date", self.properties(schema)[field]["description"])
        for schema in ("ActionInputRequest", "ProblemInputRequest"):
            self.assertIn("Today or later", self.properties(schema)["due_date"]["description"])
        limit = self.properties("WipLimitsRequest")["todo"]
        self.assertEqual((limit["minimum"], limit["maximum"]), (1, 999))
        shift = self.properties("ChangeScheduleInputRequest")["shift_days"]
        self.assertEqual((shift["minimum"], shift["maximum"]), (-3650, 3650))
        days = self.properties("ChangePolicyInputRequest")["decision_days"]
        self.assertEqual((days["minimum"], days["maximum"]), (1, 90))

    def test_the_key_pattern_is_enforced_as_documented(self) -> None:
        self.login(self.staff)
        body = {"name": "X", "client_name": "Y"}
        self.assertError(
            self.client.post("/api/v1/projects/", {**body, "key": "1BAD"}, format="json"),
            400,
            field="key",
        )
        created = self.client.post("/api/v1/projects/", {**body, "key": "good"}, format="json")
        self.assertEqual(created.status_code, 201, created.content)
        self.assertEqual(created.json()["key"], "GOOD")
