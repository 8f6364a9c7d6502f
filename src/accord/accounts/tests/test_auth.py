"""Login throttling (django-axes) and API token authentication."""

from __future__ import annotations

import time_machine
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.test import APIRequestFactory

from accord.accounts.authentication import TokenAuthentication
from accord.accounts.services import api_token_create, api_token_revoke, user_password_set
from accord.accounts.tests.factories import PASSWORD
from accord.core.testing import BaseTestCase

LOGIN = reverse("accounts:login")


@override_settings(AXES_FAILURE_LIMIT=5)
class LoginThrottlingTests(BaseTestCase):
    def _attempt(self, email: str, password: str, **extra):
        return self.client.post(LOGIN, {"username": email, "password": password}, **extra)

    def _fail(self, email: str, times: int) -> None:
        for _n in range(times):
            self._attempt(email, "wrong password")

    def test_four_wrong_passwords_do_not_lock_the_account(self) -> None:
        self._fail("alice@example.com", 4)
        r = self._attempt("alice@example.com", PASSWORD)
        self.assertEqual(r.status_code, 302)

    def test_after_five_wrong_passwords_the_right_one_is_refused_too(self) -> None:
        self._fail("alice@example.com", 5)
        r = self._attempt("alice@example.com", PASSWORD)
        self.assertEqual(r.status_code, 429)
        self.assertContains(r, "Too many failed sign-in attempts", status_code=429)
        self.assertContains(r, "try again in 15 minutes", status_code=429)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_the_lockout_page_is_translated(self) -> None:
        self._fail("alice@example.com", 5)
        r = self._attempt("alice@example.com", PASSWORD, HTTP_ACCEPT_LANGUAGE="zh-CN")
        self.assertContains(r, "15 分钟后再试", status_code=429)

    def test_changing_the_case_of_the_address_does_not_buy_more_guesses(self) -> None:
        for variant in ["alice@example.com", "ALICE@example.com", "Alice@Example.com"] * 2:
            self._attempt(variant, "wrong password")
        r = self._attempt("alice@example.com", PASSWORD)
        self.assertEqual(r.status_code, 429)

    def test_a_successful_sign_in_resets_the_count(self) -> None:
        self._fail("alice@example.com", 4)
        self.assertEqual(self._attempt("alice@example.com", PASSWORD).status_code, 302)
        self.client.logout()
        self._fail("alice@example.com", 4)
        self.assertEqual(self._attempt("alice@example.com", PASSWORD).status_code, 302)

    def test_another_user_can_still_sign_in(self) -> None:
        self._fail("alice@example.com", 5)
        r = self._attempt("bob@example.com", PASSWORD)
        self.assertEqual(r.status_code, 302)
        self.assertEqual(int(self.client.session["_auth_user_id"]), self.bob.pk)

    def test_the_lockout_ends_after_the_cool_off(self) -> None:
        self._fail("alice@example.com", 5)
        with time_machine.travel(timezone.now() + timezone.timedelta(minutes=16)):
            r = self._attempt("alice@example.com", PASSWORD)
        self.assertEqual(r.status_code, 302)

    def test_a_new_password_lifts_the_lockout(self) -> None:
        self._fail("alice@example.com", 5)
        user_password_set(actor=self.alice, user=self.alice, password="fresh passphrase 99")
        r = self._attempt("alice@example.com", "fresh passphrase 99")
        self.assertEqual(r.status_code, 302)


class TokenAuthenticationTests(BaseTestCase):
    def _authenticate(self, header: str | None):
        factory = APIRequestFactory()
        extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
        request = factory.get("/api/v1/projects/", **extra)
        return TokenAuthentication().authenticate(request)

    def test_a_valid_token_authenticates_its_owner(self) -> None:
        token, plain = api_token_create(user=self.bob, name="script")
        user, auth = self._authenticate(f"Token {plain}")
        self.assertEqual(user, self.bob)
        self.assertEqual(auth, token)
        token.refresh_from_db()
        self.assertIsNotNone(token.last_used_at)

    def test_a_revoked_token_no_longer_authenticates(self) -> None:
        token, plain = api_token_create(user=self.bob, name="script")
        api_token_revoke(user=self.bob, token=token)
        with self.assertRaises(AuthenticationFailed):
            self._authenticate(f"Token {plain}")

    def test_a_token_with_a_known_prefix_but_wrong_secret_is_refused(self) -> None:
        _token, plain = api_token_create(user=self.bob, name="script")
        with self.assertRaises(AuthenticationFailed):
            self._authenticate(f"Token {plain[:-4]}abcd")

    def test_a_disabled_users_token_is_refused(self) -> None:
        _token, plain = api_token_create(user=self.bob, name="script")
        self.bob.is_active = False
        self.bob.save()
        with self.assertRaises(AuthenticationFailed):
            self._authenticate(f"Token {plain}")

    def test_requests_without_a_token_are_left_to_other_methods(self) -> None:
        self.assertIsNone(self._authenticate(None))
        self.assertIsNone(self._authenticate("Bearer something"))

    def test_a_revoked_token_is_refused_by_the_api(self) -> None:
        token, plain = api_token_create(user=self.bob, name="script")
        api_token_revoke(user=self.bob, token=token)
        r = self.client.get("/api/v1/projects/", HTTP_AUTHORIZATION=f"Token {plain}")
        self.assertIn(r.status_code, {401, 404})
        self.assertNotIn(b"ACME", r.content)
