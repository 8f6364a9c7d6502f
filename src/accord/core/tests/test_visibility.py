from django.contrib.auth.models import AnonymousUser

from accord.core.choices import Visibility
from accord.core.testing import BaseTestCase
from accord.projects import policies
from accord.projects.models import Milestone, Project
from accord.projects.tests.factories import MilestoneFactory


class VisibleToTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.shared = MilestoneFactory(project=cls.project, visibility=Visibility.SHARED)
        cls.internal = MilestoneFactory(project=cls.project, visibility=Visibility.INTERNAL)
        cls.foreign = MilestoneFactory(project=cls.other_project, visibility=Visibility.SHARED)

    def visible(self, user) -> set[int]:
        return set(Milestone.objects.visible_to(user).values_list("pk", flat=True))

    def test_internal_roles_see_all_content_of_their_projects_only(self) -> None:
        for user in (self.alice, self.bob, self.vera):
            self.assertEqual(self.visible(user), {self.shared.pk, self.internal.pk})

    def test_clients_see_only_shared_content_of_their_project(self) -> None:
        for user in (self.carol, self.dave):
            self.assertEqual(self.visible(user), {self.shared.pk})

    def test_outsiders_and_anonymous_see_nothing_of_acme(self) -> None:
        self.assertEqual(self.visible(self.mallory), {self.foreign.pk})
        self.assertEqual(self.visible(AnonymousUser()), set())

    def test_staff_see_everything(self) -> None:
        self.assertEqual(
            self.visible(self.staff), {self.shared.pk, self.internal.pk, self.foreign.pk}
        )

    def test_inactive_users_see_nothing(self) -> None:
        self.alice.is_active = False
        self.assertEqual(self.visible(self.alice), set())
        self.assertFalse(Project.objects.visible_to(self.alice).exists())

    def test_projects_visible_to_members_only(self) -> None:
        self.assertEqual(list(Project.objects.visible_to(self.carol)), [self.project])
        self.assertEqual(list(Project.objects.visible_to(self.mallory)), [self.other_project])
        self.assertEqual(Project.objects.visible_to(self.staff).count(), 2)


class PolicyTests(BaseTestCase):
    def test_roles_map_to_abilities(self) -> None:
        p = self.project
        table = {
            # user: (view, internal, edit, manage, approve)
            self.alice: (True, True, True, True, False),
            self.bob: (True, True, True, False, False),
            self.carol: (True, False, False, False, False),
            self.dave: (True, False, False, False, True),
            self.vera: (True, True, False, False, False),
            self.mallory: (False, False, False, False, False),
        }
        for user, expected in table.items():
            got = (
                policies.can_view_project(user, p),
                policies.can_view_internal(user, p),
                policies.can_edit_content(user, p),
                policies.can_manage_project(user, p),
                policies.can_approve_for_client(user, p),
            )
            self.assertEqual(got, expected, user.email)

    def test_item_visibility_for_clients(self) -> None:
        shared = MilestoneFactory(project=self.project, visibility=Visibility.SHARED)
        internal = MilestoneFactory(project=self.project, visibility=Visibility.INTERNAL)
        self.assertTrue(policies.can_view_item(self.carol, shared))
        self.assertFalse(policies.can_view_item(self.carol, internal))
        self.assertFalse(policies.can_view_item(self.mallory, shared))
        self.assertTrue(policies.can_view_item(self.staff, internal))

    def test_membership_lookups_are_cached_per_user_object(self) -> None:
        policies.can_view_project(self.bob, self.project)
        with self.assertNumQueries(0):
            for _ in range(5):
                policies.can_edit_content(self.bob, self.project)

    def test_who_may_open_projects(self) -> None:
        self.assertTrue(policies.can_create_project(self.staff))
        self.assertTrue(policies.can_create_project(self.alice))
        self.assertFalse(policies.can_create_project(self.bob))
        self.assertFalse(policies.can_create_project(self.carol))


class VisibleInTests(VisibleToTests):
    """`visible_in` decides exactly as `visible_to`, one project at a time."""

    def visible(self, user) -> set[int]:
        found: set[int] = set()
        for project in (self.project, self.other_project):
            found |= set(Milestone.objects.visible_in(project, user).values_list("pk", flat=True))
        return found

    def test_it_agrees_with_visible_to_for_every_persona(self) -> None:
        for user in (self.alice, self.bob, self.carol, self.dave, self.vera, self.mallory):
            for project in (self.project, self.other_project):
                expected = Milestone.objects.visible_to(user).filter(project=project)
                self.assertEqual(
                    set(Milestone.objects.visible_in(project, user)), set(expected), user.email
                )
