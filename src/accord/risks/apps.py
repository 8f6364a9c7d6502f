from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RisksConfig(AppConfig):
    name = "accord.risks"
    label = "risks"
    verbose_name = _("Risks")

    def ready(self) -> None:
        # The project history names risk actions and recorded values in words.
        from accord.projects import selectors
        from accord.risks import audit_labels

        selectors.ACTION_LABELS.update(audit_labels.ACTION_LABELS)
        selectors.FIELD_LABELS.update(audit_labels.FIELD_LABELS)
