from accord.accounts.tests.factories import UserFactory
from accord.api.concurrency import etag_for
from accord.api.tests.base import ApiTestCase
from accord.core.models import AuditEvent
from accord.notifications.models import OutgoingEmail
from accord.projects.choices import InvitationStatus, Role
from accord.projects.models import Invitation, Membership
from accord.projects.tests.factories import MembershipFactory

LIST = "/api/v1/projects/ACME/memberships/"


class MembershipListApiTests(ApiTestCase):
    def test_everyone_who_sees_the_project_sees_its_members(self) -> None:
        for user in (self.alice, self.carol, self.vera, self.staff):
            self.login(user)
            body = self.client.get(LIST).json()
            self.assertEqual(body["count"], 5, user.email)
        rows = {row["user"]["email"]: row for row in body["results"]}
        self.assertEqual(rows["dave@example.com"]["role"], Role.CLIENT)
        self.assertTrue(rows["dave@example.com"]["can_approve"])
        self.assertEqual(rows["alice@example.com"]["user"]["full_name"], "Alice")

    def test_outsiders_get_404(self) -> None:
        self.login(self.mallory)
        self.assertError(self.client.get(LIST), 404)

    def test_filter_and_order(self) -> None:
        self.login(self.alice)
        clients = self.client.get(LIST, {"role": "client", "ordering": "-user__email"}).json()
        self.assertEqual(
            [r["user"]["email"] for r in clients["results"]],
            ["dave@example.com", "carol@example.com"],
        )
        approvers = self.client.get(LIST, {"can_approve": "true"}).json()["results"]
        self.assertEqual([r["user"]["email"] for r in approvers], ["dave@example.com"])

    def test_query_count_does_not_grow_with_rows(self) -> None:
        self.login(self.carol)

        def add_rows() -> None:
            for _ in range(3):
                MembershipFactory(project=self.project, role=Role.MEMBER)

        self.assertQueriesDoNotGrow(LIST, add_rows)


class MembershipCreateApiTests(ApiTestCase):
    def test_a_person_with_an_account_is_added_at_once(self) -> None:
        newcomer = UserFactory(email="nina@example.com", full_name="Nina")
        self.login(self.alice)
        response = self.client.post(
            LIST,
            {"email": "Nina@Example.com", "role": "client", "can_approve": True},
            format="json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["user"]["email"], "nina@example.com")
        self.assertTrue(response["ETag"])
        membership = Membership.objects.get(project=self.project, user=newcomer)
        self.assertEqual((membership.role, membership.can_approve), (Role.CLIENT, True))
        self.assertTrue(OutgoingEmail.objects.filter(to="nina@example.com").exists())

    def test_a_person_without_an_account_is_invited(self) -> None:
        self.login(self.alice)
        response = self.client.post(
            LIST, {"email": "new@client.example", "role": "member"}, format="json"
        )
        self.assertEqual(response.status_code, 202, response.content)
        self.assertEqual(response.json()["status"], InvitationStatus.PENDING)
        self.assertEqual(response.json()["invited_by"]["email"], "alice@example.com")
        self.assertNotIn("token", str(response.json()))
        self.assertTrue(Invitation.objects.filter(email="new@client.example").exists())

    def test_errors_name_the_field(self) -> None:
        self.login(self.alice)
        self.assertError(
            self.client.post(LIST, {"email": "carol@example.com", "role": "member"}, format="json"),
            400,
            field="email",
        )
        self.assertError(
            self.client.post(LIST, {"email": "x@example.com", "role": "boss"}, format="json"),
            400,
            field="role",
        )
        self.assertError(
            self.client.post(
                LIST,
                {"email": "x@example.com", "role": "member", "can_approve": True},
                format="json",
            ),
            400,
            field="can_approve",
        )

    def test_only_managers_add_members(self) -> None:
        payload = {"email": "x@example.com", "role": "member"}
        for user in (self.bob, self.carol, self.vera):
            self.login(user)
            self.assertError(self.client.post(LIST, payload, format="json"), 403)
        self.login(self.mallory)
        self.assertError(self.client.post(LIST, payload, format="json"), 404)
        self.assertFalse(Invitation.objects.exists())


class MembershipChangeApiTests(ApiTestCase):
    def url(self, user) -> str:
        membership = Membership.objects.get(project=self.project, user=user)
        return f"{LIST}{membership.pk}/"

    def test_the_manager_changes_a_role_and_signing_authority(self) -> None:
        self.login(self.alice)
        url = self.url(self.carol)
        etag = self.client.get(url)["ETag"]
        response = self.client.patch(
            url, {"can_approve": True}, format="json", headers={"if-match": etag}
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertTrue(response.json()["can_approve"])
        self.assertEqual(response.json()["version"], 2)
        # Moving a client approver into the team drops the signing authority.
        response = self.client.patch(url, {"role": "member"}, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(
            (response.json()["role"], response.json()["can_approve"]), ("member", False)
        )
        self.assertEqual(AuditEvent.objects.filter(action="membership.changed").count(), 2)

    def test_an_empty_change_is_refused(self) -> None:
        self.login(self.alice)
        self.assertError(self.client.patch(self.url(self.bob), {}, format="json"), 400)

    def test_the_last_manager_cannot_step_down(self) -> None:
        self.login(self.alice)
        body = self.assertError(
            self.client.patch(self.url(self.alice), {"role": "member"}, format="json"),
            400,
            field="role",
        )
        self.assertIn("at least one project manager", body["message"])

    def test_a_stale_if_match_is_refused(self) -> None:
        self.login(self.alice)
        url = self.url(self.bob)
        etag = self.client.get(url)["ETag"]
        self.client.patch(url, {"role": "viewer"}, format="json")
        self.assertError(
            self.client.patch(url, {"role": "client"}, format="json", headers={"if-match": etag}),
            412,
        )
        self.assertEqual(Membership.objects.get(user=self.bob).role, Role.VIEWER)

    def test_only_managers_change_members(self) -> None:
        url = self.url(self.bob)
        for user in (self.bob, self.carol):
            self.login(user)
            self.assertError(self.client.patch(url, {"role": "manager"}, format="json"), 403)
        self.login(self.mallory)
        self.assertError(self.client.patch(url, {"role": "manager"}, format="json"), 404)
        self.assertEqual(Membership.objects.get(user=self.bob).role, Role.MEMBER)


class MembershipRemoveApiTests(ApiTestCase):
    def test_the_manager_removes_a_member(self) -> None:
        self.login(self.alice)
        membership = Membership.objects.get(user=self.vera)
        response = self.client.delete(f"{LIST}{membership.pk}/")
        self.assertEqual(response.status_code, 204)
        self.assertFalse(Membership.objects.filter(pk=membership.pk).exists())
        self.assertTrue(AuditEvent.objects.filter(action="membership.removed").exists())

    def test_a_stale_if_match_keeps_the_member(self) -> None:
        self.login(self.alice)
        membership = Membership.objects.get(user=self.vera)
        stale = etag_for(membership, 0)
        self.assertError(
            self.client.delete(f"{LIST}{membership.pk}/", headers={"if-match": stale}), 412
        )
        self.assertTrue(Membership.objects.filter(pk=membership.pk).exists())

    def test_memberships_of_other_projects_are_not_found_here(self) -> None:
        self.login(self.alice)
        foreign = Membership.objects.get(user=self.mallory)
        self.assertError(self.client.delete(f"{LIST}{foreign.pk}/"), 404)
        self.assertTrue(Membership.objects.filter(pk=foreign.pk).exists())

    def test_non_managers_cannot_remove(self) -> None:
        membership = Membership.objects.get(user=self.vera)
        self.login(self.carol)
        self.assertError(self.client.delete(f"{LIST}{membership.pk}/"), 403)
        self.login(self.mallory)
        self.assertError(self.client.delete(f"{LIST}{membership.pk}/"), 404)
        self.assertTrue(Membership.objects.filter(pk=membership.pk).exists())
