"""`accord demo`: load the demo workspace (idempotent) and print its logins."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from accord.core.demo import DEMO_PASSWORD, demo_load, demo_logins, demo_summary
from accord.projects.models import Project


class Command(BaseCommand):
    help = (
        "Load the demo workspace: a Chinese and an English client project with a project "
        "manager, team, client users, milestones and history. Running it again creates "
        "nothing twice."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if the database already holds any project.",
        )

    def handle(self, *args: Any, if_empty: bool = False, **options: Any) -> None:
        if if_empty and Project.objects.exists():
            self.stdout.write("The database already holds projects; demo workspace not loaded.")
        else:
            report = demo_load()
            if report.changed:
                counts = demo_summary()
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Demo workspace loaded: {counts['projects']} projects, "
                        f"{counts['memberships']} memberships, {counts['milestones']} milestones, "
                        f"{counts['invitations']} invitations, {counts['requirements']} "
                        f"requirements in {counts['requirement_versions']} versions, "
                        f"{counts['baselines']} baselines, {counts['risks']} risks, "
                        f"{counts['problems']} problems."
                    )
                )
            else:
                self.stdout.write("Demo workspace already present; nothing changed.")
        self.print_logins()

    def print_logins(self) -> None:
        logins = demo_logins()
        if not logins:
            return
        width = max(len(email) for email, _who in logins)
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        for email, who in logins:
            self.stdout.write(f"  {email.ljust(width)}  {who}")
