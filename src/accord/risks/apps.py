from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RisksConfig(AppConfig):
    name = "accord.risks"
    label = "risks"
    verbose_name = _("Risks")
