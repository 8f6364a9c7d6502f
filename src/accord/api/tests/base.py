"""Helpers for API tests: a JSON client signed in as one of the personas."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accord.core.testing import BaseTestCase


class ApiTestCase(BaseTestCase):
    client_class = APIClient

    def login(self, user: Any) -> None:
        self.client.force_login(user)

    def assertError(self, response: Any, status: int, field: str | None = None) -> dict:
        """The response has the status and the API's one error body; returns the body."""
        self.assertEqual(response.status_code, status, response.content)
        body = response.json()
        self.assertEqual(set(body), {"message", "field", "extra"})
        self.assertTrue(body["message"])
        self.assertEqual(body["field"], field)
        return body

    def count_queries(self, url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200, response.content)
        return len(queries)

    def assertQueriesDoNotGrow(self, url: str, add_rows: Any) -> None:
        """Count the queries of a list, add rows, count again: the counts must be equal."""
        add_rows()
        before = self.count_queries(url)
        add_rows()
        after = self.count_queries(url)
        self.assertEqual(before, after)
