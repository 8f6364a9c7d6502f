"""E-mail delivery against a real SMTP server on 127.0.0.1, through the database queue."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accord.notifications.mail import email_queue, email_retry
from accord.notifications.models import EmailStatus, OutgoingEmail
from accord.notifications.tasks import retry_delay
from accord.notifications.tests.smtp import DB_TASKS, IMMEDIATE_TASKS, free_port, running_sink

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def smtp_sink(settings):
    with running_sink(settings) as sink:
        yield sink


@pytest.fixture
def db_tasks(settings) -> None:
    """Queue jobs in the database, as in production."""
    settings.TASKS = DB_TASKS


@pytest.fixture
def immediate_tasks(settings) -> None:
    """Run jobs in-process as soon as the transaction commits."""
    settings.TASKS = IMMEDIATE_TASKS


def queue_one(**overrides) -> OutgoingEmail:
    fields = {
        "to": "client@example.com",
        "subject": "需求确认：ACME-R12",
        "body": "请确认需求 ACME-R12。\nPlease confirm requirement ACME-R12.",
    }
    fields.update(overrides)
    with transaction.atomic():
        return email_queue(**fields)


def run_worker() -> None:
    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)


def pending_tasks():
    return DBTaskResult.objects.filter(status="READY")


def test_queued_mail_is_delivered_with_subject_recipient_and_body(
    smtp_sink, immediate_tasks
) -> None:
    email = queue_one()

    email.refresh_from_db()
    assert email.status == EmailStatus.SENT
    assert email.attempts == 1
    assert email.sent_at is not None
    assert len(smtp_sink.messages) == 1
    message = smtp_sink.messages[0]
    assert message["Subject"] == "需求确认：ACME-R12"
    assert message["To"] == "client@example.com"
    assert message["X-Envelope-To"] == "client@example.com"
    body = message.get_content()
    assert "请确认需求 ACME-R12。" in body
    assert "Please confirm requirement ACME-R12." in body


def test_html_alternative_is_attached(smtp_sink, immediate_tasks) -> None:
    queue_one(html="<p>请确认</p>")

    message = smtp_sink.messages[0]
    html = message.get_body(preferencelist=("html",))
    assert html is not None
    assert "<p>请确认</p>" in html.get_content()


def test_nothing_is_queued_when_the_transaction_rolls_back(smtp_sink, db_tasks) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        email_queue(to="a@example.com", subject="S", body="B")
        raise RuntimeError("the service failed")

    assert OutgoingEmail.objects.count() == 0
    assert DBTaskResult.objects.count() == 0


def test_unreachable_server_delays_mail_and_the_retry_delivers_it_once(smtp_sink, db_tasks) -> None:
    smtp_sink.stop()
    email = queue_one()
    assert pending_tasks().count() == 1

    before = timezone.now()
    run_worker()

    email.refresh_from_db()
    assert email.status == EmailStatus.QUEUED
    assert email.attempts == 1
    assert "Connection" in email.last_error or "refused" in email.last_error.lower()
    retry = pending_tasks().get()
    assert retry.run_after >= before + retry_delay(1) - dt.timedelta(seconds=1)
    assert retry.args_kwargs["args"] == [email.pk]
    assert smtp_sink.messages == []

    # Running again before the back-off has passed does nothing.
    run_worker()
    email.refresh_from_db()
    assert email.attempts == 1

    smtp_sink.start()
    with time_machine.travel(retry.run_after + dt.timedelta(seconds=1)):
        run_worker()
        run_worker()

    email.refresh_from_db()
    assert email.status == EmailStatus.SENT
    assert email.attempts == 2
    assert email.last_error == ""
    assert len(smtp_sink.messages) == 1
    assert smtp_sink.messages[0]["Subject"] == "需求确认：ACME-R12"
    assert pending_tasks().count() == 0


def test_a_second_job_for_a_sent_mail_sends_nothing(smtp_sink, db_tasks) -> None:
    email = queue_one()
    from accord.notifications.tasks import deliver_email

    deliver_email.enqueue(email.pk)
    run_worker()

    email.refresh_from_db()
    assert email.status == EmailStatus.SENT
    assert len(smtp_sink.messages) == 1


def test_mail_is_marked_failed_after_the_last_attempt(smtp_sink, db_tasks, settings) -> None:
    settings.ACCORD_MAIL_MAX_ATTEMPTS = 2
    smtp_sink.stop()
    email = queue_one()

    run_worker()
    retry = pending_tasks().get()
    with time_machine.travel(retry.run_after + dt.timedelta(seconds=1)):
        run_worker()

    email.refresh_from_db()
    assert email.status == EmailStatus.FAILED
    assert email.attempts == 2
    assert email.last_error
    assert pending_tasks().count() == 0


def test_failed_mail_can_be_sent_again(smtp_sink, db_tasks, settings) -> None:
    settings.ACCORD_MAIL_MAX_ATTEMPTS = 1
    smtp_sink.stop()
    email = queue_one()
    run_worker()
    email.refresh_from_db()
    assert email.status == EmailStatus.FAILED

    smtp_sink.start()
    email_retry(email=email)
    run_worker()

    email.refresh_from_db()
    assert email.status == EmailStatus.SENT
    assert len(smtp_sink.messages) == 1


def test_failed_mail_is_listed_in_the_admin_with_its_error(
    client, settings, immediate_tasks
) -> None:
    from accord.accounts.tests.factories import UserFactory

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nothing listens there
    settings.ACCORD_MAIL_MAX_ATTEMPTS = 1
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    email = queue_one(subject="Weekly report")
    email.refresh_from_db()
    assert email.status == EmailStatus.FAILED

    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    changelist = reverse("admin:notifications_outgoingemail_changelist")
    response = client.get(changelist, {"status__exact": "failed"})
    assert response.status_code == 200
    assert "Weekly report" in response.content.decode()

    detail = client.get(reverse("admin:notifications_outgoingemail_change", args=[email.pk]))
    assert email.last_error in detail.content.decode()


def test_a_message_left_sending_by_a_dead_worker_is_taken_over(smtp_sink, db_tasks) -> None:
    from accord.notifications.tasks import SENDING_LEASE, deliver_email

    email = OutgoingEmail.objects.create(
        to="a@example.com",
        subject="Left behind",
        body="B",
        status=EmailStatus.SENDING,
        attempts=1,
        last_attempt_at=timezone.now() - SENDING_LEASE - dt.timedelta(minutes=1),
    )
    fresh = OutgoingEmail.objects.create(
        to="b@example.com",
        subject="Being sent",
        body="B",
        status=EmailStatus.SENDING,
        attempts=1,
        last_attempt_at=timezone.now(),
    )

    assert deliver_email.call(email.pk) == "sent"
    assert deliver_email.call(fresh.pk) == "skipped"

    email.refresh_from_db()
    fresh.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.SENT, 2)
    assert fresh.status == EmailStatus.SENDING
    assert [m["Subject"] for m in smtp_sink.messages] == ["Left behind"]


def test_the_worker_requeues_mail_stranded_by_a_dead_worker(smtp_sink, db_tasks) -> None:
    from accord.notifications.tasks import SENDING_LEASE

    # Killed mid-send: the message is "sending" and its job "running", both forever.
    dead = queue_one(subject="Stranded")
    DBTaskResult.objects.filter(status="READY").update(status="RUNNING")
    OutgoingEmail.objects.filter(pk=dead.pk).update(
        status=EmailStatus.SENDING,
        attempts=1,
        last_attempt_at=timezone.now() - SENDING_LEASE - dt.timedelta(seconds=5),
    )
    # Stored without any job.
    orphan = OutgoingEmail.objects.create(to="o@example.com", subject="Orphan", body="B")
    # Has its job waiting: must not get a second one.
    waiting = queue_one(subject="Waiting")

    run_worker()

    for email in (dead, orphan, waiting):
        email.refresh_from_db()
        assert email.status == EmailStatus.SENT, email.subject
    assert sorted(m["Subject"] for m in smtp_sink.messages) == ["Orphan", "Stranded", "Waiting"]
