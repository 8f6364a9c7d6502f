from django.apps import AppConfig
from django.urls import register_converter
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "accord.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from accord.core.integers import IntConverter

        # `<int64:…>` in the apps' addresses: ids and numbers the database can hold.
        register_converter(IntConverter, "int64")
