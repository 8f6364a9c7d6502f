from __future__ import annotations

from django.utils import timezone

from accord.api.tests.base import ApiTestCase
from accord.notifications.models import Notification
from accord.notifications.tests.factories import NotificationFactory

LIST = "/api/v1/notifications/"
READ_ALL = "/api/v1/notifications/read-all/"


def read_url(notification: Notification) -> str:
    return f"/api/v1/notifications/{notification.pk}/read/"


class NotificationListApiTests(ApiTestCase):
    def test_it_lists_only_own_notifications_newest_first(self) -> None:
        older = NotificationFactory(
            recipient=self.bob,
            project=self.project,
            actor=self.alice,
            title="Older",
            body="Details",
            url="/p/ACME/",
        )
        newer = NotificationFactory(recipient=self.bob, title="Newer")
        NotificationFactory(recipient=self.alice, title="Alice's")
        self.login(self.bob)
        body = self.client.get(LIST).json()
        self.assertEqual(body["count"], 2)
        self.assertEqual([row["id"] for row in body["results"]], [newer.pk, older.pk])
        row = body["results"][1]
        self.assertEqual(row["title"], "Older")
        self.assertEqual(row["body"], "Details")
        self.assertEqual(row["url"], "/p/ACME/")
        self.assertEqual(row["project"], "ACME")
        self.assertEqual(row["actor"]["full_name"], "Alice")
        self.assertEqual(row["kind"], "requirement.submitted")
        self.assertIsNone(row["read_at"])
        self.assertFalse(row["is_read"])
        self.assertIsNone(body["results"][0]["project"])
        self.assertIsNone(body["results"][0]["actor"])

    def test_unread_filter(self) -> None:
        unread = NotificationFactory(recipient=self.bob)
        read = NotificationFactory(recipient=self.bob, read_at=timezone.now())
        self.login(self.bob)
        rows = self.client.get(LIST + "?unread=true").json()["results"]
        self.assertEqual([r["id"] for r in rows], [unread.pk])
        rows = self.client.get(LIST + "?unread=false").json()["results"]
        self.assertEqual([r["id"] for r in rows], [read.pk])
        self.assertEqual(self.client.get(LIST).json()["count"], 2)

    def test_it_paginates(self) -> None:
        NotificationFactory.create_batch(5, recipient=self.bob)
        self.login(self.bob)
        body = self.client.get(LIST + "?page_size=2&page=3").json()
        self.assertEqual(body["count"], 5)
        self.assertEqual(len(body["results"]), 1)

    def test_anonymous_requests_are_refused(self) -> None:
        self.assertError(self.client.get(LIST), 401)

    def test_query_count_does_not_grow(self) -> None:
        self.login(self.bob)

        def add_rows() -> None:
            NotificationFactory.create_batch(
                3, recipient=self.bob, project=self.project, actor=self.alice
            )

        self.assertQueriesDoNotGrow(LIST, add_rows)


class NotificationReadApiTests(ApiTestCase):
    def test_it_marks_one_read(self) -> None:
        notification = NotificationFactory(recipient=self.bob)
        self.login(self.bob)
        response = self.client.post(read_url(notification))
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["id"], notification.pk)
        self.assertTrue(response.json()["is_read"])
        notification.refresh_from_db()
        self.assertIsNotNone(notification.read_at)

    def test_someone_elses_notification_is_404(self) -> None:
        notification = NotificationFactory(recipient=self.alice, title="For Alice only")
        self.login(self.mallory)
        body = self.assertError(self.client.post(read_url(notification)), 404)
        self.assertNotIn("For Alice only", str(body))
        notification.refresh_from_db()
        self.assertIsNone(notification.read_at)

    def test_read_all_marks_only_own(self) -> None:
        NotificationFactory.create_batch(2, recipient=self.bob)
        alices = NotificationFactory(recipient=self.alice)
        self.login(self.bob)
        response = self.client.post(READ_ALL)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json(), {"marked": 2})
        self.assertEqual(self.client.post(READ_ALL).json(), {"marked": 0})
        alices.refresh_from_db()
        self.assertIsNone(alices.read_at)


class NotificationSchemaTests(ApiTestCase):
    def test_the_routes_are_in_the_schema(self) -> None:
        schema = self.client.get("/api/schema/?format=json").json()
        paths = schema["paths"]
        self.assertIn("/api/v1/notifications/", paths)
        self.assertIn("/api/v1/notifications/{id}/read/", paths)
        self.assertIn("/api/v1/notifications/read-all/", paths)
        names = {p["name"] for p in paths["/api/v1/notifications/"]["get"]["parameters"]}
        self.assertIn("unread", names)
