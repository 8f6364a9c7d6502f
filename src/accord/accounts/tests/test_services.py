"""Account services: creation, preferences, passwords and API tokens."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from accord.accounts.models import ApiToken, User
from accord.accounts.services import (
    api_token_create,
    api_token_revoke,
    user_create,
    user_password_set,
    user_update_preferences,
)
from accord.accounts.tokens import digest_of
from accord.core.exceptions import ApplicationError
from accord.core.models import AuditEvent
from accord.core.testing import BaseTestCase


class UserCreateTests(BaseTestCase):
    def test_it_creates_a_user_with_a_normalised_address_and_audits_it(self) -> None:
        user = user_create(
            actor=self.staff, email="  Nina@Example.COM ", full_name="Nina", password="pw 12345 x"
        )
        self.assertEqual(user.email, "nina@example.com")
        self.assertTrue(user.check_password("pw 12345 x"))
        event = AuditEvent.objects.get(action="user.created", target_id=user.pk)
        self.assertEqual(event.actor, self.staff)
        self.assertEqual(event.after, {"email": "nina@example.com", "full_name": "Nina"})

    def test_it_refuses_a_duplicate_address_whatever_its_case(self) -> None:
        with self.assertRaises(ApplicationError) as ctx:
            user_create(actor=None, email="ALICE@example.com", full_name="Alice 2")
        self.assertEqual(ctx.exception.field, "email")
        self.assertEqual(User.objects.filter(email__iexact="alice@example.com").count(), 1)

    def test_it_refuses_an_invalid_address(self) -> None:
        with self.assertRaises(ApplicationError) as ctx:
            user_create(actor=None, email="not-an-address", full_name="X")
        self.assertEqual(ctx.exception.field, "email")
        self.assertFalse(User.objects.filter(full_name="X").exists())


class UserUpdatePreferencesTests(BaseTestCase):
    def test_it_saves_and_audits_only_changed_fields(self) -> None:
        user_update_preferences(
            actor=self.bob, user=self.bob, language="zh-hans", time_zone="Asia/Shanghai"
        )
        self.bob.refresh_from_db()
        self.assertEqual((self.bob.language, self.bob.time_zone), ("zh-hans", "Asia/Shanghai"))
        event = AuditEvent.objects.get(action="user.preferences_changed")
        self.assertEqual(event.before, {"language": "en", "time_zone": "UTC"})
        self.assertEqual(event.after, {"language": "zh-hans", "time_zone": "Asia/Shanghai"})

    def test_nothing_changed_records_nothing(self) -> None:
        user_update_preferences(actor=self.bob, user=self.bob, language="en")
        self.assertFalse(AuditEvent.objects.filter(action="user.preferences_changed").exists())

    def test_an_unknown_time_zone_is_refused(self) -> None:
        with self.assertRaises(ValidationError):
            user_update_preferences(actor=self.bob, user=self.bob, time_zone="Mars/Olympus")
        self.bob.refresh_from_db()
        self.assertEqual(self.bob.time_zone, "UTC")

    def test_other_fields_cannot_be_set_this_way(self) -> None:
        with self.assertRaises(ApplicationError):
            user_update_preferences(actor=self.bob, user=self.bob, is_staff=True)
        self.bob.refresh_from_db()
        self.assertFalse(self.bob.is_staff)


class UserPasswordSetTests(BaseTestCase):
    def test_it_sets_the_password_and_audits_without_the_secret(self) -> None:
        user_password_set(actor=self.carol, user=self.carol, password="new secret phrase 1")
        self.carol.refresh_from_db()
        self.assertTrue(self.carol.check_password("new secret phrase 1"))
        event = AuditEvent.objects.get(action="user.password_changed")
        self.assertEqual((event.before, event.after), ({}, {}))
        self.assertNotIn("new secret phrase", str(event.__dict__))


class ApiTokenServiceTests(BaseTestCase):
    def test_create_returns_the_secret_once_and_stores_its_digest(self) -> None:
        token, plain = api_token_create(user=self.bob, name="  deploy bot  ")
        self.assertEqual(token.name, "deploy bot")
        self.assertEqual(token.digest, digest_of(plain))
        stored = ApiToken.objects.filter(pk=token.pk).values().get()
        self.assertNotIn(plain, str(stored))
        event = AuditEvent.objects.get(action="api_token.created")
        self.assertNotIn(plain, str(event.after))

    def test_create_needs_a_name(self) -> None:
        with self.assertRaises(ApplicationError) as ctx:
            api_token_create(user=self.bob, name=" ")
        self.assertEqual(ctx.exception.field, "name")

    def test_revoke_marks_the_token_and_is_idempotent(self) -> None:
        token, _plain = api_token_create(user=self.bob, name="x")
        api_token_revoke(user=self.bob, token=token)
        first = ApiToken.objects.get(pk=token.pk).revoked_at
        self.assertIsNotNone(first)
        api_token_revoke(user=self.bob, token=token)
        self.assertEqual(ApiToken.objects.get(pk=token.pk).revoked_at, first)
        self.assertEqual(AuditEvent.objects.filter(action="api_token.revoked").count(), 1)

    def test_nobody_revokes_another_users_token(self) -> None:
        token, _plain = api_token_create(user=self.bob, name="x")
        with self.assertRaises(ApplicationError):
            api_token_revoke(user=self.mallory, token=token)
        self.assertTrue(ApiToken.objects.get(pk=token.pk).is_active)
