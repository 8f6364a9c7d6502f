import datetime as dt
from unittest import mock

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accord.api.concurrency import etag_for
from accord.api.tests.base import ApiTestCase
from accord.core.choices import Visibility
from accord.core.models import AuditEvent
from accord.projects import services
from accord.projects.api.views import MilestoneViewSet
from accord.projects.choices import MilestoneStatus
from accord.projects.models import Milestone

LIST = "/api/v1/projects/ACME/milestones/"


class MilestoneApiTestCase(ApiTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.design = services.milestone_create(
            actor=cls.alice,
            project=cls.project,
            name="Design signed off",
            due_date=dt.date(2026, 3, 31),
        )
        cls.internal = services.milestone_create(
            actor=cls.alice,
            project=cls.project,
            name="Internal code freeze",
            due_date=dt.date(2026, 5, 15),
            visibility=Visibility.INTERNAL,
        )
        cls.launch = services.milestone_create(
            actor=cls.alice,
            project=cls.project,
            name="Go-live",
            due_date=dt.date(2026, 9, 1),
            status=MilestoneStatus.IN_PROGRESS,
        )

    def url(self, milestone: Milestone) -> str:
        return f"{LIST}{milestone.number}/"


class MilestoneListApiTests(MilestoneApiTestCase):
    def keys(self, response) -> list[str]:
        self.assertEqual(response.status_code, 200, response.content)
        return [row["key"] for row in response.json()["results"]]

    def test_the_team_sees_all_milestones_by_due_date(self) -> None:
        self.login(self.vera)
        self.assertEqual(self.keys(self.client.get(LIST)), ["ACME-M1", "ACME-M2", "ACME-M3"])

    def test_clients_see_only_shared_milestones(self) -> None:
        self.login(self.carol)
        response = self.client.get(LIST)
        self.assertEqual(self.keys(response), ["ACME-M1", "ACME-M3"])
        self.assertNotIn("Internal code freeze", response.content.decode())

    def test_outsiders_get_404(self) -> None:
        self.login(self.mallory)
        self.assertError(self.client.get(LIST), 404)

    def test_filter_search_and_order(self) -> None:
        self.login(self.bob)
        self.assertEqual(self.keys(self.client.get(LIST, {"status": "in_progress"})), ["ACME-M3"])
        self.assertEqual(self.keys(self.client.get(LIST, {"search": "freeze"})), ["ACME-M2"])
        self.assertEqual(
            self.keys(self.client.get(LIST, {"ordering": "-due_date"})),
            ["ACME-M3", "ACME-M2", "ACME-M1"],
        )

    def test_query_count_does_not_grow_with_rows(self) -> None:
        self.login(self.carol)

        def add_rows() -> None:
            for n in range(3):
                services.milestone_create(
                    actor=self.alice, project=self.project, name=f"M{n}", due_date=dt.date.today()
                )

        self.assertQueriesDoNotGrow(LIST, add_rows)


class MilestoneDetailApiTests(MilestoneApiTestCase):
    def test_it_returns_the_milestone_with_key_and_etag(self) -> None:
        self.login(self.dave)
        response = self.client.get(self.url(self.launch))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["key"], "ACME-M3")
        self.assertEqual(response.json()["name"], "Go-live")
        self.assertEqual(response["ETag"], etag_for(self.launch, 1))

    def test_internal_milestones_do_not_exist_for_clients(self) -> None:
        self.login(self.carol)
        hidden = self.assertError(self.client.get(self.url(self.internal)), 404)
        unknown = self.assertError(self.client.get(f"{LIST}99/"), 404)
        self.assertEqual(hidden, unknown)

    def test_other_projects_milestones_are_not_found(self) -> None:
        services.milestone_create(
            actor=self.mallory,
            project=self.other_project,
            name="Evil plan",
            due_date=dt.date.today(),
        )
        self.login(self.mallory)
        self.assertError(self.client.get(self.url(self.design)), 404)
        self.login(self.alice)
        self.assertError(self.client.get("/api/v1/projects/EVIL/milestones/1/"), 404)


class MilestoneWriteApiTests(MilestoneApiTestCase):
    def test_creating_takes_a_fixed_small_number_of_queries(self) -> None:
        self.login(self.bob)
        body = {"name": "UAT", "due_date": "2026-08-01"}
        self.client.post(LIST, body, format="json")
        with CaptureQueriesContext(connection) as queries:
            response = self.client.post(LIST, body, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        # User (the session comes from its cache), project with membership; then savepoint,
        # counter, milestone, chain head, audit record, head update, release.
        self.assertEqual(len(queries), 9, [q["sql"][:80] for q in queries])

    def test_team_members_create_milestones_with_the_next_key(self) -> None:
        self.login(self.bob)
        response = self.client.post(
            LIST,
            {"name": "UAT", "due_date": "2026-08-01", "description": "User tests **with** ACME"},
            format="json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["key"], "ACME-M4")
        self.assertEqual(response.json()["visibility"], Visibility.SHARED)
        milestone = Milestone.objects.get(name="UAT")
        self.assertEqual(response["ETag"], etag_for(milestone, 1))
        self.assertTrue(
            AuditEvent.objects.filter(action="milestone.created", target_id=milestone.pk)
        )

    def test_a_missing_due_date_is_named(self) -> None:
        self.login(self.bob)
        body = self.assertError(
            self.client.post(LIST, {"name": "UAT"}, format="json"), 400, field="due_date"
        )
        self.assertEqual(body["message"], "This field is required.")
        self.assertEqual(Milestone.objects.count(), 3)

    def test_clients_viewers_and_outsiders_cannot_write(self) -> None:
        payload = {"name": "Sneaky", "due_date": "2026-08-01"}
        for user in (self.carol, self.dave, self.vera):
            self.login(user)
            self.assertError(self.client.post(LIST, payload, format="json"), 403)
            self.assertError(self.client.patch(self.url(self.design), payload, format="json"), 403)
            self.assertError(self.client.delete(self.url(self.design)), 403)
        self.login(self.mallory)
        self.assertError(self.client.post(LIST, payload, format="json"), 404)
        self.assertError(self.client.delete(self.url(self.design)), 404)
        self.assertEqual(Milestone.objects.count(), 3)

    def test_clients_writing_to_internal_milestones_get_the_unknown_404(self) -> None:
        self.login(self.carol)
        hidden = self.assertError(
            self.client.patch(self.url(self.internal), {}, format="json"), 404
        )
        unknown = self.assertError(self.client.delete(f"{LIST}99/"), 404)
        self.assertEqual(hidden, unknown)

    def test_patch_with_if_match_updates_and_bumps_the_etag(self) -> None:
        self.login(self.bob)
        url = self.url(self.design)
        etag = self.client.get(url)["ETag"]
        response = self.client.patch(
            url, {"status": "done"}, format="json", headers={"if-match": etag}
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["status"], "done")
        self.assertNotEqual(response["ETag"], etag)
        self.assertEqual(response["ETag"], etag_for(self.design, 2))

    def test_a_stale_if_match_answers_412(self) -> None:
        self.login(self.bob)
        url = self.url(self.design)
        etag = self.client.get(url)["ETag"]
        self.client.patch(url, {"name": "Design approved"}, format="json")
        self.assertError(
            self.client.patch(url, {"name": "Mine"}, format="json", headers={"if-match": etag}),
            412,
        )
        self.assertError(self.client.delete(url, headers={"if-match": etag}), 412)
        self.design.refresh_from_db()
        self.assertEqual(self.design.name, "Design approved")

    def test_a_wildcard_if_match_is_accepted(self) -> None:
        self.login(self.bob)
        response = self.client.patch(
            self.url(self.design), {"name": "Any"}, format="json", headers={"if-match": "*"}
        )
        self.assertEqual(response.status_code, 200)

    def test_a_change_between_read_and_write_answers_409(self) -> None:
        self.login(self.bob)
        stale = Milestone.objects.select_related("project").get(pk=self.design.pk)
        services.milestone_update(actor=self.alice, milestone=self.design, data={"name": "Theirs"})
        with mock.patch.object(MilestoneViewSet, "get_object", return_value=stale):
            patch = self.client.patch(self.url(self.design), {"name": "Mine"}, format="json")
            delete = self.client.delete(self.url(self.design))
        self.assertIn(
            "Someone else changed this milestone", self.assertError(patch, 409)["message"]
        )
        self.assertError(delete, 409)
        self.design.refresh_from_db()
        self.assertEqual(self.design.name, "Theirs")

    def test_delete_removes_the_milestone_and_records_it(self) -> None:
        self.login(self.alice)
        response = self.client.delete(self.url(self.launch))
        self.assertEqual(response.status_code, 204)
        self.assertFalse(Milestone.objects.filter(pk=self.launch.pk).exists())
        self.assertTrue(AuditEvent.objects.filter(action="milestone.deleted").exists())
