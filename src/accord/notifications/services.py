"""Writing notifications: one row per person, worded in that person's language.

`notify` is what other apps' services call after a business action; reading state
(`notification_mark_read`, `notification_mark_all_read`) is the recipient's own business.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from accord.core.exceptions import ApplicationError
from accord.notifications.mail import email_queue_template
from accord.notifications.models import Notification

Text = Callable[[], str] | str

# The generic e-mail of a notification: its title as subject, its body and its link.
DEFAULT_EMAIL_TEMPLATE = "notifications/email/notification"


def is_safe_path(url: str) -> bool:
    """True for a path inside Accord ("/p/ACME/"), false for any other address."""
    return (
        url.startswith("/")
        and not url.startswith("//")
        and url_has_allowed_host_and_scheme(url, allowed_hosts=None, require_https=False)
    )


def absolute_url(path: str) -> str:
    """The address of a path inside Accord for use outside it (e-mail)."""
    return settings.BASE_URL + path if path else settings.BASE_URL + "/"


def _text(value: Text) -> str:
    return str(value() if callable(value) else value)


def _distinct_recipients(recipients: Iterable[Any], actor: Any | None) -> list[Any]:
    seen: set[int] = set()
    result = []
    for user in recipients:
        if user is None or user.pk in seen or not user.is_active:
            continue
        if actor is not None and user.pk == actor.pk:
            continue
        seen.add(user.pk)
        result.append(user)
    return result


@transaction.atomic
def notify(
    *,
    recipients: Iterable[Any],
    kind: str,
    project: Any | None = None,
    actor: Any | None = None,
    url: str = "",
    title: Text,
    body: Text = "",
    email_template: str | None = None,
    email_context: dict | None = None,
) -> list[Notification]:
    """Tell each recipient about something, in their own language; returns the new rows.

    Each distinct active recipient gets one notification; the actor (who did the thing) never
    notifies themself. `title` and `body` may be callables: they are called once per recipient
    with that recipient's language active, so `lambda: _("…")` reads in each person's language.
    `url` is a path inside Accord ("/p/ACME/…").

    With `email_template` each recipient also gets an e-mail rendered from
    `<email_template>_subject.txt` and `<email_template>.txt` in their language, with
    `notification`, `recipient` and `url` (the absolute link) in the context besides
    `email_context`. The mail is queued when the caller's transaction commits.

    Visibility is the caller's responsibility: pass only recipients allowed to see what the
    title, body and link reveal (e.g. never a client user for internal content). This function
    does not check; it cannot know what the words mean.
    """
    if url and not is_safe_path(url):
        raise ApplicationError(_("A notification links only to a page inside Accord."), field="url")
    people = _distinct_recipients(recipients, actor)
    if not people:
        return []
    rows = []
    for person in people:
        with translation.override(person.language or settings.LANGUAGE_CODE):
            rows.append(
                Notification(
                    recipient=person,
                    project=project,
                    actor=actor,
                    kind=kind,
                    title=_text(title)[:300],
                    body=_text(body),
                    url=url,
                )
            )
    created = Notification.objects.bulk_create(rows)
    if email_template:
        link = absolute_url(url)
        for notification in created:
            person = notification.recipient
            email_queue_template(
                to=person.email,
                template=email_template,
                context={
                    **(email_context or {}),
                    "notification": notification,
                    "recipient": person,
                    "project": project,
                    "actor": actor,
                    "url": link,
                },
                language=person.language or settings.LANGUAGE_CODE,
            )
    return created


# Reading is personal state, like a read mark in a mail client: it changes nothing anyone
# else sees and decides nothing, so it is not written to the audit trail.


def notification_mark_read(*, user: Any, notification: Notification) -> Notification:
    """Mark one of the user's own notifications read (again marking it changes nothing)."""
    if notification.recipient_id != user.pk:
        raise ApplicationError(_("This notification is not yours."))
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return notification


def notification_mark_all_read(*, user: Any) -> int:
    """Mark every unread notification of the user read; returns how many were unread."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
