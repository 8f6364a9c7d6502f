import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChangesConfig(AppConfig):
    name = "accord.changes"
    label = "changes"
    verbose_name = _("Change control")

    def ready(self) -> None:
        # The project history names change request actions and recorded values in words.
        from accord.changes import audit_labels
        from accord.changes.tasks import remind_approvers
        from accord.core.worker import register_periodic
        from accord.projects import selectors

        selectors.ACTION_LABELS.update(audit_labels.ACTION_LABELS)
        for name, label in audit_labels.FIELD_LABELS.items():
            # Other apps' words for the same field name win (they were there first).
            selectors.FIELD_LABELS.setdefault(name, label)
        # `accord remind` on the workers: every worker checks, exactly one enqueues it each hour.
        register_periodic("changes.remind", every=dt.timedelta(hours=1), task=remind_approvers)
