"""Project pages: list, create, overview, settings, history."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accord.core.choices import Visibility
from accord.core.testing import BaseTestCase
from accord.projects import services
from accord.projects.choices import ProjectStatus, Role
from accord.projects.models import Membership, Project
from accord.projects.tests.factories import MembershipFactory, MilestoneFactory, ProjectFactory


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(queries)


class ProjectListViewTests(BaseTestCase):
    url = reverse("projects:list")

    def test_it_lists_my_projects_with_my_role(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(self.url)
        self.assertContains(r, "Customer portal")
        self.assertContains(r, "ACME Corp")
        self.assertContains(r, "Project manager")
        self.assertNotContains(r, "Other client&#x27;s project")
        self.assertNotContains(r, "EVIL")

    def test_clients_see_their_project_as_client(self) -> None:
        self.client.force_login(self.carol)
        r = self.client.get(self.url)
        self.assertContains(r, "Customer portal")
        self.assertContains(r, "Client")
        self.assertNotContains(r, "New project")

    def test_staff_see_every_project(self) -> None:
        self.client.force_login(self.staff)
        r = self.client.get(self.url)
        self.assertContains(r, "All projects")
        self.assertContains(r, "ACME")
        self.assertContains(r, "EVIL")

    def test_it_filters_by_status_and_text(self) -> None:
        ProjectFactory(key="BETA", name="Billing revamp", status=ProjectStatus.ACTIVE)
        ProjectFactory(key="GAMMA", name="Data lake", client_name="Lake Ltd")
        self.client.force_login(self.staff)
        r = self.client.get(self.url, {"status": "active"})
        self.assertContains(r, "Billing revamp")
        self.assertNotContains(r, "Customer portal")
        r = self.client.get(self.url, {"q": "lake ltd"})
        self.assertContains(r, "Data lake")
        self.assertNotContains(r, "Billing revamp")
        r = self.client.get(self.url, {"q": "acm"})
        self.assertContains(r, "Customer portal")

    def test_it_sorts(self) -> None:
        ProjectFactory(key="AAA", name="Zebra")
        self.client.force_login(self.staff)
        body = self.client.get(self.url, {"sort": "-name"}).content.decode()
        self.assertLess(body.index("Zebra"), body.index("Customer portal"))
        body = self.client.get(self.url, {"sort": "key"}).content.decode()
        self.assertLess(body.index("Zebra"), body.index("Customer portal"))

    def test_it_paginates(self) -> None:
        for i in range(30):
            ProjectFactory(key=f"PG{i:02d}", name=f"Paged {i:02d}")
        self.client.force_login(self.staff)
        r = self.client.get(self.url)
        self.assertContains(r, "Page 1 of 2")
        r = self.client.get(self.url, {"page": 2})
        self.assertContains(r, "Page 2 of 2")

    def test_no_match_explains_how_to_clear(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(self.url, {"q": "nothing-like-this"})
        self.assertContains(r, "No projects match these filters")

    def test_a_newcomer_is_told_to_ask_for_an_invitation(self) -> None:
        from accord.accounts.tests.factories import UserFactory

        self.client.force_login(UserFactory())
        r = self.client.get(self.url)
        self.assertContains(r, "Ask your project manager for an invitation")
        self.assertNotContains(r, reverse("projects:create"))

    def test_staff_without_projects_are_offered_to_create_one(self) -> None:
        Project.objects.all().delete()
        self.client.force_login(self.staff)
        r = self.client.get(self.url)
        self.assertContains(r, "Create your first project")
        self.assertContains(r, reverse("projects:create"))

    def test_anonymous_visitors_are_sent_to_sign_in(self) -> None:
        r = self.client.get(self.url)
        self.assertEqual(r.status_code, 302)
        self.assertIn(reverse("accounts:login"), r["Location"])

    def test_query_count_does_not_grow_with_projects(self) -> None:
        self.client.force_login(self.alice)
        for _ in range(3):
            MembershipFactory(project=ProjectFactory(), user=self.alice, role=Role.MEMBER)
        first = count_queries(self.client, self.url)
        for _ in range(10):
            MembershipFactory(project=ProjectFactory(), user=self.alice, role=Role.CLIENT)
        self.assertEqual(count_queries(self.client, self.url), first)


class ProjectCreateViewTests(BaseTestCase):
    url = reverse("projects:create")

    def test_a_manager_creates_a_project_and_becomes_its_manager(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post(
            self.url,
            {
                "key": "nova",
                "name": "Nova CRM",
                "client_name": "Nova Ltd",
                "status": "planning",
                "start_date": "2026-02-01",
                "end_date": "2026-08-31",
                "description": "A **new** CRM",
            },
        )
        project = Project.objects.get(key="NOVA")
        self.assertRedirects(r, project.get_absolute_url(), fetch_redirect_response=False)
        self.assertTrue(
            Membership.objects.filter(project=project, user=self.alice, role=Role.MANAGER).exists()
        )
        r = self.client.get(project.get_absolute_url())
        self.assertContains(r, "<strong>new</strong>", html=False)

    def test_field_errors_keep_the_input(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post(
            self.url,
            {
                "key": "acme",
                "name": "Duplicate",
                "client_name": "Someone",
                "status": "planning",
                "start_date": "2026-05-01",
                "end_date": "2026-04-01",
            },
        )
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, 'value="Duplicate"')
        self.assertContains(r, "field-error")
        self.assertEqual(Project.objects.filter(name="Duplicate").count(), 0)

    def test_people_who_manage_nothing_cannot_create(self) -> None:
        self.client.force_login(self.carol)
        self.assertEqual(self.client.get(self.url).status_code, 403)
        r = self.client.post(self.url, {"key": "NOPE", "name": "x", "client_name": "y"})
        self.assertEqual(r.status_code, 403)
        self.assertFalse(Project.objects.filter(key="NOPE").exists())


class ProjectOverviewViewTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.url = reverse("projects:overview", args=["ACME"])
        services.project_update(
            actor=cls.alice,
            project=cls.project,
            data={
                "description": "The **portal** for ACME's customers.",
                "objectives": "- Self-service orders",
                "values": "Say it early.",
            },
        )
        services.milestone_create(
            actor=cls.alice,
            project=cls.project,
            name="Go-live",
            due_date=dt.date(2026, 9, 1),
            visibility=Visibility.SHARED,
        )
        services.milestone_create(
            actor=cls.alice,
            project=cls.project,
            name="Internal dry run",
            due_date=dt.date(2026, 8, 1),
            visibility=Visibility.INTERNAL,
        )

    def test_the_manager_sees_the_dashboard(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(self.url)
        self.assertContains(r, "<strong>portal</strong>", html=False)
        self.assertContains(r, "<li>Self-service orders</li>", html=False)
        self.assertContains(r, "Go-live")
        self.assertContains(r, "Internal dry run")
        self.assertContains(r, "Dave")
        self.assertContains(r, "Can approve")
        self.assertContains(r, "created a milestone")
        self.assertContains(r, reverse("projects:settings", args=["ACME"]))
        self.assertContains(r, reverse("projects:history", args=["ACME"]))
        self.assertContains(r, 'aria-current="page">Overview')

    def test_clients_see_shared_milestones_and_shared_activity_only(self) -> None:
        self.client.force_login(self.carol)
        r = self.client.get(self.url)
        self.assertContains(r, "Go-live")
        self.assertNotContains(r, "Internal dry run")
        self.assertNotContains(r, "changed the project")
        self.assertNotContains(r, reverse("projects:history", args=["ACME"]))
        self.assertNotContains(r, reverse("projects:settings", args=["ACME"]))

    def test_members_see_history_but_not_settings(self) -> None:
        self.client.force_login(self.bob)
        r = self.client.get(self.url)
        self.assertContains(r, reverse("projects:history", args=["ACME"]))
        self.assertNotContains(r, reverse("projects:settings", args=["ACME"]))

    @time_machine.travel(dt.datetime(2026, 8, 15, 9, tzinfo=dt.UTC), tick=False)
    def test_overdue_milestones_are_flagged(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(self.url)
        self.assertContains(r, "Overdue")
        self.assertContains(r, "row-overdue")

    def test_outsiders_and_unknown_keys_get_404(self) -> None:
        self.client.force_login(self.mallory)
        self.assertEqual(self.client.get(self.url).status_code, 404)
        self.assertEqual(self.client.get("/p/NOPE/").status_code, 404)

    def test_staff_see_any_project(self) -> None:
        self.client.force_login(self.staff)
        self.assertContains(self.client.get(self.url), "Customer portal")

    def test_query_count_does_not_grow(self) -> None:
        self.client.force_login(self.alice)
        # Cards cached under the project's history are computed afresh after each change; the
        # counts below are of such a computation (the data changes between the two).
        first = count_queries(self.client, self.url)
        # User (the session comes from its cache), project with membership, members, milestone
        # counts, overdue and upcoming milestones, recent activity, the header's unread
        # notification count, and the requirements card (counts by status, awaiting the client,
        # changed since confirmed), the risks card (the project's level thresholds, the top
        # active risks, the count of overdue response actions, the count of open problems), the
        # change card (counts and sums by state, approved schedule shifts, requests awaiting
        # approval) and the delivery card (open milestones, overdue tasks and their count,
        # overdue milestones, after reading the project's audit chain head).
        self.assertEqual(first, 22)
        for i in range(5):
            MilestoneFactory(project=self.project, number=100 + i)
            MembershipFactory(project=self.project, role=Role.MEMBER)
            services.project_update(actor=self.alice, project=self.project, data={"name": f"P{i}"})
        self.assertEqual(count_queries(self.client, self.url), first)
        # Unchanged history: the delivery card is reused, only the chain head is read.
        self.assertEqual(count_queries(self.client, self.url), first - 3)


class ProjectSettingsViewTests(BaseTestCase):
    url = reverse("projects:settings", args=["ACME"])

    def form_data(self, **changes) -> dict:
        data = {
            "name": "Customer portal",
            "client_name": "ACME Corp",
            "status": "active",
            "start_date": "2026-01-05",
            "end_date": "2026-12-18",
            "description": "",
            "objectives": "",
            "values": "",
            "version": self.project.version,
        }
        data.update(changes)
        return data

    def test_the_manager_edits_the_project(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(self.url)
        self.assertContains(r, 'name="version"')
        r = self.client.post(self.url, self.form_data(name="Portal 2"))
        self.assertRedirects(r, self.url, fetch_redirect_response=False)
        self.project.refresh_from_db()
        self.assertEqual(self.project.name, "Portal 2")
        self.assertEqual(self.project.status, ProjectStatus.ACTIVE)

    def test_a_stale_edit_is_refused_and_keeps_the_input(self) -> None:
        self.client.force_login(self.alice)
        stale = self.form_data(name="Mine")
        services.project_update(actor=self.bob, project=self.project, data={"name": "Theirs"})
        r = self.client.post(self.url, stale)
        self.assertContains(r, "Someone else changed this project")
        self.assertContains(r, 'value="Mine"')
        self.project.refresh_from_db()
        self.assertEqual(self.project.name, "Theirs")

    def test_end_before_start_is_a_field_error(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post(self.url, self.form_data(end_date="2025-01-01"))
        self.assertContains(r, "field-error")
        self.project.refresh_from_db()
        self.assertEqual(self.project.end_date, dt.date(2026, 12, 18))

    def test_members_clients_and_viewers_get_403(self) -> None:
        for user in (self.bob, self.carol, self.vera):
            self.client.force_login(user)
            self.assertEqual(self.client.get(self.url).status_code, 403)
            r = self.client.post(self.url, self.form_data(name="Hacked"))
            self.assertEqual(r.status_code, 403)
        self.project.refresh_from_db()
        self.assertEqual(self.project.name, "Customer portal")

    def test_outsiders_get_404(self) -> None:
        self.client.force_login(self.mallory)
        self.assertEqual(self.client.get(self.url).status_code, 404)
        self.assertEqual(self.client.post(self.url, self.form_data()).status_code, 404)


class ProjectHistoryViewTests(BaseTestCase):
    url = reverse("projects:history", args=["ACME"])

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        services.project_update(
            actor=cls.alice, project=cls.project, data={"status": ProjectStatus.ACTIVE}
        )
        services.milestone_create(
            actor=cls.bob, project=cls.project, name="Kick-off", due_date=dt.date(2026, 2, 1)
        )

    def test_it_shows_who_did_what_with_before_and_after(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(self.url)
        self.assertContains(r, "changed the project")
        self.assertContains(r, "created a milestone")
        self.assertContains(r, "<del>Planning</del>", html=False)
        self.assertContains(r, "<ins>Active</ins>", html=False)
        self.assertContains(r, "Alice")
        self.assertContains(r, "Bob")

    def test_it_filters_by_action_and_actor(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(self.url, {"action": "milestone.created"})
        self.assertContains(r, "Kick-off")
        self.assertNotContains(r, "<del>Planning</del>", html=False)
        r = self.client.get(self.url, {"actor": self.alice.pk})
        self.assertContains(r, "changed the project")
        self.assertNotContains(r, "created a milestone</td>", html=False)

    def test_internal_roles_and_staff_may_read_it(self) -> None:
        for user in (self.bob, self.vera, self.staff):
            self.client.force_login(user)
            self.assertContains(self.client.get(self.url), "changed the project")

    def test_clients_and_outsiders_get_404(self) -> None:
        for user in (self.carol, self.dave, self.mallory):
            self.client.force_login(user)
            self.assertEqual(self.client.get(self.url).status_code, 404)

    def test_it_is_shown_in_the_users_time_zone(self) -> None:
        self.alice.time_zone = "Asia/Shanghai"
        self.alice.save()
        self.client.force_login(self.alice)
        with time_machine.travel(dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC), tick=False):
            services.milestone_create(
                actor=self.alice, project=self.project, name="Late", due_date=dt.date(2026, 4, 1)
            )
        r = self.client.get(self.url, {"action": "milestone.created", "actor": self.alice.pk})
        self.assertContains(r, "2026-03-02 07:30")

    def test_query_count_does_not_grow(self) -> None:
        self.client.force_login(self.alice)
        first = count_queries(self.client, self.url)
        for i in range(10):
            services.project_update(actor=self.bob, project=self.project, data={"name": f"P{i}"})
        self.assertEqual(count_queries(self.client, self.url), first)


class OverviewManyMembersTests(BaseTestCase):
    def test_it_lists_a_few_people_per_role_and_links_to_the_rest(self) -> None:
        for i in range(8):
            MembershipFactory(
                project=self.project, role=Role.MEMBER, user__full_name=f"Zz Member {i}"
            )
        self.client.force_login(self.alice)
        r = self.client.get(reverse("projects:overview", args=["ACME"]))
        members = Membership.objects.filter(project=self.project)
        self.assertContains(r, f'<div class="stat">{members.count()}</div>', html=True)
        more = members.filter(role=Role.MEMBER).count() - 5
        self.assertContains(r, f"and {more} more")
        self.assertContains(r, reverse("projects:members", args=["ACME"]))
        # Ordered by name: bob and the first "Zz" people are listed, the last ones are not.
        self.assertContains(r, "Zz Member 0")
        self.assertNotContains(r, "Zz Member 7")
        self.assertContains(r, "Dave")


class OverviewManyOverdueTests(BaseTestCase):
    @time_machine.travel(dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC), tick=False)
    def test_it_links_to_all_overdue_milestones_when_there_are_many(self) -> None:
        for i in range(7):
            MilestoneFactory(project=self.project, number=i + 1, due_date=dt.date(2026, 6, i + 1))
        self.client.force_login(self.alice)
        r = self.client.get(reverse("projects:overview", args=["ACME"]))
        self.assertContains(r, "row-overdue", count=5)
        self.assertContains(r, "See all 7 overdue milestones")
        self.assertContains(r, "/p/ACME/milestones/?overdue=true")
