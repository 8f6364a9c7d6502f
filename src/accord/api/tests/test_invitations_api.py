from accord.accounts.tests.factories import UserFactory
from accord.api.tests.base import ApiTestCase
from accord.core.models import AuditEvent
from accord.notifications.models import OutgoingEmail
from accord.projects import services
from accord.projects.choices import InvitationStatus, Role
from accord.projects.models import Invitation, Membership

LIST = "/api/v1/projects/ACME/invitations/"


class InvitationApiTests(ApiTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.invitation = services.invitation_create(
            actor=cls.alice, project=cls.project, email="pending@client.example", role=Role.CLIENT
        )

    def test_managers_list_invitations(self) -> None:
        self.login(self.alice)
        body = self.client.get(LIST).json()
        self.assertEqual(body["count"], 1)
        row = body["results"][0]
        self.assertEqual(row["email"], "pending@client.example")
        self.assertEqual(row["status"], InvitationStatus.PENDING)
        self.assertFalse(row["is_expired"])
        self.assertNotIn("token_digest", row)

    def test_invitations_are_for_managers_only(self) -> None:
        for user in (self.bob, self.carol, self.dave, self.vera):
            self.login(user)
            self.assertError(self.client.get(LIST), 403)
            self.assertError(self.client.get(f"{LIST}{self.invitation.pk}/"), 403)
            self.assertError(self.client.post(f"{LIST}{self.invitation.pk}/revoke/"), 403)
        self.login(self.mallory)
        self.assertError(self.client.get(LIST), 404)
        self.assertError(self.client.post(f"{LIST}{self.invitation.pk}/revoke/"), 404)
        self.invitation.refresh_from_db()
        self.assertEqual(self.invitation.status, InvitationStatus.PENDING)

    def test_creating_an_invitation_sends_a_link(self) -> None:
        self.login(self.alice)
        response = self.client.post(
            LIST, {"email": "tester@client.example", "role": "viewer"}, format="json"
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["role"], Role.VIEWER)
        self.assertTrue(OutgoingEmail.objects.filter(to="tester@client.example").exists())

    def test_a_person_with_an_account_is_added_instead(self) -> None:
        UserFactory(email="known@example.com")
        self.login(self.alice)
        response = self.client.post(
            LIST, {"email": "known@example.com", "role": "member"}, format="json"
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["user"]["email"], "known@example.com")
        self.assertTrue(Membership.objects.filter(user__email="known@example.com").exists())

    def test_a_second_pending_invitation_is_refused_on_the_email_field(self) -> None:
        self.login(self.alice)
        self.assertError(
            self.client.post(
                LIST, {"email": "pending@client.example", "role": "client"}, format="json"
            ),
            400,
            field="email",
        )

    def test_revoke_once(self) -> None:
        self.login(self.alice)
        url = f"{LIST}{self.invitation.pk}/revoke/"
        response = self.client.post(url)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["status"], InvitationStatus.REVOKED)
        self.assertTrue(AuditEvent.objects.filter(action="invitation.revoked").exists())
        body = self.assertError(self.client.post(url), 400)
        self.assertIn("Only pending invitations", body["message"])

    def test_a_revoked_invitation_has_a_new_etag(self) -> None:
        self.login(self.alice)
        detail = f"{LIST}{self.invitation.pk}/"
        etag = self.client.get(detail)["ETag"]
        self.assertEqual(self.client.get(detail, headers={"if-none-match": etag}).status_code, 304)
        self.client.post(f"{detail}revoke/")
        response = self.client.get(detail, headers={"if-none-match": etag})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["status"], InvitationStatus.REVOKED)

    def test_invitations_of_other_projects_are_not_found(self) -> None:
        foreign = services.invitation_create(
            actor=self.mallory, project=self.other_project, email="x@evil.example", role="member"
        )
        self.login(self.alice)
        self.assertError(self.client.post(f"{LIST}{foreign.pk}/revoke/"), 404)
        foreign.refresh_from_db()
        self.assertEqual(foreign.status, InvitationStatus.PENDING)

    def test_query_count_does_not_grow_with_rows(self) -> None:
        self.login(self.alice)
        counter = iter(range(100))

        def add_rows() -> None:
            for _ in range(3):
                Invitation.objects.create(
                    project=self.project,
                    email=f"guest{next(counter)}@example.com",
                    role=Role.CLIENT,
                    token_digest=f"{next(counter):064d}",
                    invited_by=self.alice,
                    expires_at=self.invitation.expires_at,
                )

        self.assertQueriesDoNotGrow(LIST, add_rows)
