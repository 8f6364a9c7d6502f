"""Outgoing mail in the admin: what is queued, what was sent, what failed and why; and the
notifications people received, read-only."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accord.notifications.mail import email_retry
from accord.notifications.models import EmailStatus, Notification, OutgoingEmail


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    list_display = ["created_at", "to", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status"]
    search_fields = ["to", "subject", "message_id"]
    date_hierarchy = "created_at"
    actions = ["send_again"]
    readonly_fields = [
        "to", "subject", "body", "html", "status", "attempts", "last_error",
        "created_at", "last_attempt_at", "sent_at", "message_id", "worker_id",
    ]  # fmt: skip

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Send the selected failed e-mails again"))
    def send_again(self, request, queryset) -> None:
        failed = list(queryset.filter(status=EmailStatus.FAILED))
        for email in failed:
            email_retry(email=email)
        self.message_user(
            request,
            ngettext(
                "%(count)d e-mail queued again.", "%(count)d e-mails queued again.", len(failed)
            )
            % {"count": len(failed)},
            messages.SUCCESS,
        )


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "title", "project", "read_at"]
    list_filter = ["kind"]
    list_select_related = ["recipient", "project"]
    search_fields = ["title", "recipient__email", "kind"]
    date_hierarchy = "created_at"
    raw_id_fields = ["recipient", "actor", "project"]
    readonly_fields = [
        "recipient", "project", "actor", "kind", "title", "body", "url", "created_at", "read_at",
    ]  # fmt: skip

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
