from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accord.core.testing import BaseTestCase
from accord.notifications.models import Notification
from accord.notifications.tests.factories import NotificationFactory

LIST = reverse("notifications:list")
READ_ALL = reverse("notifications:read-all")


def read_url(notification: Notification) -> str:
    return reverse("notifications:read", args=[notification.pk])


class NotificationListViewTests(BaseTestCase):
    def test_anonymous_visitors_meet_the_sign_in_wall(self) -> None:
        response = self.client.get(LIST)
        self.assertEqual(response.status_code, 302)
        self.assertIn("/accounts/login/", response["Location"])

    def test_it_lists_only_own_notifications_newest_first(self) -> None:
        older = NotificationFactory(
            recipient=self.bob, project=self.project, actor=self.alice, title="Older one"
        )
        newer = NotificationFactory(recipient=self.bob, title="Newer one", body="Line 1\nLine 2")
        NotificationFactory(recipient=self.carol, title="Carol's private note")
        self.client.force_login(self.bob)
        response = self.client.get(LIST)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(list(response.context["notifications"]), [newer, older])
        html = response.content.decode()
        self.assertNotIn("Carol&#x27;s private note", html)
        self.assertLess(html.index("Newer one"), html.index("Older one"))
        self.assertIn("Line 1<br>Line 2", html)
        self.assertIn('<span class="key">ACME</span>', html)
        self.assertIn("Alice", html)

    def test_times_are_shown_in_the_users_time_zone(self) -> None:
        self.bob.time_zone = "Asia/Shanghai"
        self.bob.save(update_fields=["time_zone"])
        notification = NotificationFactory(recipient=self.bob)
        Notification.objects.filter(pk=notification.pk).update(
            created_at=dt.datetime(2026, 3, 1, 20, 30, tzinfo=dt.UTC)
        )
        self.client.force_login(self.bob)
        html = self.client.get(LIST).content.decode()
        self.assertIn('datetime="2026-03-02T04:30:00+08:00"', html)

    def test_unread_filter(self) -> None:
        NotificationFactory(recipient=self.bob, title="Still unread")
        NotificationFactory(recipient=self.bob, title="Seen already", read_at=timezone.now())
        self.client.force_login(self.bob)
        response = self.client.get(LIST + "?unread=true")
        self.assertEqual([n.title for n in response.context["notifications"]], ["Still unread"])
        self.assertTrue(response.context["unread_only"])
        all_titles = [n.title for n in self.client.get(LIST).context["notifications"]]
        self.assertEqual(sorted(all_titles), ["Seen already", "Still unread"])

    def test_unread_items_open_through_a_post_read_ones_link_directly(self) -> None:
        unread = NotificationFactory(recipient=self.bob, url="/p/ACME/milestones/")
        read = NotificationFactory(
            recipient=self.bob, url="/p/ACME/members/", read_at=timezone.now()
        )
        self.client.force_login(self.bob)
        html = self.client.get(LIST).content.decode()
        self.assertIn(f'action="{read_url(unread)}"', html)
        self.assertIn('href="/p/ACME/members/"', html)
        self.assertNotIn(f'action="{read_url(read)}"', html)

    def test_empty_states_say_what_next(self) -> None:
        self.client.force_login(self.bob)
        html = self.client.get(LIST).content.decode()
        self.assertIn("No notifications yet", html)
        self.assertIn(f'href="{reverse("projects:list")}"', html)
        html = self.client.get(LIST + "?unread=true").content.decode()
        self.assertIn("No unread notifications", html)
        self.assertIn("Show all notifications", html)

    def test_it_paginates(self) -> None:
        with self.settings(ACCORD_PAGE_SIZE=2):
            NotificationFactory.create_batch(5, recipient=self.bob)
            self.client.force_login(self.bob)
            response = self.client.get(LIST + "?page=3")
            self.assertEqual(len(response.context["notifications"]), 1)
            self.assertContains(response, "Page 3 of 3")

    def test_query_count_does_not_grow(self) -> None:
        self.client.force_login(self.bob)

        def count() -> int:
            with CaptureQueriesContext(connection) as queries:
                response = self.client.get(LIST)
            self.assertEqual(response.status_code, 200)
            return len(queries)

        def add() -> None:
            for _ in range(3):
                NotificationFactory(recipient=self.bob, project=self.project, actor=self.alice)
                NotificationFactory(recipient=self.bob, read_at=timezone.now())

        add()
        first = count()
        add()
        self.assertEqual(count(), first)
        # User, page count, page rows, the bell's unread count (the session comes from its
        # cache).
        self.assertEqual(first, 4)


class NotificationReadViewTests(BaseTestCase):
    def test_it_marks_read_and_follows_the_link(self) -> None:
        notification = NotificationFactory(recipient=self.bob, url="/p/ACME/milestones/")
        self.client.force_login(self.bob)
        response = self.client.post(read_url(notification))
        self.assertRedirects(response, "/p/ACME/milestones/", fetch_redirect_response=False)
        notification.refresh_from_db()
        self.assertIsNotNone(notification.read_at)

    def test_an_unsafe_stored_link_goes_back_to_the_list(self) -> None:
        for url in ["https://evil.example/", "//evil.example/", ""]:
            notification = NotificationFactory(recipient=self.bob, url=url)
            self.client.force_login(self.bob)
            response = self.client.post(read_url(notification))
            self.assertRedirects(response, LIST, fetch_redirect_response=False)

    def test_someone_elses_notification_is_404(self) -> None:
        notification = NotificationFactory(recipient=self.alice, title="For Alice only")
        self.client.force_login(self.mallory)
        response = self.client.post(read_url(notification))
        self.assertEqual(response.status_code, 404)
        self.assertNotIn("For Alice only", response.content.decode())
        notification.refresh_from_db()
        self.assertIsNone(notification.read_at)
        unknown = self.client.post(reverse("notifications:read", args=[notification.pk + 999]))
        self.assertEqual(unknown.status_code, 404)

    def test_get_is_not_allowed(self) -> None:
        notification = NotificationFactory(recipient=self.bob)
        self.client.force_login(self.bob)
        self.assertEqual(self.client.get(read_url(notification)).status_code, 405)
        notification.refresh_from_db()
        self.assertIsNone(notification.read_at)

    def test_read_all_marks_only_own(self) -> None:
        NotificationFactory.create_batch(3, recipient=self.bob)
        alices = NotificationFactory(recipient=self.alice)
        self.client.force_login(self.bob)
        response = self.client.post(READ_ALL, follow=True)
        self.assertContains(response, "3 notifications marked as read.")
        self.assertFalse(Notification.objects.filter(recipient=self.bob, read_at=None).exists())
        alices.refresh_from_db()
        self.assertIsNone(alices.read_at)


class NotificationBellTests(BaseTestCase):
    def bell(self, html: str) -> str:
        start = html.rindex("<a ", 0, html.index('class="notification-bell"'))
        return html[start : html.index("</a>", start)]

    def test_the_header_shows_the_unread_count(self) -> None:
        NotificationFactory.create_batch(3, recipient=self.bob)
        NotificationFactory(recipient=self.bob, read_at=timezone.now())
        NotificationFactory.create_batch(2, recipient=self.alice)
        self.client.force_login(self.bob)
        bell = self.bell(self.client.get(reverse("projects:list")).content.decode())
        self.assertIn('<span class="bell-count" aria-hidden="true">3</span>', bell)
        self.assertIn("Notifications: 3 unread", bell)
        self.assertIn(f'href="{LIST}"', bell)

    def test_no_count_when_everything_is_read(self) -> None:
        NotificationFactory(recipient=self.bob, read_at=timezone.now())
        self.client.force_login(self.bob)
        bell = self.bell(self.client.get(LIST).content.decode())
        self.assertNotIn("bell-count", bell)

    def test_the_count_is_capped(self) -> None:
        Notification.objects.bulk_create(
            [Notification(recipient=self.bob, kind="x", title=f"n{i}") for i in range(100)]
        )
        self.client.force_login(self.bob)
        bell = self.bell(self.client.get(LIST).content.decode())
        self.assertIn(">99+</span>", bell)

    def test_anonymous_pages_have_no_bell_and_pay_no_query(self) -> None:
        with CaptureQueriesContext(connection) as queries:
            html = self.client.get(reverse("accounts:login")).content.decode()
        self.assertNotIn("notification-bell", html)
        self.assertFalse(any("notifications_notification" in q["sql"] for q in queries))

    def test_responses_without_the_header_pay_no_count(self) -> None:
        self.client.force_login(self.bob)
        with CaptureQueriesContext(connection) as queries:
            self.client.post(READ_ALL)
        counts = [q for q in queries if "COUNT(" in q["sql"].upper()]
        self.assertEqual(counts, [])
