"""`accord remind`: remind approvers of change requests whose decision date has passed.

Safe to run as often as you like (for example hourly from cron or a systemd timer): each
request's waiting approvers are reminded at most once a day, in-app and by e-mail.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from accord.changes.services import send_approval_reminders
from accord.core.management.utils import require_migrated


class Command(BaseCommand):
    help = (
        "Remind the approvers of change requests that wait past their decision date (at most "
        "once a day per request). Run it regularly, e.g. hourly."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        require_migrated()
        count = send_approval_reminders()
        if options["verbosity"] >= 1:
            self.stdout.write(f"Reminded the approvers of {count} change request(s).")
