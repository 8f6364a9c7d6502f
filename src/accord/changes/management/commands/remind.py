"""`accord remind`: remind approvers of change requests whose decision date has passed.

The workers do the same every hour (a periodic job, accord.changes.tasks); this command does it
now, by hand. Safe to run as often as you like: each request's waiting approvers are reminded at
most once a day, in-app and by e-mail.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from accord.changes.services import send_approval_reminders
from accord.core.management.utils import require_migrated


class Command(BaseCommand):
    help = (
        "Remind the approvers of change requests that wait past their decision date now (at "
        "most once a day per request). Running workers also do it every hour."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        require_migrated()
        count = send_approval_reminders()
        if options["verbosity"] >= 1:
            self.stdout.write(f"Reminded the approvers of {count} change request(s).")
