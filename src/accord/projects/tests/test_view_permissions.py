"""Who gets what on every project page: one table, every persona."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.urls import reverse

from accord.core.choices import Visibility
from accord.core.testing import BaseTestCase
from accord.projects import services
from accord.projects.models import Membership

# Status codes per persona: manager, member, client, approver, viewer, outsider, staff.
PERSONAS = ["alice", "bob", "carol", "dave", "vera", "mallory", "staff"]


class ProjectPagePermissionMatrixTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.shared = services.milestone_create(
            actor=cls.alice,
            project=cls.project,
            name="Shared",
            due_date=dt.date(2026, 5, 1),
            visibility=Visibility.SHARED,
        )
        cls.internal = services.milestone_create(
            actor=cls.alice,
            project=cls.project,
            name="Internal",
            due_date=dt.date(2026, 6, 1),
            visibility=Visibility.INTERNAL,
        )
        cls.bob_membership = Membership.objects.get(project=cls.project, user=cls.bob)

    def matrix(self) -> list[tuple[str, list[int]]]:
        s, i, m = self.shared.number, self.internal.number, self.bob_membership.pk
        return [
            (reverse("projects:overview", args=["ACME"]), [200, 200, 200, 200, 200, 404, 200]),
            (reverse("projects:members", args=["ACME"]), [200, 200, 200, 200, 200, 404, 200]),
            (reverse("projects:milestones", args=["ACME"]), [200, 200, 200, 200, 200, 404, 200]),
            (
                reverse("projects:milestone-detail", args=["ACME", s]),
                [200, 200, 200, 200, 200, 404, 200],
            ),
            (
                reverse("projects:milestone-detail", args=["ACME", i]),
                [200, 200, 404, 404, 200, 404, 200],
            ),
            (
                reverse("projects:milestone-create", args=["ACME"]),
                [200, 200, 403, 403, 403, 404, 403],
            ),
            (
                reverse("projects:milestone-edit", args=["ACME", s]),
                [200, 200, 403, 403, 403, 404, 403],
            ),
            (
                reverse("projects:milestone-delete", args=["ACME", i]),
                [200, 200, 404, 404, 403, 404, 403],
            ),
            (reverse("projects:history", args=["ACME"]), [200, 200, 404, 404, 200, 404, 200]),
            (reverse("projects:settings", args=["ACME"]), [200, 403, 403, 403, 403, 404, 403]),
            (
                reverse("projects:member-remove", args=["ACME", m]),
                [200, 403, 403, 403, 403, 404, 403],
            ),
        ]

    def test_every_persona_gets_what_the_role_allows(self) -> None:
        for url, expected in self.matrix():
            for name, status in zip(PERSONAS, expected, strict=True):
                self.client.force_login(getattr(self, name))
                with self.subTest(url=url, persona=name):
                    self.assertEqual(self.client.get(url).status_code, status)

    def test_anonymous_visitors_are_sent_to_sign_in(self) -> None:
        for url, _expected in self.matrix():
            with self.subTest(url=url):
                r = self.client.get(url)
                self.assertEqual(r.status_code, 302)
                self.assertTrue(r["Location"].startswith(reverse("accounts:login")))

    def test_state_changes_need_a_csrf_token(self) -> None:
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.alice)
        url = reverse("projects:member-invite", args=["ACME"])
        r = client.post(url, {"email": "x@example.com", "role": "member"})
        self.assertEqual(r.status_code, 403)
        self.assertFalse(self.project.invitations.exists())
