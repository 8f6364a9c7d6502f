"""Accounts pages: sign-in, sign-out, language, profile, password change and reset, tokens."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accord.accounts.models import ApiToken, User
from accord.accounts.services import api_token_create
from accord.accounts.tests.factories import PASSWORD, UserFactory
from accord.accounts.tokens import digest_of
from accord.core.models import AuditEvent
from accord.core.testing import BaseTestCase
from accord.notifications.models import OutgoingEmail

LOGIN = reverse("accounts:login")


class LoginViewTests(BaseTestCase):
    def test_it_asks_for_the_email_address_and_links_to_password_reset(self) -> None:
        r = self.client.get(LOGIN)
        self.assertContains(r, "E-mail address")
        self.assertContains(r, 'type="email"')
        self.assertContains(r, "Forgot your password?")
        self.assertContains(r, reverse("accounts:password-reset"))

    def test_anonymous_visitors_get_the_browsers_language(self) -> None:
        r = self.client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
        self.assertContains(r, '<html lang="zh-hans"')
        self.assertContains(r, "登录 Accord")
        self.assertContains(r, "电子邮箱")
        self.assertContains(r, "忘记密码？")
        self.assertNotContains(r, "Forgot your password?")

    def test_english_browsers_get_english(self) -> None:
        r = self.client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
        self.assertContains(r, "Sign in to Accord")

    def test_the_language_cookie_beats_the_browser(self) -> None:
        self.client.cookies["accord_language"] = "zh-hans"
        r = self.client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(r, "登录 Accord")

    def test_it_signs_in_with_email_and_password(self) -> None:
        r = self.client.post(LOGIN, {"username": "alice@example.com", "password": PASSWORD})
        self.assertRedirects(r, reverse("projects:list"), fetch_redirect_response=False)
        self.assertEqual(int(self.client.session["_auth_user_id"]), self.alice.pk)

    def test_the_email_address_is_not_case_sensitive(self) -> None:
        r = self.client.post(LOGIN, {"username": " Alice@Example.COM ", "password": PASSWORD})
        self.assertEqual(r.status_code, 302)
        self.assertEqual(int(self.client.session["_auth_user_id"]), self.alice.pk)

    def test_it_follows_a_safe_next_address(self) -> None:
        r = self.client.post(
            LOGIN, {"username": "alice@example.com", "password": PASSWORD, "next": "/p/ACME/"}
        )
        self.assertRedirects(r, "/p/ACME/", fetch_redirect_response=False)

    def test_it_ignores_a_next_address_on_another_site(self) -> None:
        r = self.client.post(
            LOGIN,
            {"username": "alice@example.com", "password": PASSWORD, "next": "https://evil.test/"},
        )
        self.assertRedirects(r, reverse("projects:list"), fetch_redirect_response=False)

    def test_a_wrong_password_keeps_the_address_and_shows_an_error(self) -> None:
        r = self.client.post(LOGIN, {"username": "alice@example.com", "password": "nope"})
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, 'value="alice@example.com"')
        self.assertContains(r, "form-errors")
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_a_wrong_password_is_explained_in_chinese(self) -> None:
        self.client.cookies["accord_language"] = "zh-hans"
        r = self.client.post(LOGIN, {"username": "alice@example.com", "password": "nope"})
        self.assertContains(r, "电子邮箱")
        self.assertContains(r, "密码")

    def test_disabled_accounts_cannot_sign_in(self) -> None:
        UserFactory(email="gone@example.com", is_active=False)
        r = self.client.post(LOGIN, {"username": "gone@example.com", "password": PASSWORD})
        self.assertEqual(r.status_code, 200)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_signed_in_users_are_sent_on(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(LOGIN)
        self.assertRedirects(r, reverse("projects:list"), fetch_redirect_response=False)


class LogoutViewTests(BaseTestCase):
    def test_it_signs_out_on_post(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post(reverse("accounts:logout"), follow=True)
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertContains(r, "You have signed out.")
        self.assertContains(r, "Sign in to Accord")

    def test_it_refuses_get(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(reverse("accounts:logout"))
        self.assertEqual(r.status_code, 405)
        self.assertIn("_auth_user_id", self.client.session)


class LanguageSetTests(BaseTestCase):
    url = reverse("accounts:language")

    def test_anonymous_choice_is_kept_in_a_cookie(self) -> None:
        r = self.client.post(self.url, {"language": "zh-hans", "next": LOGIN})
        self.assertRedirects(r, LOGIN, fetch_redirect_response=False)
        self.assertEqual(r.cookies["accord_language"].value, "zh-hans")
        self.assertContains(self.client.get(LOGIN), "登录 Accord")

    def test_a_signed_in_users_choice_is_saved_to_the_profile(self) -> None:
        self.client.force_login(self.bob)
        self.client.post(self.url, {"language": "zh-hans", "next": "/accounts/profile/"})
        self.bob.refresh_from_db()
        self.assertEqual(self.bob.language, "zh-hans")
        self.assertTrue(
            AuditEvent.objects.filter(action="user.preferences_changed", target_id=self.bob.pk)
        )
        # The saved language wins over the browser's on the next page.
        r = self.client.get(reverse("accounts:profile"), HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(r, "个人资料")

    def test_unknown_languages_are_ignored(self) -> None:
        self.client.force_login(self.bob)
        r = self.client.post(self.url, {"language": "xx", "next": "/"})
        self.assertEqual(r.status_code, 302)
        self.assertNotIn("accord_language", r.cookies)
        self.bob.refresh_from_db()
        self.assertEqual(self.bob.language, "en")

    def test_it_does_not_redirect_to_other_sites(self) -> None:
        r = self.client.post(self.url, {"language": "en", "next": "https://evil.test/"})
        self.assertRedirects(r, "/", fetch_redirect_response=False)

    def test_it_refuses_get(self) -> None:
        self.assertEqual(self.client.get(self.url).status_code, 405)


class ProfileViewTests(BaseTestCase):
    url = reverse("accounts:profile")

    def test_anonymous_visitors_are_sent_to_sign_in(self) -> None:
        r = self.client.get(self.url)
        self.assertRedirects(r, f"{LOGIN}?next={self.url}", fetch_redirect_response=False)

    def test_it_shows_the_users_own_details(self) -> None:
        self.alice.organisation = "Northwind"
        self.alice.save()
        self.client.force_login(self.alice)
        r = self.client.get(self.url)
        self.assertContains(r, "alice@example.com")
        self.assertContains(r, 'value="Alice"')
        self.assertContains(r, 'value="Northwind"')
        self.assertContains(r, '<option value="Asia/Shanghai"')

    def test_it_saves_the_profile_and_applies_the_language_on_the_next_page(self) -> None:
        self.client.force_login(self.bob)
        data = {
            "full_name": "Bob Builder",
            "organisation": "ACME IT",
            "language": "zh-hans",
            "time_zone": "Asia/Shanghai",
        }
        r = self.client.post(self.url, data)
        self.assertRedirects(r, self.url, fetch_redirect_response=False)
        self.assertEqual(r.cookies["accord_language"].value, "zh-hans")
        self.bob.refresh_from_db()
        self.assertEqual(
            (self.bob.full_name, self.bob.organisation, self.bob.language, self.bob.time_zone),
            ("Bob Builder", "ACME IT", "zh-hans", "Asia/Shanghai"),
        )
        event = AuditEvent.objects.get(action="user.preferences_changed", target_id=self.bob.pk)
        self.assertEqual(event.after["time_zone"], "Asia/Shanghai")
        r = self.client.get(self.url)
        self.assertContains(r, "个人资料已保存。")
        self.assertContains(r, '<html lang="zh-hans"')

    def test_it_keeps_the_input_and_shows_field_errors(self) -> None:
        self.client.force_login(self.bob)
        data = {
            "full_name": "",
            "organisation": "Typed by Bob",
            "language": "en",
            "time_zone": "Mars/Olympus",
        }
        r = self.client.post(self.url, data)
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, 'value="Typed by Bob"')
        self.assertContains(r, 'id="id_full_name-error"')
        self.assertContains(r, 'id="id_time_zone-error"')
        self.bob.refresh_from_db()
        self.assertEqual(self.bob.organisation, "")

    def test_a_saved_zone_outside_the_common_list_stays_selectable(self) -> None:
        self.bob.time_zone = "America/Argentina/Buenos_Aires"
        self.bob.save()
        self.client.force_login(self.bob)
        r = self.client.get(self.url)
        self.assertContains(r, 'value="America/Argentina/Buenos_Aires" selected')

    def test_it_shows_times_in_the_users_zone(self) -> None:
        self.bob.time_zone = "Asia/Shanghai"
        self.bob.save()
        token, _plain = api_token_create(user=self.bob, name="tz check")
        self.client.force_login(self.bob)
        r = self.client.get(reverse("accounts:tokens"))
        local = token.created_at.astimezone(zoneinfo.ZoneInfo("Asia/Shanghai"))
        self.assertContains(r, local.strftime("%Y-%m-%d %H:%M"))


class PasswordChangeViewTests(BaseTestCase):
    url = reverse("accounts:password-change")

    def test_anonymous_visitors_are_sent_to_sign_in(self) -> None:
        self.assertEqual(self.client.get(self.url).status_code, 302)

    def test_it_changes_the_password_and_keeps_the_user_signed_in(self) -> None:
        self.client.force_login(self.carol)
        new = "a brand new passphrase 42"
        r = self.client.post(
            self.url,
            {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
            follow=True,
        )
        self.assertRedirects(r, reverse("accounts:profile"))
        self.assertContains(r, "Your password has been changed.")
        self.carol.refresh_from_db()
        self.assertTrue(self.carol.check_password(new))
        self.assertIn("_auth_user_id", self.client.session)
        self.assertTrue(
            AuditEvent.objects.filter(action="user.password_changed", target_id=self.carol.pk)
        )

    def test_a_wrong_old_password_is_refused(self) -> None:
        self.client.force_login(self.carol)
        new = "a brand new passphrase 42"
        r = self.client.post(
            self.url, {"old_password": "wrong", "new_password1": new, "new_password2": new}
        )
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, 'id="id_old_password-error"')
        self.carol.refresh_from_db()
        self.assertTrue(self.carol.check_password(PASSWORD))


class PasswordResetFlowTests(BaseTestCase):
    url = reverse("accounts:password-reset")

    def _reset_link(self, email: OutgoingEmail) -> str:
        match = re.search(r"https?://[^/\s]+(/accounts/password/reset/[^\s]+/)", email.body)
        self.assertIsNotNone(match, email.body)
        return match.group(1)

    def test_the_page_is_translated_for_anonymous_visitors(self) -> None:
        r = self.client.get(self.url, HTTP_ACCEPT_LANGUAGE="zh-CN")
        self.assertContains(r, "重置密码")

    def test_the_whole_flow_from_mail_to_new_sign_in(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            r = self.client.post(self.url, {"email": "Dave@Example.com"})
        self.assertRedirects(r, reverse("accounts:password-reset-done"))
        email = OutgoingEmail.objects.get()
        self.assertEqual(email.to, "dave@example.com")
        self.assertEqual(email.subject, "Reset your Accord password")
        self.assertIn("Hello Dave,", email.body)
        # The worker job delivered it.
        email.refresh_from_db()
        self.assertEqual(email.status, "sent")
        self.assertEqual(len(mail.outbox), 1)

        link = self._reset_link(email)
        r = self.client.get(link, follow=True)
        self.assertContains(r, "Choose a new password")
        form_url = r.redirect_chain[-1][0]
        new = "correct pony battery staple 7"
        r = self.client.post(form_url, {"new_password1": new, "new_password2": new})
        self.assertRedirects(r, reverse("accounts:password-reset-complete"))
        self.assertTrue(
            AuditEvent.objects.filter(action="user.password_changed", target_id=self.dave.pk)
        )

        r = self.client.post(LOGIN, {"username": "dave@example.com", "password": PASSWORD})
        self.assertEqual(r.status_code, 200)
        r = self.client.post(LOGIN, {"username": "dave@example.com", "password": new})
        self.assertEqual(r.status_code, 302)
        self.assertEqual(int(self.client.session["_auth_user_id"]), self.dave.pk)

        # A used link does not work a second time.
        self.client.logout()
        r = self.client.get(link, follow=True)
        self.assertContains(r, "This link no longer works")

    def test_the_mail_is_in_the_users_language(self) -> None:
        User.objects.filter(pk=self.vera.pk).update(language="zh-hans")
        self.client.post(self.url, {"email": "vera@example.com"}, HTTP_ACCEPT_LANGUAGE="en")
        email = OutgoingEmail.objects.get()
        self.assertEqual(email.subject, "重置您的 Accord 密码")
        self.assertIn("Vera", email.body)
        self.assertIn("/accounts/password/reset/", email.body)

    def test_an_unknown_address_gets_the_same_answer_and_no_mail(self) -> None:
        known = self.client.post(self.url, {"email": "alice@example.com"}, follow=True)
        unknown = self.client.post(self.url, {"email": "nobody@example.com"}, follow=True)
        self.assertEqual(unknown.redirect_chain, known.redirect_chain)
        self.assertContains(unknown, "Check your inbox")
        self.assertEqual(
            list(OutgoingEmail.objects.values_list("to", flat=True)), ["alice@example.com"]
        )

    def test_a_forged_link_is_refused(self) -> None:
        r = self.client.get(
            reverse("accounts:password-reset-confirm", kwargs={"uidb64": "MQ", "token": "abc-def"})
        )
        self.assertContains(r, "This link no longer works")


class TokenViewTests(BaseTestCase):
    url = reverse("accounts:tokens")

    def test_anonymous_visitors_are_sent_to_sign_in(self) -> None:
        self.assertEqual(self.client.get(self.url).status_code, 302)
        self.assertEqual(self.client.post(self.url, {"name": "x"}).status_code, 302)
        self.assertFalse(ApiToken.objects.exists())

    def test_it_shows_an_empty_state_that_says_what_to_do(self) -> None:
        self.client.force_login(self.bob)
        r = self.client.get(self.url)
        self.assertContains(r, "No tokens yet")
        self.assertContains(r, "Create a token")

    def test_the_secret_is_shown_once_and_stored_only_hashed(self) -> None:
        self.client.force_login(self.bob)
        r = self.client.post(self.url, {"name": "Nightly report"})
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r["Cache-Control"].count("no-store"), 1)
        plain = re.search(r'value="(acc_[^"]+)"', r.content.decode()).group(1)
        token = ApiToken.objects.get(user=self.bob)
        self.assertEqual(token.name, "Nightly report")
        self.assertEqual(token.digest, digest_of(plain))
        self.assertTrue(plain.startswith(f"acc_{token.prefix}_"))
        self.assertNotIn(plain, str(list(ApiToken.objects.values())))
        self.assertContains(r, "It is shown only this once")
        self.assertContains(r, 'data-copy-target="new-token"')
        # The next visit lists the token but never its secret.
        r = self.client.get(self.url)
        self.assertContains(r, "Nightly report")
        self.assertContains(r, f"acc_{token.prefix}_…")
        self.assertNotContains(r, plain)
        self.assertContains(r, "Never")
        self.assertContains(r, "Active")

    def test_a_nameless_token_is_refused_with_a_field_error(self) -> None:
        self.client.force_login(self.bob)
        r = self.client.post(self.url, {"name": "   "})
        self.assertContains(r, 'id="id_name-error"')
        self.assertFalse(ApiToken.objects.exists())

    def test_it_lists_only_the_users_own_tokens(self) -> None:
        api_token_create(user=self.mallory, name="Mallory's script")
        api_token_create(user=self.bob, name="Bob's script")
        self.client.force_login(self.bob)
        r = self.client.get(self.url)
        self.assertContains(r, "Bob&#x27;s script")
        self.assertNotContains(r, "Mallory")

    def test_the_query_count_does_not_grow_with_tokens(self) -> None:
        self.client.force_login(self.bob)
        api_token_create(user=self.bob, name="one")
        self.client.get(self.url)  # warm caches (content types, session)

        def count() -> int:
            with CaptureQueriesContext(connection) as ctx:
                self.assertEqual(self.client.get(self.url).status_code, 200)
            return len(ctx.captured_queries)

        few = count()
        for n in range(10):
            api_token_create(user=self.bob, name=f"script {n}")
        self.assertEqual(count(), few)


class TokenRevokeViewTests(BaseTestCase):
    def setUp(self) -> None:
        self.token, self.plain = api_token_create(user=self.bob, name="CI pipeline")
        self.url = reverse("accounts:token-revoke", args=[self.token.pk])

    def test_it_asks_for_confirmation_first(self) -> None:
        self.client.force_login(self.bob)
        r = self.client.get(self.url)
        self.assertContains(r, "Revoke the token “CI pipeline”")
        self.assertContains(r, 'method="post"')
        self.token.refresh_from_db()
        self.assertTrue(self.token.is_active)

    def test_it_revokes_on_post(self) -> None:
        self.client.force_login(self.bob)
        r = self.client.post(self.url, follow=True)
        self.assertRedirects(r, reverse("accounts:tokens"))
        self.assertContains(r, "The token “CI pipeline” has been revoked.")
        self.assertContains(r, "Revoked")
        self.token.refresh_from_db()
        self.assertFalse(self.token.is_active)
        self.assertTrue(AuditEvent.objects.filter(action="api_token.revoked"))

    def test_another_users_token_is_not_found(self) -> None:
        self.client.force_login(self.mallory)
        self.assertEqual(self.client.get(self.url).status_code, 404)
        self.assertEqual(self.client.post(self.url).status_code, 404)
        self.token.refresh_from_db()
        self.assertTrue(self.token.is_active)

    def test_staff_cannot_revoke_other_peoples_tokens_here(self) -> None:
        self.client.force_login(self.staff)
        self.assertEqual(self.client.post(self.url).status_code, 404)

    def test_anonymous_visitors_are_sent_to_sign_in(self) -> None:
        self.assertEqual(self.client.post(self.url).status_code, 302)
        self.token.refresh_from_db()
        self.assertTrue(self.token.is_active)

    def test_revoking_twice_just_says_so(self) -> None:
        self.client.force_login(self.bob)
        self.client.post(self.url)
        r = self.client.post(self.url, follow=True)
        self.assertContains(r, "This token was already revoked.")


class PasswordResetLimitTests(BaseTestCase):
    url = reverse("accounts:password-reset")

    def test_at_most_three_reset_mails_an_hour_go_to_one_address(self) -> None:
        for _n in range(5):
            r = self.client.post(self.url, {"email": "alice@example.com"})
            self.assertRedirects(r, reverse("accounts:password-reset-done"))
        self.assertEqual(OutgoingEmail.objects.filter(to="alice@example.com").count(), 3)
        self.client.post(self.url, {"email": "bob@example.com"})
        self.assertEqual(OutgoingEmail.objects.filter(to="bob@example.com").count(), 1)

    def test_the_limit_is_per_hour(self) -> None:
        for _n in range(3):
            self.client.post(self.url, {"email": "alice@example.com"})
        OutgoingEmail.objects.update(created_at=timezone.now() - dt.timedelta(minutes=61))
        self.client.post(self.url, {"email": "alice@example.com"})
        self.assertEqual(OutgoingEmail.objects.filter(to="alice@example.com").count(), 4)


class LanguageSetIncompleteProfileTests(BaseTestCase):
    def test_an_invalid_profile_gets_a_message_not_an_error(self) -> None:
        User.objects.filter(pk=self.bob.pk).update(full_name="")
        self.client.force_login(self.bob)
        r = self.client.post(
            reverse("accounts:language"), {"language": "zh-hans", "next": "/"}, follow=False
        )
        self.assertEqual(r.status_code, 302)
        self.bob.refresh_from_db()
        self.assertEqual(self.bob.language, "en")
