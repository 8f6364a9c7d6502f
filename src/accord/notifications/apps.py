from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "accord.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # Mail a dead worker was sending is queued again by the workers that live on.
        from accord.core.worker import register_recovery
        from accord.notifications.mail import email_release_stranded

        register_recovery("notifications.email", email_release_stranded)
