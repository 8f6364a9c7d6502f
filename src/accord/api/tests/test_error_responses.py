"""Every answer under /api/ is JSON in the one error format, whatever went wrong and where:
bodies too big or nested too deep, server errors, a database that cannot be reached."""

from __future__ import annotations

from unittest import mock

from django.db import InterfaceError, OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import override_settings
from rest_framework.test import APIClient

from accord.accounts.services import api_token_create
from accord.api.parsers import JSONParser
from accord.api.tests.base import ApiTestCase
from accord.risks.models import Risk

RISKS = "/api/v1/projects/ACME/risks/"


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def risk_with_cause(cause_json: str) -> str:
    return f'{{"title": "x", "probability": 3, "impact": 3, "cause": {cause_json}}}'


@override_settings(DEBUG=False)
class ApiErrorTestCase(ApiTestCase):
    def setUp(self) -> None:
        # A server answers an exception with its error page; the test client re-raises it.
        self.client.raise_request_exception = False

    def assertJsonError(self, response, status: int, field: str | None = None) -> dict:
        self.assertTrue(response["Content-Type"].startswith("application/json"), response)
        return self.assertError(response, status, field)


class BodyBoundsTests(ApiErrorTestCase):
    def risk(self, **extra) -> dict:
        return {"title": "Late hardware", "probability": 3, "impact": 3, **extra}

    def test_a_body_nested_5000_levels_deep_is_a_json_400(self) -> None:
        self.login(self.alice)
        body = risk_with_cause(nested(5000))
        response = self.client.post(RISKS, body, content_type="application/json")
        self.assertJsonError(response, 400)
        self.assertFalse(Risk.objects.exists())

    def test_a_body_just_past_the_depth_bound_is_refused_and_one_within_it_is_read(self) -> None:
        self.login(self.alice)
        limit = JSONParser.max_depth
        too_deep = risk_with_cause(nested(limit))
        self.assertJsonError(
            self.client.post(RISKS, too_deep, content_type="application/json"), 400
        )
        response = self.client.post(RISKS, self.risk(), format="json")
        self.assertEqual(response.status_code, 201, response.content)

    @override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
    def test_an_oversized_json_body_is_a_json_400(self) -> None:
        self.login(self.alice)
        response = self.client.post(RISKS, self.risk(cause="x" * 2000), format="json")
        self.assertJsonError(response, 400)
        self.assertFalse(Risk.objects.exists())

    @override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
    def test_an_oversized_form_body_is_a_json_400(self) -> None:
        self.login(self.alice)
        response = self.client.post(RISKS, self.risk(cause="x" * 2000), format="multipart")
        self.assertJsonError(response, 400)
        response = self.client.post(
            RISKS,
            "title=x&probability=3&impact=3&cause=" + "x" * 2000,
            content_type="application/x-www-form-urlencoded",
        )
        self.assertJsonError(response, 400)
        self.assertFalse(Risk.objects.exists())

    def test_a_body_that_is_not_json_is_a_json_400(self) -> None:
        self.login(self.alice)
        response = self.client.post(RISKS, "{not json", content_type="application/json")
        self.assertJsonError(response, 400)


class ServerErrorTests(ApiErrorTestCase):
    def test_an_unexpected_error_in_a_view_is_a_json_500(self) -> None:
        self.login(self.alice)
        with mock.patch("accord.risks.api.views.selectors.risk_list", side_effect=RuntimeError):
            response = self.client.get(RISKS)
        body = self.assertJsonError(response, 500)
        self.assertNotIn("RuntimeError", body["message"])

    def test_pages_keep_their_html_error_page(self) -> None:
        self.client.force_login(self.alice)
        with mock.patch("accord.risks.views.pages.selectors.risk_list", side_effect=RuntimeError):
            response = self.client.get("/p/ACME/risks/")
        self.assertEqual(response.status_code, 500)
        self.assertTrue(response["Content-Type"].startswith("text/html"))

    def test_an_unknown_api_address_is_a_json_404_for_every_method(self) -> None:
        client = APIClient(enforce_csrf_checks=True)
        client.force_login(self.alice)
        for method in ("get", "post", "put", "patch", "delete"):
            response = getattr(client, method)("/api/v1/no-such-thing/")
            self.assertJsonError(response, 404)


class DatabaseOutageTests(ApiErrorTestCase):
    def outage(self, error: type[Exception] = OperationalError):
        """Every new query fails as it does while the database server is down."""
        return mock.patch.object(
            BaseDatabaseWrapper,
            "ensure_connection",
            side_effect=error("connection to server at 127.0.0.1 failed: Connection refused"),
        )

    def test_a_token_request_during_an_outage_is_a_json_503_with_retry_after(self) -> None:
        _, plain = api_token_create(user=self.alice, name="CI")
        for error in (OperationalError, InterfaceError):
            with self.subTest(error=error.__name__), self.outage(error):
                response = self.client.get(RISKS, headers={"authorization": f"Token {plain}"})
            body = self.assertJsonError(response, 503)
            self.assertNotIn("127.0.0.1", body["message"])
            self.assertGreater(int(response["Retry-After"]), 0)

    def test_an_outage_met_outside_the_api_views_is_a_json_503_too(self) -> None:
        # Signed in by session: the middleware reads the user before any API view runs.
        self.login(self.alice)
        with self.outage():
            response = self.client.get("/api/v1/no-such-thing/")
        self.assertJsonError(response, 503)
        self.assertIn("Retry-After", response)
