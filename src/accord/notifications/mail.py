"""Queue e-mail from services; the worker delivers it after the transaction commits."""

from __future__ import annotations

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from accord.notifications.models import EmailStatus, OutgoingEmail


def email_queue(*, to: str, subject: str, body: str, html: str = "") -> OutgoingEmail:
    """Store the message and enqueue its delivery once the caller's transaction commits."""
    from accord.notifications.tasks import deliver_email

    email = OutgoingEmail.objects.create(to=to, subject=subject[:300], body=body, html=html)
    transaction.on_commit(lambda: deliver_email.enqueue(email.pk))
    return email


def email_queue_template(
    *, to: str, template: str, context: dict, language: str | None = None
) -> OutgoingEmail:
    """Render `<template>_subject.txt` and `<template>.txt` in the recipient's language."""
    with translation.override(language or translation.get_language()):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}.txt", context)
    return email_queue(to=to, subject=subject, body=body)


@transaction.atomic
def email_retry(*, email: OutgoingEmail) -> OutgoingEmail:
    """Put a failed message back in the queue with a fresh set of attempts."""
    from accord.notifications.tasks import deliver_email

    email = OutgoingEmail.objects.select_for_update().get(pk=email.pk)
    if email.status != EmailStatus.FAILED:
        return email
    email.status = EmailStatus.QUEUED
    email.attempts = 0
    email.save(update_fields=["status", "attempts"])
    transaction.on_commit(lambda: deliver_email.enqueue(email.pk))
    return email
