"""Jobs run by `accord worker`."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from accord.notifications.models import EmailStatus, OutgoingEmail

log = logging.getLogger(__name__)


def retry_delay(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min … capped at one hour."""
    return dt.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


@task()
def deliver_email(email_id: int) -> str:
    """Send one queued e-mail; on failure schedule another attempt until the limit."""
    with transaction.atomic():
        email = OutgoingEmail.objects.select_for_update().filter(pk=email_id).first()
        if email is None or email.status != EmailStatus.QUEUED:
            return "skipped"
        email.attempts += 1
        message = EmailMultiAlternatives(
            subject=email.subject,
            body=email.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[email.to],
        )
        if email.html:
            message.attach_alternative(email.html, "text/html")
        try:
            message.send()
        except Exception as exc:  # any transport failure: keep the mail, try later
            email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if email.attempts >= settings.ACCORD_MAIL_MAX_ATTEMPTS:
                email.status = EmailStatus.FAILED
                log.error("Giving up on e-mail %s after %s attempts", email.pk, email.attempts)
            email.save(update_fields=["attempts", "last_error", "status"])
            if email.status == EmailStatus.QUEUED:
                run_after = timezone.now() + retry_delay(email.attempts)
                transaction.on_commit(
                    lambda: deliver_email.using(run_after=run_after).enqueue(email_id)
                )
            return "retry"
        email.status = EmailStatus.SENT
        email.sent_at = timezone.now()
        email.last_error = ""
        email.save(update_fields=["attempts", "last_error", "status", "sent_at"])
        return "sent"
