"""The admin site lists users by e-mail and never offers a token's secret."""

from __future__ import annotations

from django.urls import reverse

from accord.accounts.models import User
from accord.accounts.services import api_token_create
from accord.accounts.tests.factories import UserFactory
from accord.core.testing import BaseTestCase


class AdminTests(BaseTestCase):
    def setUp(self) -> None:
        self.root = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
        self.client.force_login(self.root)

    def test_the_user_list_and_form_work_without_usernames(self) -> None:
        r = self.client.get(reverse("admin:accounts_user_changelist"))
        self.assertContains(r, "alice@example.com")
        r = self.client.get(reverse("admin:accounts_user_change", args=[self.alice.pk]))
        self.assertContains(r, 'name="time_zone"')
        self.assertNotContains(r, 'name="username"')

    def test_a_user_can_be_added_by_email(self) -> None:
        r = self.client.post(
            reverse("admin:accounts_user_add"),
            {
                "email": "new@example.com",
                "full_name": "New Person",
                "usable_password": "true",
                "password1": "a fine long passphrase",
                "password2": "a fine long passphrase",
            },
        )
        self.assertEqual(r.status_code, 302, r.content[:2000])
        self.assertTrue(
            User.objects.get(email="new@example.com").check_password("a fine long passphrase")
        )

    def test_tokens_show_prefix_and_digest_read_only(self) -> None:
        token, plain = api_token_create(user=self.bob, name="bot")
        r = self.client.get(reverse("admin:accounts_apitoken_change", args=[token.pk]))
        self.assertContains(r, token.prefix)
        self.assertNotContains(r, 'name="digest"')
        self.assertNotContains(r, plain)
        self.assertEqual(self.client.get(reverse("admin:accounts_apitoken_add")).status_code, 403)

    def test_non_staff_users_are_kept_out(self) -> None:
        self.client.force_login(self.bob)
        r = self.client.get(reverse("admin:accounts_user_changelist"))
        self.assertEqual(r.status_code, 302)
