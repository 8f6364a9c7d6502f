import datetime as dt

import time_machine

from accord.core.exceptions import ApplicationError, StaleObjectError
from accord.core.models import AuditEvent
from accord.core.testing import BaseTestCase
from accord.notifications.models import OutgoingEmail
from accord.projects import services
from accord.projects.choices import InvitationStatus, Role
from accord.projects.models import Invitation, Membership, Milestone, Project


class ProjectCreateTests(BaseTestCase):
    def test_creator_becomes_manager_and_it_is_audited(self) -> None:
        project = services.project_create(
            actor=self.staff, key="new1", name="Data platform", client_name="Beta Ltd"
        )
        self.assertEqual(project.key, "NEW1")
        membership = Membership.objects.get(project=project, user=self.staff)
        self.assertEqual(membership.role, Role.MANAGER)
        actions = list(
            AuditEvent.objects.filter(project=project)
            .order_by("sequence")
            .values_list("action", flat=True)
        )
        self.assertEqual(actions, ["project.created", "membership.added"])

    def test_it_rejects_a_duplicate_key_naming_the_field(self) -> None:
        with self.assertRaises(ApplicationError) as ctx:
            services.project_create(actor=self.staff, key="ACME", name="X", client_name="Y")
        self.assertEqual(ctx.exception.field, "key")
        self.assertEqual(Project.objects.filter(name="X").count(), 0)

    def test_it_rejects_a_malformed_key(self) -> None:
        with self.assertRaises(ApplicationError) as ctx:
            services.project_create(actor=self.staff, key="a b", name="X", client_name="Y")
        self.assertEqual(ctx.exception.field, "key")

    def test_it_rejects_an_end_before_the_start(self) -> None:
        with self.assertRaises(ApplicationError) as ctx:
            services.project_create(
                actor=self.staff,
                key="DATES",
                name="X",
                client_name="Y",
                start_date=dt.date(2026, 5, 1),
                end_date=dt.date(2026, 4, 1),
            )
        self.assertEqual(ctx.exception.field, "end_date")
        self.assertFalse(Project.objects.filter(key="DATES").exists())


class ProjectUpdateTests(BaseTestCase):
    def test_it_records_only_changed_fields(self) -> None:
        services.project_update(
            actor=self.alice, project=self.project, data={"name": "Portal", "status": "active"}
        )
        event = AuditEvent.objects.filter(action="project.updated").get()
        self.assertEqual(event.before, {"name": "Customer portal", "status": "planning"})
        self.assertEqual(event.after, {"name": "Portal", "status": "active"})
        self.project.refresh_from_db()
        self.assertEqual(self.project.version, 2)

    def test_a_stale_edit_is_refused_and_nothing_changes(self) -> None:
        services.project_update(
            actor=self.alice, project=self.project, data={"name": "First"}, expected_version=1
        )
        with self.assertRaises(StaleObjectError):
            services.project_update(
                actor=self.bob, project=self.project, data={"name": "Second"}, expected_version=1
            )
        self.project.refresh_from_db()
        self.assertEqual(self.project.name, "First")

    def test_the_key_cannot_be_changed(self) -> None:
        with self.assertRaises(ApplicationError):
            services.project_update(actor=self.alice, project=self.project, data={"key": "NEW"})

    def test_an_unchanged_save_writes_no_record(self) -> None:
        services.project_update(
            actor=self.alice, project=self.project, data={"name": "Customer portal"}
        )
        self.assertFalse(AuditEvent.objects.filter(action="project.updated").exists())


class MembershipTests(BaseTestCase):
    def test_signing_authority_is_for_clients_only(self) -> None:
        bob = Membership.objects.get(user=self.bob, project=self.project)
        with self.assertRaises(ApplicationError) as ctx:
            services.membership_change(
                actor=self.alice, membership=bob, role=Role.MEMBER, can_approve=True
            )
        self.assertEqual(ctx.exception.field, "can_approve")

    def test_the_last_manager_cannot_leave_or_be_demoted(self) -> None:
        alice = Membership.objects.get(user=self.alice, project=self.project)
        with self.assertRaises(ApplicationError):
            services.membership_change(actor=self.alice, membership=alice, role=Role.MEMBER)
        with self.assertRaises(ApplicationError):
            services.membership_remove(actor=self.alice, membership=alice)
        alice.refresh_from_db()
        self.assertEqual(alice.role, Role.MANAGER)

    def test_role_change_is_audited_with_before_and_after(self) -> None:
        carol = Membership.objects.get(user=self.carol, project=self.project)
        services.membership_change(
            actor=self.alice, membership=carol, role=Role.CLIENT, can_approve=True
        )
        event = AuditEvent.objects.get(action="membership.changed")
        self.assertEqual(event.before, {"can_approve": False})
        self.assertEqual(event.after, {"can_approve": True})

    def test_removal_is_audited_and_takes_access_away(self) -> None:
        bob = Membership.objects.get(user=self.bob, project=self.project)
        services.membership_remove(actor=self.alice, membership=bob)
        self.assertFalse(Project.objects.visible_to(self.bob).exists())
        self.assertTrue(AuditEvent.objects.filter(action="membership.removed").exists())

    def test_adding_an_existing_member_twice_is_refused(self) -> None:
        with self.assertRaises(ApplicationError):
            services.membership_add(
                actor=self.alice, project=self.project, user=self.bob, role=Role.VIEWER
            )


class InvitationTests(BaseTestCase):
    def test_an_existing_user_is_added_directly_and_told(self) -> None:
        result = services.invitation_create(
            actor=self.alice, project=self.project, email="MALLORY@example.com", role="viewer"
        )
        self.assertIsInstance(result, Membership)
        self.assertEqual(result.user, self.mallory)
        mail = OutgoingEmail.objects.get(to="mallory@example.com")
        self.assertIn("ACME", mail.subject + mail.body)

    def test_a_new_person_gets_a_single_use_link(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            invitation = services.invitation_create(
                actor=self.alice, project=self.project, email="erin@client.example", role="client"
            )
        self.assertIsInstance(invitation, Invitation)
        mail = OutgoingEmail.objects.get(to="erin@client.example")
        token = mail.body.split("/p/invitations/")[1].split("/")[0]
        self.assertNotIn(token, invitation.token_digest)
        found = services.invitation_for_token(token)
        self.assertEqual(found, invitation)

        from accord.accounts.tests.factories import UserFactory

        erin = UserFactory(email="erin@client.example")
        membership = services.invitation_accept(invitation=found, user=erin)
        self.assertEqual(membership.role, Role.CLIENT)
        with self.assertRaises(ApplicationError):
            services.invitation_accept(invitation=found, user=erin)

    def test_an_expired_invitation_cannot_be_used(self) -> None:
        invitation = services.invitation_create(
            actor=self.alice, project=self.project, email="late@example.com", role="member"
        )
        from accord.accounts.tests.factories import UserFactory

        late = UserFactory(email="late@example.com")
        later = invitation.expires_at + dt.timedelta(seconds=1)
        with time_machine.travel(later), self.assertRaises(ApplicationError):
            services.invitation_accept(invitation=invitation, user=late)
        self.assertFalse(Membership.objects.filter(user=late).exists())

    def test_only_one_pending_invitation_per_address(self) -> None:
        services.invitation_create(
            actor=self.alice, project=self.project, email="x@example.com", role="member"
        )
        with self.assertRaises(ApplicationError) as ctx:
            services.invitation_create(
                actor=self.alice, project=self.project, email="x@example.com", role="viewer"
            )
        self.assertEqual(ctx.exception.field, "email")

    def test_an_expired_invitation_gives_way_to_a_new_one(self) -> None:
        old = services.invitation_create(
            actor=self.alice, project=self.project, email="z@example.com", role="member"
        )
        with time_machine.travel(old.expires_at + dt.timedelta(days=1)):
            new = services.invitation_create(
                actor=self.alice, project=self.project, email="z@example.com", role="viewer"
            )
        old.refresh_from_db()
        self.assertEqual(old.status, InvitationStatus.REVOKED)
        self.assertEqual(new.status, InvitationStatus.PENDING)
        self.assertTrue(AuditEvent.objects.filter(action="invitation.expired").exists())

    def test_revoked_invitations_cannot_be_used(self) -> None:
        invitation = services.invitation_create(
            actor=self.alice, project=self.project, email="y@example.com", role="member"
        )
        services.invitation_revoke(actor=self.alice, invitation=invitation)
        invitation.refresh_from_db()
        self.assertEqual(invitation.status, InvitationStatus.REVOKED)
        self.assertFalse(invitation.is_usable)


class MilestoneServiceTests(BaseTestCase):
    def test_milestones_are_numbered_per_project(self) -> None:
        a = services.milestone_create(
            actor=self.alice, project=self.project, name="A", due_date=dt.date(2026, 3, 1)
        )
        b = services.milestone_create(
            actor=self.alice, project=self.project, name="B", due_date=dt.date(2026, 4, 1)
        )
        c = services.milestone_create(
            actor=self.mallory, project=self.other_project, name="C", due_date=dt.date(2026, 4, 1)
        )
        self.assertEqual((a.key, b.key, c.key), ("ACME-M1", "ACME-M2", "EVIL-M1"))

    def test_creating_takes_few_statements_while_the_write_lock_is_held(self) -> None:
        services.milestone_create(
            actor=self.alice, project=self.project, name="A", due_date=dt.date(2026, 3, 1)
        )
        # Savepoint, counter UPDATE … RETURNING, milestone INSERT, chain head SELECT … FOR
        # UPDATE, audit INSERT, head UPDATE, release: nothing that could run before the lock.
        with self.assertNumQueries(7):
            b = services.milestone_create(
                actor=self.alice, project=self.project, name="B", due_date=dt.date(2026, 4, 1)
            )
        self.assertEqual(b.key, "ACME-M2")
        event = AuditEvent.objects.get(action="milestone.created", target_id=str(b.pk))
        self.assertEqual(event.after["name"], "B")

    def test_a_missing_name_is_refused_and_nothing_saved(self) -> None:
        with self.assertRaises(ApplicationError) as ctx:
            services.milestone_create(
                actor=self.alice, project=self.project, name="", due_date=dt.date(2026, 3, 1)
            )
        self.assertEqual(ctx.exception.field, "name")
        self.assertFalse(Milestone.objects.exists())
        self.assertFalse(AuditEvent.objects.filter(action="milestone.created").exists())

    def test_stale_milestone_edit_is_refused(self) -> None:
        m = services.milestone_create(
            actor=self.alice, project=self.project, name="A", due_date=dt.date(2026, 3, 1)
        )
        services.milestone_update(actor=self.bob, milestone=m, data={"name": "B"})
        with self.assertRaises(StaleObjectError):
            services.milestone_update(
                actor=self.alice, milestone=m, data={"name": "C"}, expected_version=1
            )

    def test_delete_is_audited_with_the_old_content(self) -> None:
        m = services.milestone_create(
            actor=self.alice, project=self.project, name="Gone", due_date=dt.date(2026, 3, 1)
        )
        services.milestone_delete(actor=self.alice, milestone=m)
        event = AuditEvent.objects.get(action="milestone.deleted")
        self.assertEqual(event.before["name"], "Gone")
        self.assertFalse(Milestone.objects.exists())


class AdminIsReadOnlyTests(BaseTestCase):
    def test_superusers_browse_but_cannot_change_project_content_in_the_admin(self) -> None:
        from accord.accounts.tests.factories import UserFactory

        root = UserFactory(is_staff=True, is_superuser=True)
        self.client.force_login(root)
        listing = self.client.get("/admin/projects/project/")
        self.assertContains(listing, "ACME")
        change = self.client.post(
            f"/admin/projects/project/{self.project.pk}/change/", {"name": "Hacked"}
        )
        self.assertEqual(change.status_code, 403)
        self.assertEqual(self.client.get("/admin/projects/milestone/add/").status_code, 403)
        self.project.refresh_from_db()
        self.assertEqual(self.project.name, "Customer portal")


class InvitationWithNewAccountTests(BaseTestCase):
    def test_account_and_membership_are_created_together(self) -> None:
        invitation = services.invitation_create(
            actor=self.alice, project=self.project, email="new@client.example", role="client"
        )
        user = services.invitation_accept_with_new_account(
            invitation=invitation,
            full_name="New Person",
            password="a-long-pass-phrase-9",
            language="zh-hans",
        )
        self.assertEqual((user.email, user.language), ("new@client.example", "zh-hans"))
        self.assertTrue(Membership.objects.filter(user=user, role=Role.CLIENT).exists())

    def test_a_refused_acceptance_leaves_no_account(self) -> None:
        from accord.accounts.models import User

        invitation = services.invitation_create(
            actor=self.alice, project=self.project, email="gone@client.example", role="client"
        )
        services.invitation_revoke(actor=self.alice, invitation=invitation)
        with self.assertRaises(ApplicationError):
            services.invitation_accept_with_new_account(
                invitation=invitation, full_name="Gone", password="a-long-pass-phrase-9"
            )
        self.assertFalse(User.objects.filter(email="gone@client.example").exists())
