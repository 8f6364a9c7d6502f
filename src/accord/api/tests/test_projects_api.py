import datetime as dt
from unittest import mock

from accord.api.concurrency import etag_for
from accord.api.tests.base import ApiTestCase
from accord.core.models import AuditEvent
from accord.projects.api.views import ProjectViewSet
from accord.projects.choices import ProjectStatus, Role
from accord.projects.models import Membership, Project
from accord.projects.tests.factories import MembershipFactory, ProjectFactory

LIST = "/api/v1/projects/"
ACME = "/api/v1/projects/ACME/"


class ProjectListApiTests(ApiTestCase):
    def keys(self, response) -> list[str]:
        self.assertEqual(response.status_code, 200, response.content)
        return [row["key"] for row in response.json()["results"]]

    def test_members_see_their_projects_with_their_role(self) -> None:
        self.login(self.carol)
        body = self.client.get(LIST).json()
        self.assertEqual(body["count"], 1)
        row = body["results"][0]
        self.assertEqual(row["key"], "ACME")
        self.assertEqual(row["name"], "Customer portal")
        self.assertEqual(row["my_role"], Role.CLIENT)
        self.assertEqual(row["version"], 1)

    def test_outsiders_see_only_their_own_projects(self) -> None:
        self.login(self.mallory)
        self.assertEqual(self.keys(self.client.get(LIST)), ["EVIL"])

    def test_staff_see_every_project_without_a_role(self) -> None:
        self.login(self.staff)
        response = self.client.get(LIST)
        self.assertEqual(sorted(self.keys(response)), ["ACME", "EVIL"])
        self.assertEqual({r["my_role"] for r in response.json()["results"]}, {None})

    def test_anonymous_requests_are_refused_with_the_error_body(self) -> None:
        body = self.assertError(self.client.get(LIST), 401)
        self.assertIn("credentials", body["message"])

    def test_filter_search_order_and_paginate(self) -> None:
        for key, status in [("ZED", ProjectStatus.ACTIVE), ("BETA", ProjectStatus.ACTIVE)]:
            project = ProjectFactory(key=key, name=f"{key} rollout", client_name="Zed GmbH")
            project.status = status
            project.save()
            MembershipFactory(project=project, user=self.staff, role=Role.MANAGER)
        self.login(self.staff)
        self.assertEqual(
            self.keys(self.client.get(LIST, {"status": "active", "ordering": "key"})),
            ["BETA", "ZED"],
        )
        self.assertEqual(
            self.keys(self.client.get(LIST, {"search": "zed gmbh", "ordering": "-key"})),
            ["ZED", "BETA"],
        )
        self.assertEqual(self.keys(self.client.get(LIST, {"search": "acme"})), ["ACME"])
        page = self.client.get(LIST, {"ordering": "key", "page_size": 2, "page": 2}).json()
        self.assertEqual(page["count"], 4)
        self.assertEqual([r["key"] for r in page["results"]], ["EVIL", "ZED"])
        self.assertIsNone(page["next"])
        self.assertIn("page_size=2", page["previous"])

    def test_an_unknown_filter_value_names_the_field(self) -> None:
        self.login(self.alice)
        self.assertError(self.client.get(LIST, {"status": "bogus"}), 400, field="status")

    def test_query_count_does_not_grow_with_rows(self) -> None:
        self.login(self.alice)

        def add_rows() -> None:
            for _ in range(3):
                MembershipFactory(user=self.alice, role=Role.MEMBER)

        self.assertQueriesDoNotGrow(LIST, add_rows)


class ProjectDetailApiTests(ApiTestCase):
    def test_it_returns_the_project_with_an_etag(self) -> None:
        self.login(self.bob)
        response = self.client.get(ACME)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["client_name"], "ACME Corp")
        self.assertEqual(response.json()["my_role"], Role.MEMBER)
        self.assertEqual(response["ETag"], etag_for(self.project, 1))

    def test_keys_are_case_insensitive_in_urls(self) -> None:
        self.login(self.bob)
        self.assertEqual(self.client.get("/api/v1/projects/acme/").json()["key"], "ACME")

    def test_a_current_etag_answers_304(self) -> None:
        self.login(self.bob)
        etag = self.client.get(ACME)["ETag"]
        response = self.client.get(ACME, headers={"if-none-match": etag})
        self.assertEqual(response.status_code, 304)
        self.assertEqual(response.content, b"")

    def test_outsiders_get_the_same_404_as_for_unknown_projects(self) -> None:
        self.login(self.mallory)
        hidden = self.assertError(self.client.get(ACME), 404)
        unknown = self.assertError(self.client.get("/api/v1/projects/NOPE/"), 404)
        self.assertEqual(hidden, unknown)
        self.assertNotIn("ACME", str(hidden))


class ProjectCreateApiTests(ApiTestCase):
    payload = {
        "key": "new1",
        "name": "Data warehouse",
        "client_name": "ACME Corp",
        "start_date": "2026-02-01",
        "end_date": "2026-09-30",
    }

    def test_a_manager_opens_a_project_and_becomes_its_manager(self) -> None:
        self.login(self.alice)
        response = self.client.post(LIST, self.payload, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["key"], "NEW1")
        self.assertEqual(response.json()["my_role"], Role.MANAGER)
        self.assertTrue(response["ETag"])
        project = Project.objects.get(key="NEW1")
        self.assertEqual(project.start_date, dt.date(2026, 2, 1))
        self.assertTrue(
            Membership.objects.filter(project=project, user=self.alice, role="manager").exists()
        )
        self.assertTrue(AuditEvent.objects.filter(project=project, action="project.created"))

    def test_clients_cannot_open_projects(self) -> None:
        self.login(self.carol)
        self.assertError(self.client.post(LIST, self.payload, format="json"), 403)
        self.assertFalse(Project.objects.filter(key="NEW1").exists())

    def test_missing_fields_and_bad_keys_name_the_field(self) -> None:
        self.login(self.alice)
        body = self.assertError(
            self.client.post(LIST, {"key": "X2"}, format="json"), 400, field="name"
        )
        self.assertIn("client_name", body["extra"]["errors"])
        bad_key = dict(self.payload, key="1ABC")
        self.assertError(self.client.post(LIST, bad_key, format="json"), 400, field="key")
        taken = dict(self.payload, key="acme")
        self.assertError(self.client.post(LIST, taken, format="json"), 400, field="key")

    def test_service_rules_come_back_as_field_errors(self) -> None:
        self.login(self.alice)
        backwards = dict(self.payload, start_date="2026-09-30", end_date="2026-02-01")
        body = self.assertError(
            self.client.post(LIST, backwards, format="json"), 400, field="end_date"
        )
        self.assertIn("before the start date", body["message"])
        self.assertFalse(Project.objects.filter(key="NEW1").exists())


class ProjectUpdateApiTests(ApiTestCase):
    def test_the_manager_changes_a_project_with_if_match(self) -> None:
        self.login(self.alice)
        etag = self.client.get(ACME)["ETag"]
        response = self.client.patch(
            ACME, {"status": "active"}, format="json", headers={"if-match": etag}
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["status"], "active")
        self.assertEqual(response.json()["version"], 2)
        self.assertEqual(response["ETag"], etag_for(self.project, 2))
        self.project.refresh_from_db()
        self.assertEqual(self.project.status, ProjectStatus.ACTIVE)
        event = AuditEvent.objects.filter(action="project.updated").get()
        self.assertEqual(event.after, {"status": "active"})

    def test_put_replaces_the_editable_fields(self) -> None:
        self.login(self.alice)
        response = self.client.put(
            ACME, {"name": "Portal v2", "client_name": "ACME Group"}, format="json"
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.project.refresh_from_db()
        self.assertEqual((self.project.name, self.project.client_name), ("Portal v2", "ACME Group"))

    def test_a_stale_if_match_is_refused_with_412_and_nothing_changes(self) -> None:
        self.login(self.alice)
        stale = etag_for(self.project, 1)
        Project.objects.filter(pk=self.project.pk).update(version=2)
        body = self.assertError(
            self.client.patch(ACME, {"name": "Mine"}, format="json", headers={"if-match": stale}),
            412,
        )
        self.assertIn("changed since you loaded it", body["message"])
        self.project.refresh_from_db()
        self.assertEqual(self.project.name, "Customer portal")

    def test_a_change_between_read_and_write_is_refused_with_409(self) -> None:
        self.login(self.alice)
        stale = Project.objects.get(pk=self.project.pk)
        stale.my_role = Role.MANAGER
        Project.objects.filter(pk=self.project.pk).update(version=2)
        # The view reads version 1 and the If-Match agrees; the service's locked re-read
        # finds version 2.
        with mock.patch.object(ProjectViewSet, "get_object", return_value=stale):
            response = self.client.patch(
                ACME,
                {"name": "Mine"},
                format="json",
                headers={"if-match": etag_for(self.project, 1)},
            )
        body = self.assertError(response, 409)
        self.assertIn("Someone else changed this project", body["message"])
        self.project.refresh_from_db()
        self.assertEqual(self.project.name, "Customer portal")

    def test_team_members_and_clients_get_403_outsiders_404(self) -> None:
        for user, status in [(self.bob, 403), (self.carol, 403), (self.vera, 403)]:
            self.login(user)
            self.assertError(self.client.patch(ACME, {"name": "x"}, format="json"), status)
        self.login(self.mallory)
        self.assertError(self.client.patch(ACME, {"name": "x"}, format="json"), 404)
        self.project.refresh_from_db()
        self.assertEqual(self.project.name, "Customer portal")

    def test_projects_cannot_be_deleted_over_the_api(self) -> None:
        self.login(self.alice)
        self.assertError(self.client.delete(ACME), 405)
        self.assertTrue(Project.objects.filter(pk=self.project.pk).exists())
