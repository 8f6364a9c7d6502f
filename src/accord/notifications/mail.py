"""Queue e-mail from services; the worker delivers it after the transaction commits."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accord.notifications.models import EmailStatus, OutgoingEmail


def email_queue(*, to: str, subject: str, body: str, html: str = "") -> OutgoingEmail:
    """Store the message and enqueue its delivery once the caller's transaction commits."""
    from accord.notifications.tasks import deliver_email

    email = OutgoingEmail.objects.create(to=to, subject=subject[:300], body=body, html=html)
    transaction.on_commit(lambda: deliver_email.enqueue(email.pk))
    return email


def _render(template: str, context: dict, language: str) -> tuple[str, str]:
    with translation.override(language):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}.txt", context)
    return subject, body


def email_queue_template(
    *, to: str, template: str, context: dict, language: str | None = None
) -> OutgoingEmail:
    """Render `<template>_subject.txt` and `<template>.txt` in the recipient's language."""
    subject, body = _render(template, context, language or translation.get_language())
    return email_queue(to=to, subject=subject, body=body)


def email_queue_template_all_languages(
    *, to: str, template: str, context: dict, first: str | None = None
) -> OutgoingEmail:
    """For a recipient whose language is unknown yet (an invitee): every language in one mail,
    the sender's first."""
    first = first or translation.get_language()
    languages = sorted((code for code, _ in settings.LANGUAGES), key=lambda c: c != first)
    parts = [_render(template, context, code) for code in languages]
    subject = " / ".join(dict.fromkeys(subject for subject, _ in parts))
    body = "\n\n* * *\n\n".join(body.strip() for _, body in parts) + "\n"
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


def email_requeue_stranded() -> int:
    """Give every undelivered message a delivery job again if it has none.

    A worker killed while sending leaves its message "sending" and its job "running" forever;
    a message queued while jobs ran in-process may have no job at all. `accord worker` calls
    this when it starts, so such mail is delayed, never lost. Returns how many were requeued.
    """
    from django_tasks_db.models import DBTaskResult

    from accord.notifications.tasks import SENDING_LEASE, deliver_email

    if not deliver_email.get_backend().supports_defer:
        return 0
    pending = DBTaskResult.objects.filter(
        task_path=deliver_email.module_path, status__in=["READY", "RUNNING"]
    ).values_list("args_kwargs", flat=True)
    has_job = {(args_kwargs.get("args") or [None])[0] for args_kwargs in pending}
    stale_before = timezone.now() - SENDING_LEASE
    stranded = [
        email.pk
        for email in OutgoingEmail.objects.filter(
            status__in=[EmailStatus.QUEUED, EmailStatus.SENDING]
        ).only("pk", "status", "last_attempt_at")
        if (email.status == EmailStatus.QUEUED and email.pk not in has_job)
        or (
            email.status == EmailStatus.SENDING
            and (email.last_attempt_at or stale_before) <= stale_before
        )
    ]
    for pk in stranded:
        deliver_email.enqueue(pk)
    return len(stranded)
