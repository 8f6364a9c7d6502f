"""Members page, invitations sent by managers, and accepting an invitation link."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.urls import reverse
from django.utils import timezone

from accord.accounts.models import User
from accord.accounts.tests.factories import UserFactory
from accord.accounts.tokens import digest_of
from accord.core.models import AuditEvent
from accord.core.testing import BaseTestCase
from accord.notifications.models import OutgoingEmail
from accord.projects.choices import InvitationStatus, Role
from accord.projects.models import Invitation, Membership

TOKEN = "tok-123"


def make_invitation(project, *, email="newbie@example.com", **fields):
    fields.setdefault("role", Role.MEMBER)
    fields.setdefault("expires_at", timezone.now() + dt.timedelta(days=14))
    return Invitation.objects.create(
        project=project, email=email, token_digest=digest_of(TOKEN), **fields
    )


class MemberListViewTests(BaseTestCase):
    url = reverse("projects:members", args=["ACME"])

    def test_managers_see_members_invite_form_and_pending_invitations(self) -> None:
        make_invitation(self.project, email="pending@example.com")
        self.client.force_login(self.alice)
        r = self.client.get(self.url)
        for name in ("Alice", "Bob", "Carol", "Dave", "Vera"):
            self.assertContains(r, name)
        self.assertNotContains(r, "Mallory")
        self.assertContains(r, "Invite someone")
        self.assertContains(r, "pending@example.com")
        self.assertContains(r, reverse("projects:member-invite", args=["ACME"]))
        self.assertContains(r, '-version" value="1"', count=5)

    def test_clients_see_the_member_list_read_only_without_invitations(self) -> None:
        make_invitation(self.project, email="pending@example.com")
        self.client.force_login(self.carol)
        r = self.client.get(self.url)
        self.assertContains(r, "Alice")
        self.assertContains(r, "Project manager")
        self.assertContains(r, "Can approve")
        self.assertNotContains(r, "Invite someone")
        self.assertNotContains(r, "pending@example.com")
        self.assertNotContains(r, "member-change")
        self.assertNotContains(r, "/remove/")

    def test_viewers_see_it_read_only(self) -> None:
        self.client.force_login(self.vera)
        r = self.client.get(self.url)
        self.assertContains(r, "Bob")
        self.assertNotContains(r, "Invite someone")

    def test_outsiders_get_404(self) -> None:
        self.client.force_login(self.mallory)
        self.assertEqual(self.client.get(self.url).status_code, 404)


class MemberInviteViewTests(BaseTestCase):
    url = reverse("projects:member-invite", args=["ACME"])

    def test_an_existing_user_is_added_directly(self) -> None:
        newcomer = UserFactory(email="nina@example.com", full_name="Nina")
        self.client.force_login(self.alice)
        r = self.client.post(self.url, {"email": "Nina@Example.com", "role": "member"}, follow=True)
        self.assertContains(r, "already has an Accord account and was added")
        membership = Membership.objects.get(project=self.project, user=newcomer)
        self.assertEqual(membership.role, Role.MEMBER)
        self.assertFalse(Invitation.objects.filter(email="nina@example.com").exists())
        mail = OutgoingEmail.objects.get(to="nina@example.com")
        self.assertIn("Customer portal", mail.subject)

    def test_anyone_else_gets_an_invitation_email(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post(
            self.url,
            {"email": "client2@acme.test", "role": "client", "can_approve": "on"},
            follow=True,
        )
        self.assertContains(r, "An invitation was e-mailed to client2@acme.test")
        invitation = Invitation.objects.get(email="client2@acme.test")
        self.assertEqual(invitation.status, InvitationStatus.PENDING)
        self.assertTrue(invitation.can_approve)
        mail = OutgoingEmail.objects.get(to="client2@acme.test")
        self.assertIn("/p/invitations/", mail.body)
        self.assertIn("Alice", mail.body)
        self.assertContains(r, "client2@acme.test")

    def test_errors_keep_the_input(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post(self.url, {"email": "bob@example.com", "role": "member"})
        self.assertEqual(r.status_code, 400)
        self.assertContains(r, "already a member", status_code=400)
        self.assertContains(r, 'value="bob@example.com"', status_code=400)
        r = self.client.post(
            self.url, {"email": "x@example.com", "role": "member", "can_approve": "on"}
        )
        self.assertContains(r, "Only client members can hold signing authority", status_code=400)
        self.assertFalse(Invitation.objects.exists())

    def test_only_managers_invite(self) -> None:
        for user in (self.bob, self.carol, self.vera):
            self.client.force_login(user)
            r = self.client.post(self.url, {"email": "x@example.com", "role": "member"})
            self.assertEqual(r.status_code, 403)
        self.client.force_login(self.mallory)
        r = self.client.post(self.url, {"email": "x@example.com", "role": "member"})
        self.assertEqual(r.status_code, 404)
        self.assertFalse(Invitation.objects.exists())

    def test_it_accepts_only_post(self) -> None:
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(self.url).status_code, 405)


class MemberChangeViewTests(BaseTestCase):
    def setUp(self) -> None:
        self.membership = Membership.objects.get(project=self.project, user=self.carol)
        self.url = reverse("projects:member-change", args=["ACME", self.membership.pk])
        self.prefix = f"m{self.membership.pk}"

    def data(self, **values) -> dict:
        return {f"{self.prefix}-{name}": value for name, value in values.items()}

    def test_the_manager_grants_signing_authority(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post(
            self.url, self.data(role="client", can_approve="on", version=1), follow=True
        )
        self.assertContains(r, "was saved")
        self.membership.refresh_from_db()
        self.assertTrue(self.membership.can_approve)
        self.assertEqual(self.membership.version, 2)

    def test_a_stale_change_is_refused(self) -> None:
        self.client.force_login(self.alice)
        self.client.post(self.url, self.data(role="client", can_approve="on", version=1))
        r = self.client.post(self.url, self.data(role="viewer", version=1), follow=True)
        self.assertContains(r, "Someone else changed this membership")
        self.membership.refresh_from_db()
        self.assertEqual(self.membership.role, Role.CLIENT)

    def test_the_last_manager_keeps_the_role(self) -> None:
        own = Membership.objects.get(project=self.project, user=self.alice)
        self.client.force_login(self.alice)
        url = reverse("projects:member-change", args=["ACME", own.pk])
        r = self.client.post(
            url, {f"m{own.pk}-role": "member", f"m{own.pk}-version": 1}, follow=True
        )
        self.assertContains(r, "at least one project manager")
        own.refresh_from_db()
        self.assertEqual(own.role, Role.MANAGER)

    def test_only_managers_change_roles(self) -> None:
        for user in (self.bob, self.dave):
            self.client.force_login(user)
            r = self.client.post(self.url, self.data(role="client", can_approve="on"))
            self.assertEqual(r.status_code, 403)
        self.client.force_login(self.mallory)
        r = self.client.post(self.url, self.data(role="client", can_approve="on"))
        self.assertEqual(r.status_code, 404)
        self.membership.refresh_from_db()
        self.assertFalse(self.membership.can_approve)

    def test_a_membership_of_another_project_is_404(self) -> None:
        other = Membership.objects.get(project=self.other_project)
        self.client.force_login(self.alice)
        url = reverse("projects:member-change", args=["ACME", other.pk])
        r = self.client.post(url, {f"m{other.pk}-role": "viewer"})
        self.assertEqual(r.status_code, 404)


class MemberRemoveViewTests(BaseTestCase):
    def setUp(self) -> None:
        self.membership = Membership.objects.get(project=self.project, user=self.bob)
        self.url = reverse("projects:member-remove", args=["ACME", self.membership.pk])

    def test_it_asks_for_confirmation_then_removes(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(self.url)
        self.assertContains(r, "Remove Bob (Team member) from Customer portal?")
        self.assertTrue(Membership.objects.filter(pk=self.membership.pk).exists())
        r = self.client.post(self.url, follow=True)
        self.assertContains(r, "Bob was removed from the project")
        self.assertFalse(Membership.objects.filter(pk=self.membership.pk).exists())
        self.assertTrue(AuditEvent.objects.filter(action="membership.removed").exists())
        self.client.force_login(self.bob)
        self.assertEqual(self.client.get("/p/ACME/").status_code, 404)

    def test_only_managers_remove(self) -> None:
        for user in (self.bob, self.carol, self.vera):
            self.client.force_login(user)
            self.assertEqual(self.client.get(self.url).status_code, 403)
            self.assertEqual(self.client.post(self.url).status_code, 403)
        self.client.force_login(self.mallory)
        self.assertEqual(self.client.post(self.url).status_code, 404)
        self.assertTrue(Membership.objects.filter(pk=self.membership.pk).exists())


class InvitationRevokeViewTests(BaseTestCase):
    def setUp(self) -> None:
        self.invitation = make_invitation(self.project)
        self.url = reverse("projects:invitation-revoke", args=["ACME", self.invitation.pk])

    def test_the_manager_revokes_and_the_link_stops_working(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post(self.url, follow=True)
        self.assertContains(r, "was revoked")
        self.invitation.refresh_from_db()
        self.assertEqual(self.invitation.status, InvitationStatus.REVOKED)
        self.client.logout()
        r = self.client.get(reverse("projects:invitation-accept", args=["tok-123"]))
        self.assertContains(r, "no longer valid", status_code=404)

    def test_only_managers_revoke(self) -> None:
        for user, status in ((self.bob, 403), (self.carol, 403), (self.mallory, 404)):
            self.client.force_login(user)
            self.assertEqual(self.client.post(self.url).status_code, status)
        self.invitation.refresh_from_db()
        self.assertEqual(self.invitation.status, InvitationStatus.PENDING)


class InvitationAcceptViewTests(BaseTestCase):
    def setUp(self) -> None:
        self.invitation = make_invitation(
            self.project, email="newbie@example.com", role=Role.CLIENT, can_approve=True
        )
        self.url = reverse("projects:invitation-accept", args=["tok-123"])

    def signup(self, **changes):
        data = {
            "full_name": "Nora Newbie",
            "password1": "a sturdy passphrase 42",
            "password2": "a sturdy passphrase 42",
        }
        data.update(changes)
        return self.client.post(self.url, data)

    def test_a_visitor_creates_an_account_and_joins(self) -> None:
        r = self.client.get(self.url)
        self.assertContains(r, "Customer portal")
        self.assertContains(r, "newbie@example.com")
        self.assertContains(r, "Create your account")
        self.assertContains(r, "?next=%2Fp%2Finvitations%2Ftok-123%2F")
        r = self.signup()
        self.assertRedirects(r, "/p/ACME/", fetch_redirect_response=False)
        user = User.objects.get(email="newbie@example.com")
        self.assertTrue(user.check_password("a sturdy passphrase 42"))
        membership = Membership.objects.get(project=self.project, user=user)
        self.assertEqual((membership.role, membership.can_approve), (Role.CLIENT, True))
        r = self.client.get("/p/ACME/")
        self.assertContains(r, "Nora Newbie")
        self.invitation.refresh_from_db()
        self.assertEqual(self.invitation.status, InvitationStatus.ACCEPTED)

    def test_the_link_works_only_once(self) -> None:
        self.signup()
        self.client.logout()
        r = self.client.get(self.url)
        self.assertContains(r, "no longer valid", status_code=404)
        r = self.signup(full_name="Second try")
        self.assertEqual(r.status_code, 404)
        self.assertEqual(User.objects.filter(email="newbie@example.com").count(), 1)

    def test_mismatched_passwords_keep_the_name(self) -> None:
        r = self.signup(password2="something else entirely")
        self.assertContains(r, "The two passwords differ", status_code=400)
        self.assertContains(r, 'value="Nora Newbie"', status_code=400)
        self.assertFalse(User.objects.filter(email="newbie@example.com").exists())

    def test_weak_passwords_are_refused(self) -> None:
        r = self.signup(password1="12345678", password2="12345678")
        self.assertEqual(r.status_code, 400)
        self.assertFalse(User.objects.filter(email="newbie@example.com").exists())

    def test_a_signed_in_user_confirms_then_joins(self) -> None:
        newcomer = UserFactory(email="other@example.com")
        self.client.force_login(newcomer)
        r = self.client.get(self.url)
        self.assertContains(r, "Join the project")
        self.assertContains(r, "The invitation was sent to newbie@example.com")
        self.assertFalse(Membership.objects.filter(user=newcomer).exists())
        r = self.client.post(self.url)
        self.assertRedirects(r, "/p/ACME/", fetch_redirect_response=False)
        self.assertTrue(Membership.objects.filter(user=newcomer, project=self.project).exists())
        self.assertEqual(self.client.post(self.url).status_code, 404)

    def test_an_existing_account_is_asked_to_sign_in_first(self) -> None:
        UserFactory(email="newbie@example.com")
        r = self.client.get(self.url)
        self.assertContains(r, "exists already")
        self.assertContains(r, "?next=%2Fp%2Finvitations%2Ftok-123%2F")
        self.assertNotContains(r, 'name="password1"')
        r = self.signup()
        self.assertFalse(Membership.objects.filter(user__email="newbie@example.com").exists())

    def test_expired_invitations_are_refused(self) -> None:
        later = timezone.now() + dt.timedelta(days=15)
        with time_machine.travel(later, tick=False):
            r = self.client.get(self.url)
            self.assertContains(r, "no longer valid", status_code=404)
            self.signup()
        self.assertFalse(User.objects.filter(email="newbie@example.com").exists())

    def test_unknown_tokens_look_the_same(self) -> None:
        r = self.client.get(reverse("projects:invitation-accept", args=["nope"]))
        self.assertContains(r, "no longer valid", status_code=404)
        self.assertNotContains(r, "Customer portal", status_code=404)


class InvitationEmailTests(BaseTestCase):
    def test_the_invitation_email_names_project_role_link_and_expiry(self) -> None:
        self.client.force_login(self.alice)
        self.client.post(
            reverse("projects:member-invite", args=["ACME"]),
            {"email": "reader@acme.test", "role": "viewer"},
        )
        mail = OutgoingEmail.objects.get(to="reader@acme.test")
        self.assertEqual(
            mail.subject,
            "Invitation to the project Customer portal in Accord"
            " / 邀请您加入 Accord 项目 Customer portal",
        )
        self.assertIn('Alice invites you to the project "Customer portal" (ACME Corp)', mail.body)
        self.assertIn("as Viewer", mail.body)
        self.assertIn("http://", mail.body)
        self.assertIn("/p/invitations/", mail.body)
        self.assertIn("expires on", mail.body)
        self.assertNotIn("&quot;", mail.body)

    def test_it_names_signing_authority_when_granted(self) -> None:
        self.client.force_login(self.alice)
        self.client.post(
            reverse("projects:member-invite", args=["ACME"]),
            {"email": "signer@acme.test", "role": "client", "can_approve": "on"},
        )
        mail = OutgoingEmail.objects.get(to="signer@acme.test")
        self.assertIn("signing authority", mail.body)

    def test_it_is_written_in_every_language_the_inviters_first(self) -> None:
        self.alice.language = "zh-hans"
        self.alice.save()
        self.client.force_login(self.alice)
        self.client.post(
            reverse("projects:member-invite", args=["ACME"]),
            {"email": "reader@acme.test", "role": "client"},
        )
        mail = OutgoingEmail.objects.get(to="reader@acme.test")
        self.assertEqual(
            mail.subject,
            "邀请您加入 Accord 项目 Customer portal"
            " / Invitation to the project Customer portal in Accord",
        )
        chinese, english = mail.body.split("* * *")
        self.assertIn("客户", chinese)
        self.assertIn("as Client", english)
