from django.urls import re_path
from rest_framework.routers import SimpleRouter

from accord.api.views import PROJECT_PREFIX as PROJECT
from accord.changes.api.views import ChangeMetricsView, ChangePolicyView, ChangeViewSet

router = SimpleRouter()
router.register(f"{PROJECT}/changes", ChangeViewSet, basename="project-change")

# The policy and the figures are one object per project: addressed directly.
urlpatterns = [
    re_path(
        rf"^{PROJECT}/change-policy/$", ChangePolicyView.as_view(), name="project-change-policy"
    ),
    re_path(
        rf"^{PROJECT}/change-metrics/$",
        ChangeMetricsView.as_view(),
        name="project-change-metrics",
    ),
]
