from accord.api.views import PROJECT_PREFIX as PROJECT  # noqa: F401

urlpatterns: list = []
