"""My work: one's open tasks across projects, grouped by project, overdue first, with the
hours logged this week; nothing from projects one has left; a bounded number of queries."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accord.core.testing import BaseTestCase
from accord.delivery.choices import TaskStatus
from accord.delivery.tests.factories import log_time, make_task
from accord.projects.choices import Role
from accord.projects.tests.factories import MembershipFactory


class MyWorkTests(BaseTestCase):
    url = reverse("my_work:index")

    def test_groups_open_tasks_by_project_overdue_first_with_this_weeks_time(self) -> None:
        MembershipFactory(project=self.other_project, user=self.bob, role=Role.MEMBER)
        today = timezone.localdate()
        later = make_task(self.project, title="Later work", assignee=self.bob,
                          due_date=today + dt.timedelta(days=30))  # fmt: skip
        late = make_task(self.project, title="Late work", assignee=self.bob,
                         due_date=today - dt.timedelta(days=3))  # fmt: skip
        make_task(self.project, title="Finished work", assignee=self.bob, status=TaskStatus.DONE)
        make_task(self.project, title="Alice's work", assignee=self.alice)
        elsewhere = make_task(self.other_project, actor=self.mallory, title="Other project work",
                              assignee=self.bob)  # fmt: skip
        log_time(later, actor=self.bob, hours="1.5", date=today)
        log_time(elsewhere, actor=self.bob, hours="2", date=today)
        self.client.force_login(self.bob)
        response = self.client.get(self.url)
        html = response.content.decode()
        self.assertIn("Late work", html)
        self.assertLess(html.index("Late work"), html.index("Later work"))
        self.assertLess(html.index("ACME"), html.index("Other project work"))
        self.assertNotIn("Finished work", html)
        self.assertNotIn("Alice's work", html)
        self.assertIn("3.50 h logged this week", html)
        self.assertIn("1 overdue", html)
        self.assertIn(late.key, html)

    def test_tasks_of_a_project_one_left_are_not_shown(self) -> None:
        make_task(self.project, title="Old assignment", assignee=self.bob)
        self.project.memberships.filter(user=self.bob).delete()
        self.client.force_login(self.bob)
        response = self.client.get(self.url)
        self.assertNotContains(response, "Old assignment")
        self.assertContains(response, "Nothing assigned to you")

    def test_clients_see_no_task(self) -> None:
        self.client.force_login(self.carol)
        self.assertContains(self.client.get(self.url), "Nothing assigned to you")

    def test_query_count_does_not_grow(self) -> None:
        make_task(self.project, assignee=self.bob)
        self.client.force_login(self.bob)

        def count() -> int:
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(self.client.get(self.url).status_code, 200)
            return len(queries)

        few = count()
        MembershipFactory(project=self.other_project, user=self.bob, role=Role.MEMBER)
        for i in range(5):
            task = make_task(self.project, title=f"Mine {i}", assignee=self.bob)
            log_time(task, actor=self.bob, hours="0.5")
            make_task(self.other_project, actor=self.mallory, title=f"There {i}",
                      assignee=self.bob)  # fmt: skip
        self.assertEqual(count(), few)

    def test_anonymous_meets_the_sign_in_wall(self) -> None:
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 302)
        self.assertIn("/accounts/login/", response["Location"])
