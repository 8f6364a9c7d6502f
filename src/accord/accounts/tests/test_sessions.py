"""Sessions: read from a cache the workers share, and ended everywhere at once."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.cache.backends.filebased import FileBasedCache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accord.accounts.tests.factories import PASSWORD
from accord.core.testing import BaseTestCase

PROFILE = reverse("accounts:profile")
LOGIN = reverse("accounts:login")
CACHE_KEY_PREFIX = "django.contrib.sessions.cached_db"


def other_worker_cache() -> FileBasedCache:
    """The session cache as another server process opens it: its own handle, same folder."""
    config = settings.CACHES[settings.SESSION_CACHE_ALIAS]
    return FileBasedCache(str(config["LOCATION"]), config.get("OPTIONS", {}))


class SessionCacheTests(BaseTestCase):
    def sign_in(self, client, email: str) -> str:
        r = client.post(LOGIN, {"username": email, "password": PASSWORD})
        self.assertEqual(r.status_code, 302)
        return client.cookies[settings.SESSION_COOKIE_NAME].value

    def test_a_signed_in_page_reads_its_session_without_a_query(self) -> None:
        self.sign_in(self.client, "bob@example.com")
        self.client.get(PROFILE)
        with CaptureQueriesContext(connection) as queries:
            r = self.client.get(PROFILE)
        self.assertContains(r, "bob@example.com")
        sql = [q["sql"] for q in queries.captured_queries]
        self.assertFalse([s for s in sql if "django_session" in s], sql)

    def test_signing_out_removes_the_copy_every_worker_reads(self) -> None:
        key = self.sign_in(self.client, "bob@example.com")
        other = other_worker_cache()
        self.assertIsNotNone(other.get(f"{CACHE_KEY_PREFIX}{key}"))
        self.client.post(reverse("accounts:logout"))
        self.assertIsNone(other.get(f"{CACHE_KEY_PREFIX}{key}"))

    def test_a_session_cookie_replayed_after_signing_out_is_refused(self) -> None:
        key = self.sign_in(self.client, "bob@example.com")
        thief = self.client_class()
        thief.cookies[settings.SESSION_COOKIE_NAME] = key
        self.assertContains(thief.get(PROFILE), "bob@example.com")
        self.client.post(reverse("accounts:logout"))
        r = thief.get(PROFILE)
        self.assertEqual(r.status_code, 302)
        self.assertTrue(r["Location"].startswith(LOGIN))

    def test_a_new_password_signs_out_the_other_sessions_but_not_this_one(self) -> None:
        self.sign_in(self.client, "carol@example.com")
        elsewhere = self.client_class()
        self.sign_in(elsewhere, "carol@example.com")
        self.assertContains(elsewhere.get(PROFILE), "carol@example.com")
        new = "a brand new passphrase 42"
        self.client.post(
            reverse("accounts:password-change"),
            {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
        )
        self.assertContains(self.client.get(PROFILE), "carol@example.com")
        r = elsewhere.get(PROFILE)
        self.assertEqual(r.status_code, 302)
        self.assertTrue(r["Location"].startswith(LOGIN))

    def test_a_deactivated_user_is_signed_out_at_the_next_request(self) -> None:
        self.sign_in(self.client, "bob@example.com")
        self.assertContains(self.client.get(PROFILE), "bob@example.com")
        self.bob.is_active = False
        self.bob.save(update_fields=["is_active"])
        r = self.client.get(PROFILE)
        self.assertEqual(r.status_code, 302)
        self.assertTrue(r["Location"].startswith(LOGIN))

    def test_session_copies_are_kept_in_the_data_folder_for_the_server_alone(self) -> None:
        key = self.sign_in(self.client, "bob@example.com")
        folder = settings.CACHES[settings.SESSION_CACHE_ALIAS]["LOCATION"]
        self.assertTrue(str(folder).startswith(str(settings.DATA_DIR)))
        cache = other_worker_cache()
        cache_key = f"{CACHE_KEY_PREFIX}{key}"
        self.assertIsNotNone(cache.get(cache_key))
        self.assertEqual(oct(folder.stat().st_mode & 0o777), "0o700")
        # This session's own file: other test processes share the folder and may evict theirs
        # while it is being listed.
        path = Path(cache._key_to_file(cache_key))
        self.assertEqual(oct(path.stat().st_mode & 0o077), "0o0", path)
