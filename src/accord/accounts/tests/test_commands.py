"""`accord createuser`."""

from __future__ import annotations

import io
from unittest import mock

from django.core.management import CommandError, call_command

from accord.accounts.models import User
from accord.core.models import AuditEvent
from accord.core.testing import BaseTestCase

STRONG = "several words make a password"


class CreateUserCommandTests(BaseTestCase):
    def _run(self, *args: str) -> str:
        out = io.StringIO()
        call_command("createuser", *args, stdout=out, stderr=io.StringIO())
        return out.getvalue()

    def test_it_creates_a_user_with_the_given_password(self) -> None:
        out = self._run("--email", "Lin@Example.com", "--name", "Lin Wei", "--password", STRONG)
        user = User.objects.get(email="lin@example.com")
        self.assertEqual(user.full_name, "Lin Wei")
        self.assertTrue(user.check_password(STRONG))
        self.assertFalse(user.is_staff or user.is_superuser)
        self.assertIn("Created user lin@example.com", out)
        self.assertNotIn(STRONG, out)
        self.assertTrue(AuditEvent.objects.filter(action="user.created", target_id=user.pk))

    def test_staff_and_superuser_flags(self) -> None:
        self._run("--email", "pmo@example.com", "--name", "PMO", "--staff", "--password", STRONG)
        self._run(
            "--email", "root@example.com", "--name", "Root", "--superuser", "--password", STRONG
        )
        pmo = User.objects.get(email="pmo@example.com")
        root = User.objects.get(email="root@example.com")
        self.assertEqual((pmo.is_staff, pmo.is_superuser), (True, False))
        self.assertEqual((root.is_staff, root.is_superuser), (True, True))

    def test_a_random_password_is_printed_once_and_works(self) -> None:
        out = self._run("--email", "ci@example.com", "--name", "CI", "--random-password")
        password = out.split("Password: ", 1)[1].strip()
        self.assertGreaterEqual(len(password), 12)
        self.assertTrue(User.objects.get(email="ci@example.com").check_password(password))

    def test_a_duplicate_address_is_a_clear_error(self) -> None:
        with self.assertRaisesMessage(CommandError, "An account with this e-mail address exists"):
            self._run("--email", "ALICE@example.com", "--name", "Alice", "--password", STRONG)
        self.assertEqual(User.objects.filter(email__iexact="alice@example.com").count(), 1)

    def test_a_weak_password_is_refused(self) -> None:
        with self.assertRaisesMessage(CommandError, "Password refused"):
            self._run("--email", "weak@example.com", "--name", "Weak", "--password", "123")
        self.assertFalse(User.objects.filter(email="weak@example.com").exists())

    def test_it_prompts_for_the_password_when_none_is_given(self) -> None:
        with (
            mock.patch("sys.stdin.isatty", return_value=True),
            mock.patch("getpass.getpass", side_effect=[STRONG, STRONG]),
        ):
            self._run("--email", "typed@example.com", "--name", "Typed")
        self.assertTrue(User.objects.get(email="typed@example.com").check_password(STRONG))

    def test_without_a_terminal_it_asks_for_an_option(self) -> None:
        with (
            mock.patch("sys.stdin.isatty", return_value=False),
            self.assertRaisesMessage(CommandError, "--random-password"),
        ):
            self._run("--email", "batch@example.com", "--name", "Batch")

    def test_a_password_like_the_address_is_refused(self) -> None:
        with self.assertRaisesMessage(CommandError, "Password refused"):
            self._run(
                "--email", "zhang.wei@example.com", "--name", "Zhang Wei", "--password", "zhang.wei"
            )
