"""Milestone pages: list, detail, create, edit (with stale-edit refusal), delete."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.urls import reverse

from accord.core.choices import Visibility
from accord.core.models import AuditEvent
from accord.core.testing import BaseTestCase
from accord.projects import services
from accord.projects.choices import MilestoneStatus
from accord.projects.models import Milestone
from accord.projects.tests.factories import MilestoneFactory
from accord.projects.tests.test_views import count_queries


class MilestoneTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.shared = services.milestone_create(
            actor=cls.alice,
            project=cls.project,
            name="Go-live",
            description="Switch **DNS** at night.",
            due_date=dt.date(2026, 9, 1),
            visibility=Visibility.SHARED,
        )
        cls.internal = services.milestone_create(
            actor=cls.alice,
            project=cls.project,
            name="Internal dry run",
            due_date=dt.date(2026, 3, 1),
            visibility=Visibility.INTERNAL,
        )
        cls.list_url = reverse("projects:milestones", args=["ACME"])

    def url(self, name: str, milestone: Milestone) -> str:
        return reverse(f"projects:milestone-{name}", args=["ACME", milestone.number])


class MilestoneListViewTests(MilestoneTestCase):
    def test_the_team_sees_all_milestones(self) -> None:
        self.client.force_login(self.bob)
        r = self.client.get(self.list_url)
        self.assertContains(r, "ACME-M1")
        self.assertContains(r, "Go-live")
        self.assertContains(r, "Internal dry run")
        self.assertContains(r, reverse("projects:milestone-create", args=["ACME"]))

    def test_clients_see_shared_milestones_only(self) -> None:
        self.client.force_login(self.carol)
        r = self.client.get(self.list_url)
        self.assertContains(r, "Go-live")
        self.assertNotContains(r, "Internal dry run")
        self.assertNotContains(r, reverse("projects:milestone-create", args=["ACME"]))

    def test_it_filters_by_status(self) -> None:
        services.milestone_update(
            actor=self.alice, milestone=self.shared, data={"status": MilestoneStatus.DONE}
        )
        self.client.force_login(self.alice)
        r = self.client.get(self.list_url, {"status": "done"})
        self.assertContains(r, "Go-live")
        self.assertNotContains(r, "Internal dry run")

    @time_machine.travel(dt.datetime(2026, 4, 1, 8, tzinfo=dt.UTC), tick=False)
    def test_overdue_milestones_are_flagged_and_filterable(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(self.list_url)
        self.assertContains(r, "row-overdue", count=1)
        r = self.client.get(self.list_url, {"overdue": "true"})
        self.assertContains(r, "Internal dry run")
        self.assertNotContains(r, "Go-live")
        # The ticked box sends what the API's filter takes (true), and stays ticked.
        self.assertRegex(
            r.content.decode(), r'<input type="checkbox" name="overdue" value="true"[^>]* checked'
        )

    def test_viewers_see_it_without_edit_links(self) -> None:
        self.client.force_login(self.vera)
        r = self.client.get(self.list_url)
        self.assertContains(r, "Internal dry run")
        self.assertNotContains(r, reverse("projects:milestone-create", args=["ACME"]))

    def test_outsiders_get_404(self) -> None:
        self.client.force_login(self.mallory)
        self.assertEqual(self.client.get(self.list_url).status_code, 404)

    def test_query_count_does_not_grow(self) -> None:
        self.client.force_login(self.alice)
        first = count_queries(self.client, self.list_url)
        for i in range(10):
            MilestoneFactory(project=self.project, number=50 + i)
        self.assertEqual(count_queries(self.client, self.list_url), first)


class MilestoneDetailViewTests(MilestoneTestCase):
    def test_it_shows_the_description_and_history(self) -> None:
        services.milestone_update(
            actor=self.bob, milestone=self.shared, data={"name": "Go-live weekend"}
        )
        self.client.force_login(self.alice)
        r = self.client.get(self.url("detail", self.shared))
        self.assertContains(r, "<strong>DNS</strong>", html=False)
        self.assertContains(r, "changed a milestone")
        self.assertContains(r, "<del>Go-live</del>", html=False)
        self.assertContains(r, "<ins>Go-live weekend</ins>", html=False)
        self.assertContains(r, "created a milestone")

    def test_clients_read_shared_milestones(self) -> None:
        self.client.force_login(self.dave)
        r = self.client.get(self.url("detail", self.shared))
        self.assertContains(r, "Go-live")
        self.assertNotContains(r, self.url("edit", self.shared))

    def test_internal_milestones_are_404_for_clients_and_outsiders(self) -> None:
        for user in (self.carol, self.dave, self.mallory):
            self.client.force_login(user)
            self.assertEqual(self.client.get(self.url("detail", self.internal)).status_code, 404)
            self.assertEqual(self.client.get(self.url("edit", self.internal)).status_code, 404)
        self.client.force_login(self.alice)
        self.assertEqual(
            self.client.get(reverse("projects:milestone-detail", args=["ACME", 99])).status_code,
            404,
        )


class MilestoneCreateViewTests(MilestoneTestCase):
    def setUp(self) -> None:
        self.create_url = reverse("projects:milestone-create", args=["ACME"])
        self.data = {
            "name": "UAT sign-off",
            "due_date": "2026-10-15",
            "status": "planned",
            "visibility": "shared",
            "description": "",
        }

    def test_team_members_create_milestones(self) -> None:
        self.client.force_login(self.bob)
        r = self.client.post(self.create_url, self.data)
        milestone = Milestone.objects.get(name="UAT sign-off")
        self.assertEqual(milestone.key, "ACME-M3")
        self.assertRedirects(r, milestone.get_absolute_url(), fetch_redirect_response=False)
        self.assertTrue(
            AuditEvent.objects.filter(action="milestone.created", actor=self.bob).exists()
        )

    def test_field_errors_keep_the_input(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post(self.create_url, {**self.data, "due_date": "not a date"})
        self.assertContains(r, "field-error", status_code=400)
        self.assertContains(r, 'value="UAT sign-off"', status_code=400)

    def test_clients_and_viewers_get_403_outsiders_404(self) -> None:
        for user, status in ((self.carol, 403), (self.dave, 403), (self.vera, 403)):
            self.client.force_login(user)
            self.assertEqual(self.client.get(self.create_url).status_code, status)
            self.assertEqual(self.client.post(self.create_url, self.data).status_code, status)
        self.client.force_login(self.mallory)
        self.assertEqual(self.client.post(self.create_url, self.data).status_code, 404)
        self.assertFalse(Milestone.objects.filter(name="UAT sign-off").exists())


class MilestoneEditViewTests(MilestoneTestCase):
    def form(self, **changes) -> dict:
        data = {
            "name": "Go-live",
            "due_date": "2026-09-01",
            "status": "in_progress",
            "visibility": "shared",
            "description": "Switch **DNS** at night.",
            "version": 1,
        }
        data.update(changes)
        return data

    def test_a_member_edits_a_milestone(self) -> None:
        self.client.force_login(self.bob)
        r = self.client.get(self.url("edit", self.shared))
        self.assertContains(r, 'type="hidden" name="version" value="1"')
        r = self.client.post(self.url("edit", self.shared), self.form())
        self.assertRedirects(r, self.shared.get_absolute_url(), fetch_redirect_response=False)
        self.shared.refresh_from_db()
        self.assertEqual(self.shared.status, MilestoneStatus.IN_PROGRESS)
        self.assertEqual(self.shared.version, 2)

    def test_a_stale_edit_is_refused_and_keeps_the_input(self) -> None:
        services.milestone_update(
            actor=self.alice, milestone=self.shared, data={"name": "Renamed by Alice"}
        )
        self.client.force_login(self.bob)
        r = self.client.post(self.url("edit", self.shared), self.form(name="Bob's name"))
        self.assertContains(r, "Someone else changed this milestone", status_code=400)
        self.assertContains(r, 'value="Bob&#x27;s name"', status_code=400)
        self.shared.refresh_from_db()
        self.assertEqual(self.shared.name, "Renamed by Alice")

    def test_clients_and_viewers_cannot_edit(self) -> None:
        for user in (self.carol, self.vera):
            self.client.force_login(user)
            r = self.client.post(self.url("edit", self.shared), self.form(name="Hijack"))
            self.assertEqual(r.status_code, 403)
        self.shared.refresh_from_db()
        self.assertEqual(self.shared.name, "Go-live")


class MilestoneDeleteViewTests(MilestoneTestCase):
    def test_it_asks_then_deletes(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(self.url("delete", self.internal))
        self.assertContains(r, "Delete ACME-M2")
        self.assertTrue(Milestone.objects.filter(pk=self.internal.pk).exists())
        r = self.client.post(self.url("delete", self.internal))
        self.assertRedirects(r, self.list_url, fetch_redirect_response=False)
        self.assertFalse(Milestone.objects.filter(pk=self.internal.pk).exists())
        self.assertTrue(AuditEvent.objects.filter(action="milestone.deleted").exists())

    def test_clients_viewers_and_outsiders_cannot_delete(self) -> None:
        for user, status in ((self.carol, 403), (self.vera, 403), (self.mallory, 404)):
            self.client.force_login(user)
            self.assertEqual(self.client.post(self.url("delete", self.shared)).status_code, status)
        self.assertTrue(Milestone.objects.filter(pk=self.shared.pk).exists())
