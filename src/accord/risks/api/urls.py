from django.urls import re_path
from rest_framework.routers import SimpleRouter

from accord.api.views import PROJECT_PREFIX as PROJECT
from accord.risks.api.problems import ProblemViewSet, RiskOccurredViewSet
from accord.risks.api.views import (
    ResponseActionViewSet,
    RiskReviewViewSet,
    RiskThresholdsView,
    RiskViewSet,
)

ONE = rf"{PROJECT}/risks/(?P<number>[0-9]+)"

router = SimpleRouter()
router.register(f"{PROJECT}/risks", RiskViewSet, basename="project-risk")
router.register(f"{ONE}/reviews", RiskReviewViewSet, basename="risk-review")
router.register(f"{ONE}/actions", ResponseActionViewSet, basename="risk-action")
router.register(f"{PROJECT}/problems", ProblemViewSet, basename="project-problem")

# The thresholds are one object per project: GET and PUT on the address itself.
urlpatterns = [
    re_path(
        rf"^{PROJECT}/risk-thresholds/$",
        RiskThresholdsView.as_view(),
        name="project-risk-thresholds",
    ),
    # A risk occurs: POST only, answering the new problem.
    re_path(
        rf"^{ONE}/occurred/$",
        RiskOccurredViewSet.as_view({"post": "create"}),
        name="project-risk-occurred",
    ),
]
