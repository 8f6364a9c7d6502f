from rest_framework.routers import SimpleRouter

from accord.api.views import PROJECT_PREFIX as PROJECT  # noqa: F401

router = SimpleRouter()

urlpatterns: list = []
