from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RequirementsConfig(AppConfig):
    name = "accord.requirements"
    label = "requirements"
    verbose_name = _("Requirements")

    def ready(self) -> None:
        # The project history names requirement actions and recorded values in words.
        from accord.projects import selectors
        from accord.requirements import audit_labels

        selectors.ACTION_LABELS.update(audit_labels.ACTION_LABELS)
        selectors.FIELD_LABELS.update(audit_labels.FIELD_LABELS)
