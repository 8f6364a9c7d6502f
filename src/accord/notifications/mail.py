"""Queue e-mail from services; the worker delivers it after the transaction commits."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import translation

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


def email_release_stranded(*, live_workers: frozenset[str], claimed_before: dt.datetime) -> int:
    """Give undelivered mail that nobody is working on a delivery job again; returns how many
    messages were released. A worker-layer recovery hook (registered in apps.py).

    A message "sending" under a worker that no longer beats goes back to queued: that worker
    died mid-send, perhaps after the mail server accepted it, so the copy sent next carries the
    same Message-ID. A queued message without a job (queued while jobs ran in-process, or its
    job lost) gets one. Only rows older than `claimed_before` are touched, so a message being
    queued or claimed right now is left alone.
    """
    from django_tasks_db.models import DBTaskResult

    from accord.notifications.tasks import deliver_email

    if not deliver_email.get_backend().supports_defer:
        return 0
    orphaned = list(
        OutgoingEmail.objects.filter(status=EmailStatus.SENDING, last_attempt_at__lt=claimed_before)
        .exclude(worker_id__in=live_workers)
        .values_list("pk", flat=True)
    )
    if orphaned:
        OutgoingEmail.objects.filter(pk__in=orphaned, status=EmailStatus.SENDING).update(
            status=EmailStatus.QUEUED, worker_id=""
        )
    pending = DBTaskResult.objects.filter(
        task_path=deliver_email.module_path, status__in=["READY", "RUNNING"]
    ).values_list("args_kwargs", flat=True)
    has_job = {(args_kwargs.get("args") or [None])[0] for args_kwargs in pending}
    queued = OutgoingEmail.objects.filter(status=EmailStatus.QUEUED).filter(
        Q(created_at__lt=claimed_before) | Q(pk__in=orphaned)
    )
    jobless = [pk for pk in queued.values_list("pk", flat=True) if pk not in has_job]
    for pk in jobless:
        deliver_email.enqueue(pk)
    return len(set(orphaned) | set(jobless))
