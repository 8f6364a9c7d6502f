"""Jobs run by `accord worker` for change control."""

from __future__ import annotations

from django_tasks import task

from accord.changes.services import send_approval_reminders


@task()
def remind_approvers() -> int:
    """Hourly (registered in apps.py), as `accord remind` does by hand: remind the approvers of
    requests waiting past their decision date, at most once a day per request."""
    return send_approval_reminders()
