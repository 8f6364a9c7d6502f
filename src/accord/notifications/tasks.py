"""Jobs run by `accord worker`."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from accord.core.worker import current_worker_id, when_database_answers
from accord.notifications.models import EmailStatus, OutgoingEmail

log = logging.getLogger(__name__)


def retry_delay(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min … capped at one hour."""
    return dt.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def _claim(email_id: int) -> OutgoingEmail | None:
    """Mark the message as being sent by this worker, so a second job for it does not send it
    twice. If this worker dies meanwhile, the running workers queue it again (mail.py)."""
    with transaction.atomic():
        email = OutgoingEmail.objects.select_for_update().filter(pk=email_id).first()
        if email is None or email.status != EmailStatus.QUEUED:
            return None
        email.status = EmailStatus.SENDING
        email.attempts += 1
        email.last_attempt_at = timezone.now()
        email.worker_id = current_worker_id()
        email.save(update_fields=["status", "attempts", "last_attempt_at", "worker_id"])
        return email


def _send(email: OutgoingEmail) -> None:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        # The same on every attempt: a copy sent again after a crash is recognisable.
        headers={"Message-ID": email.message_id},
    )
    if email.html:
        message.attach_alternative(email.html, "text/html")
    message.send()


def schedule_retry(email: OutgoingEmail) -> None:
    """Enqueue the next attempt after the back-off delay (now, if the backend cannot defer)."""
    backend = deliver_email.get_backend()
    if backend.supports_defer:
        run_after = timezone.now() + retry_delay(email.attempts)
        deliver_email.using(run_after=run_after).enqueue(email.pk)
    else:
        log.warning("Task backend cannot defer jobs; e-mail %s stays queued", email.pk)


@task()
def deliver_email(email_id: int) -> str:
    """Send one queued e-mail; on failure keep it and schedule another attempt, until
    `ACCORD_MAIL_MAX_ATTEMPTS` attempts have failed and it is marked failed."""
    email = _claim(email_id)
    if email is None:
        return "skipped"
    # The mail server is contacted outside any transaction: a slow or unreachable server
    # must not hold database locks.
    try:
        _send(email)
    except Exception as exc:  # any transport failure: keep the mail, try later
        email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if email.attempts >= settings.ACCORD_MAIL_MAX_ATTEMPTS:
            email.status = EmailStatus.FAILED
            log.error("Giving up on e-mail %s after %s attempts", email.pk, email.attempts)
        else:
            email.status = EmailStatus.QUEUED
            log.warning("E-mail %s not sent (attempt %s): %s", email.pk, email.attempts, exc)
        with transaction.atomic():
            email.save(update_fields=["status", "last_error"])
            if email.status == EmailStatus.QUEUED:
                transaction.on_commit(lambda: schedule_retry(email))
        return "failed" if email.status == EmailStatus.FAILED else "retry"
    email.status = EmailStatus.SENT
    email.sent_at = timezone.now()
    email.last_error = ""
    # The message has left: through a database hiccup, wait to record it rather than give up
    # and have it sent again.
    when_database_answers(lambda: email.save(update_fields=["status", "sent_at", "last_error"]))
    return "sent"
