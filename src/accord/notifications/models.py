"""In-app notifications, and outgoing e-mail kept until delivered so an unreachable mail server
delays mail, loses none."""

from __future__ import annotations

from django.conf import settings
from django.core.mail.message import make_msgid
from django.core.mail.utils import DNS_NAME
from django.db import models
from django.utils.translation import gettext_lazy as _


class EmailStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


def new_message_id() -> str:
    """A Message-ID header value such as <175…@host>, unique to one message."""
    return make_msgid(domain=DNS_NAME)


class OutgoingEmail(models.Model):
    """One message to one recipient; the worker sends it and retries with back-off.

    Delivery is at least once: a worker that dies after the mail server accepted the message
    but before "sent" is stored leaves it to be sent again. Every attempt carries the same
    Message-ID, fixed when the message is queued, so the receiving side can drop the copy.
    """

    to = models.EmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"))
    html = models.TextField(_("HTML body"), blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=EmailStatus.choices, default=EmailStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    message_id = models.CharField(
        _("Message-ID"), max_length=255, default=new_message_id, editable=False
    )
    # The worker sending the message (status "sending"); if it dies, the message is queued again.
    worker_id = models.CharField(_("worker"), max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status"], name="notif_email_status_idx")]
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"


class Notification(models.Model):
    """One thing one person should know about, already worded in that person's language.

    Rows are written by `accord.notifications.services.notify`; whoever calls it decides who
    may see the content. `url` is a path inside Accord, never an outside address.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=64)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notif_recipient_read_idx"),
            models.Index(fields=["recipient", "-id"], name="notif_recipient_newest_idx"),
        ]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
