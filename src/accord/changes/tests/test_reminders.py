"""Reminders: approvers who have not decided hear again once the decision date has passed, at
most once a day per request, by `accord remind` too."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from accord.changes import services
from accord.changes.choices import Decision, Status
from accord.changes.models import ChangeRequest
from accord.changes.tests.factories import make_change
from accord.notifications.models import Notification, OutgoingEmail

pytestmark = pytest.mark.django_db


def _overdue(personas, days: int = 2) -> ChangeRequest:
    change = make_change(personas.project, status=Status.AWAITING_APPROVAL)
    ChangeRequest.objects.filter(pk=change.pk).update(
        approval_due=timezone.localdate() - dt.timedelta(days=days)
    )
    change.refresh_from_db()
    return change


def _reminded():
    return set(
        Notification.objects.filter(kind="change.reminder").values_list(
            "recipient__email", flat=True
        )
    )


def test_overdue_request_reminds_only_those_who_have_not_decided(
    personas, django_capture_on_commit_callbacks
):
    change = _overdue(personas)
    services.change_decide(
        actor=personas.alice,
        change=change,
        decision=Decision.APPROVED,
        expected_hash=change.content_hash,
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_approval_reminders() == 1
    assert _reminded() == {"dave@example.com"}
    mail = OutgoingEmail.objects.get(to="dave@example.com", subject__contains="Reminder")
    assert change.key in mail.subject and change.key in mail.body
    change.refresh_from_db()
    assert change.reminded_at is not None


def test_at_most_once_a_day(personas):
    _overdue(personas)
    now = timezone.now()
    assert services.send_approval_reminders(now=now) == 1
    assert services.send_approval_reminders(now=now + dt.timedelta(hours=5)) == 0
    # alice and dave, once each.
    assert Notification.objects.filter(kind="change.reminder").count() == 2
    assert services.send_approval_reminders(now=now + dt.timedelta(days=1, minutes=1)) == 1
    assert Notification.objects.filter(kind="change.reminder").count() == 4


def test_not_due_or_decided_requests_are_left_alone(personas):
    make_change(personas.project, status=Status.AWAITING_APPROVAL)  # due in 5 days
    decided = _overdue(personas)
    ChangeRequest.objects.filter(pk=decided.pk).update(status=Status.APPROVED)
    assert services.send_approval_reminders() == 0
    assert _reminded() == set()


def test_remind_command(personas):
    _overdue(personas)
    out = StringIO()
    call_command("remind", stdout=out)
    assert "1 change request" in out.getvalue()
    assert _reminded() == {"alice@example.com", "dave@example.com"}


@pytest.mark.django_db(transaction=True)
def test_the_workers_remind_every_hour_without_cron(personas, settings):
    """The reminder is a periodic job: a worker enqueues it once for the hour and runs it."""
    from accord.core.worker.services import periodic_enqueue_due
    from accord.notifications.tests.smtp import DB_TASKS

    settings.TASKS = DB_TASKS
    _overdue(personas)

    assert "changes.remind" in periodic_enqueue_due(worker_id="w1")
    assert "changes.remind" not in periodic_enqueue_due(worker_id="w2")
    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)

    assert _reminded() == {"alice@example.com", "dave@example.com"}
