from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliveryConfig(AppConfig):
    name = "accord.delivery"
    label = "delivery"
    verbose_name = _("Delivery")

    def ready(self) -> None:
        # The project history names task actions and recorded values in words.
        from accord.delivery import audit_labels
        from accord.projects import selectors

        selectors.ACTION_LABELS.update(audit_labels.ACTION_LABELS)
        selectors.FIELD_LABELS.update(audit_labels.FIELD_LABELS)
