import datetime as dt

from accord.api.tests.base import ApiTestCase
from accord.core.models import AuditEvent
from accord.projects import services

LIST = "/api/v1/projects/ACME/audit-records/"


class AuditRecordApiTests(ApiTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.milestone = services.milestone_create(
            actor=cls.alice, project=cls.project, name="Kick-off", due_date=dt.date(2026, 2, 1)
        )
        services.milestone_update(
            actor=cls.bob, milestone=cls.milestone, data={"name": "Kick-off workshop"}
        )
        services.project_update(actor=cls.mallory, project=cls.other_project, data={"name": "X"})

    def test_the_team_reads_the_project_history_newest_first(self) -> None:
        for user in (self.alice, self.bob, self.vera, self.staff):
            self.login(user)
            body = self.client.get(LIST).json()
            self.assertEqual(
                [r["action"] for r in body["results"]],
                ["milestone.updated", "milestone.created"],
                user.email,
            )
        newest = body["results"][0]
        self.assertEqual(newest["actor"]["email"], "bob@example.com")
        self.assertEqual(newest["target_type"], "projects.milestone")
        self.assertEqual(newest["before"], {"name": "Kick-off"})
        self.assertEqual(newest["after"], {"name": "Kick-off workshop"})
        self.assertEqual(newest["action_label"], "changed a milestone")
        self.assertEqual(newest["prev_hash"], body["results"][1]["hash"])

    def test_clients_and_outsiders_get_404(self) -> None:
        record = AuditEvent.objects.filter(project=self.project).first()
        for user in (self.carol, self.dave, self.mallory):
            self.login(user)
            self.assertError(self.client.get(LIST), 404)
            self.assertError(self.client.get(f"{LIST}{record.pk}/"), 404)

    def test_records_of_other_projects_are_not_found_here(self) -> None:
        foreign = AuditEvent.objects.get(project=self.other_project)
        self.login(self.alice)
        self.assertError(self.client.get(f"{LIST}{foreign.pk}/"), 404)

    def test_filter_by_action_and_actor(self) -> None:
        self.login(self.alice)
        created = self.client.get(LIST, {"action": "milestone.created"}).json()["results"]
        self.assertEqual([r["actor_label"] for r in created], ["alice@example.com"])
        by_bob = self.client.get(LIST, {"actor": self.bob.pk}).json()["results"]
        self.assertEqual([r["action"] for r in by_bob], ["milestone.updated"])

    def test_the_history_is_read_only(self) -> None:
        self.login(self.alice)
        record = AuditEvent.objects.filter(project=self.project).first()
        self.assertError(self.client.post(LIST, {}, format="json"), 405)
        self.assertError(self.client.delete(f"{LIST}{record.pk}/"), 405)

    def test_query_count_does_not_grow_with_rows(self) -> None:
        self.login(self.vera)

        def add_rows() -> None:
            for n in range(3):
                services.milestone_update(
                    actor=self.bob, milestone=self.milestone, data={"name": f"Kick-off {n}"}
                )

        self.assertQueriesDoNotGrow(LIST, add_rows)
