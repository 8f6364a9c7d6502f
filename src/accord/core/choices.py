from django.db import models
from django.utils.translation import gettext_lazy as _


class Visibility(models.TextChoices):
    INTERNAL = "internal", _("Internal")
    SHARED = "shared", _("Shared with client")
