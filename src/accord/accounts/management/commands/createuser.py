"""`accord createuser`: create an account from the command line."""

from __future__ import annotations

import getpass
import secrets
import sys

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accord.accounts import services
from accord.accounts.choices import Language
from accord.accounts.models import User
from accord.core.exceptions import ApplicationError


class Command(BaseCommand):
    help = (
        "Create a user. Give the password with --password, generate one with "
        "--random-password, or type it when asked."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True, help="e-mail address to sign in with")
        parser.add_argument("--name", required=True, help="full name")
        parser.add_argument("--organisation", default="", help="company or team")
        parser.add_argument("--language", choices=Language.values, default=Language.ENGLISH)
        parser.add_argument("--staff", action="store_true", help="organisation staff (PMO)")
        parser.add_argument(
            "--superuser", action="store_true", help="administrator (implies --staff)"
        )
        secret = parser.add_mutually_exclusive_group()
        secret.add_argument("--password", help="the password (visible in the shell history)")
        secret.add_argument(
            "--random-password", action="store_true", help="generate a password and print it"
        )

    def handle(self, *args, **options) -> None:
        generated = options["random_password"]
        if generated:
            password = secrets.token_urlsafe(12)
        elif options["password"] is not None:
            password = options["password"]
        else:
            password = self._prompt_password()
        try:
            password_validation.validate_password(
                password, user=User(email=options["email"], full_name=options["name"])
            )
        except ValidationError as exc:
            raise CommandError("Password refused: " + " ".join(exc.messages)) from exc
        is_superuser = options["superuser"]
        try:
            user = services.user_create(
                actor=None,
                email=options["email"],
                full_name=options["name"],
                password=password,
                organisation=options["organisation"],
                language=options["language"],
                is_staff=options["staff"] or is_superuser,
                is_superuser=is_superuser,
            )
        except ApplicationError as exc:
            raise CommandError(f"{options['email']}: {exc.message}") from exc
        role = "superuser" if user.is_superuser else "staff user" if user.is_staff else "user"
        self.stdout.write(self.style.SUCCESS(f"Created {role} {user.email} ({user.full_name})."))
        if generated:
            self.stdout.write(f"Password: {password}")

    def _prompt_password(self) -> str:
        if not self.stdin_is_interactive():
            raise CommandError("Give --password or --random-password when not run interactively.")
        for _attempt in range(3):
            first = getpass.getpass("Password: ")
            if first and first == getpass.getpass("Password (again): "):
                return first
            self.stderr.write("The passwords are empty or do not match; try again.")
        raise CommandError("No password given.")

    @staticmethod
    def stdin_is_interactive() -> bool:
        return sys.stdin.isatty()
