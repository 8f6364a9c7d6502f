from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RequirementsConfig(AppConfig):
    name = "accord.requirements"
    label = "requirements"
    verbose_name = _("Requirements")

    def ready(self) -> None:
        # The project history names requirement actions in words.
        from accord.projects.selectors import ACTION_LABELS
        from accord.requirements.audit_labels import ACTION_LABELS as OURS

        ACTION_LABELS.update(OURS)
