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


def dead_worker(settings) -> str:
    """A worker that stopped beating longer ago than the takeover limit."""
    from accord.core.models import WorkerHeartbeat

    long_ago = timezone.now() - dt.timedelta(seconds=settings.ACCORD_WORKER_DEAD_AFTER + 30)
    WorkerHeartbeat.objects.create(
        worker_id="dead", host="h", pid=1, started_at=long_ago, beat_at=long_ago
    )
    return "dead"


def test_every_message_gets_its_own_message_id_when_queued(smtp_sink, db_tasks) -> None:
    first, second = queue_one(), queue_one()

    assert first.message_id.startswith("<") and first.message_id.endswith(">")
    assert first.message_id != second.message_id
    run_worker()
    assert sorted(m["Message-ID"] for m in smtp_sink.messages) == sorted(
        [first.message_id, second.message_id]
    )


def test_a_retry_after_a_failed_attempt_carries_the_same_message_id(smtp_sink, db_tasks) -> None:
    smtp_sink.stop()
    email = queue_one()
    run_worker()
    smtp_sink.start()
    retry = pending_tasks().get()
    with time_machine.travel(retry.run_after + dt.timedelta(seconds=1)):
        run_worker()

    assert [m["Message-ID"] for m in smtp_sink.messages] == [email.message_id]


def test_mail_a_dead_worker_was_sending_is_sent_again_with_the_same_message_id(
    smtp_sink, db_tasks, settings
) -> None:
    """The worker died after the mail server accepted the message and before "sent" was
    stored: the message goes out again, and the receiver sees the same Message-ID twice."""
    from accord.core.models import WorkerHeartbeat
    from accord.core.worker.services import workers_recover

    email = queue_one(subject="Accepted, then the worker died")
    run_worker()
    OutgoingEmail.objects.filter(pk=email.pk).update(
        status=EmailStatus.SENDING,
        sent_at=None,
        worker_id=dead_worker(settings),
        last_attempt_at=timezone.now() - dt.timedelta(seconds=settings.ACCORD_WORKER_DEAD_AFTER),
    )
    # A message being sent by a worker that still beats is left to it, however long it takes.
    WorkerHeartbeat.objects.create(
        worker_id="alive", host="h", pid=2, started_at=timezone.now(), beat_at=timezone.now()
    )
    busy = queue_one(subject="Slow server")
    OutgoingEmail.objects.filter(pk=busy.pk).update(
        status=EmailStatus.SENDING,
        worker_id="alive",
        last_attempt_at=timezone.now() - dt.timedelta(hours=1),
    )
    DBTaskResult.objects.filter(status="READY").update(status="RUNNING", worker_ids=["alive"])

    assert workers_recover() == 1
    run_worker()

    email.refresh_from_db()
    busy.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.SENT, 2)
    assert busy.status == EmailStatus.SENDING
    copies = [m for m in smtp_sink.messages if m["Subject"] == "Accepted, then the worker died"]
    assert [m["Message-ID"] for m in copies] == [email.message_id, email.message_id]


def test_the_worker_requeues_mail_stranded_by_a_dead_worker(smtp_sink, db_tasks, settings) -> None:
    # Killed mid-send: the message is "sending" and its job "running", both under a worker
    # that no longer beats.
    dead = queue_one(subject="Stranded")
    long_ago = timezone.now() - dt.timedelta(seconds=settings.ACCORD_WORKER_DEAD_AFTER + 5)
    DBTaskResult.objects.filter(status="READY").update(
        status="RUNNING", worker_ids=[dead_worker(settings)], started_at=long_ago
    )
    OutgoingEmail.objects.filter(pk=dead.pk).update(
        status=EmailStatus.SENDING, attempts=1, last_attempt_at=long_ago, worker_id="dead"
    )
    # Stored without any job (queued while jobs ran in-process).
    orphan = OutgoingEmail.objects.create(to="o@example.com", subject="Orphan", body="B")
    OutgoingEmail.objects.filter(pk=orphan.pk).update(created_at=long_ago)
    # Has its job waiting: must not get a second one.
    waiting = queue_one(subject="Waiting")

    run_worker()

    for email in (dead, orphan, waiting):
        email.refresh_from_db()
        assert email.status == EmailStatus.SENT, email.subject
    assert sorted(m["Subject"] for m in smtp_sink.messages) == ["Orphan", "Stranded", "Waiting"]


def test_a_database_hiccup_after_sending_does_not_send_the_message_twice(
    smtp_sink, db_tasks, monkeypatch
) -> None:
    """The server accepted the message; recording "sent" fails once (the database restarts):
    the job waits for the database instead of failing, so the message is not sent again."""
    from django.db import OperationalError

    email = queue_one()
    real_save = OutgoingEmail.save
    hiccups = {"left": 1}

    def save(self, *args, **kwargs):
        if "sent_at" in (kwargs.get("update_fields") or []) and hiccups["left"]:
            hiccups["left"] -= 1
            raise OperationalError("terminating connection due to administrator command")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(OutgoingEmail, "save", save)
    monkeypatch.setattr("accord.core.worker.runner.Backoff.next", lambda self: 0.01)
    run_worker()

    email.refresh_from_db()
    assert (email.status, email.attempts, hiccups["left"]) == (EmailStatus.SENT, 1, 0)
    assert len(smtp_sink.messages) == 1
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
