from rest_framework.routers import SimpleRouter

from accord.api.views import PROJECT_PREFIX as PROJECT  # noqa: F401
from accord.delivery.api import insights_urls

router = SimpleRouter()

urlpatterns: list = [
    # workload and milestone progress (api/insights_urls.py)
    *insights_urls.urlpatterns,
]
