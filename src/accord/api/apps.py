from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "accord.api"
    label = "api"
    verbose_name = "API"

    def ready(self) -> None:
        # Registers the schema extensions with drf-spectacular.
        from accord.api import schema  # noqa: F401
