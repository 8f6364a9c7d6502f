from rest_framework.routers import SimpleRouter

from accord.api.views import PROJECT_PREFIX as PROJECT
from accord.requirements.api.views import (
    BaselineViewSet,
    CommentViewSet,
    ConfirmationViewSet,
    CriterionViewSet,
    LinkViewSet,
    RequirementVersionViewSet,
    RequirementViewSet,
    SubmissionViewSet,
)

ONE = rf"{PROJECT}/requirements/(?P<number>[0-9]+)"

router = SimpleRouter()
router.register(f"{PROJECT}/requirements", RequirementViewSet, basename="project-requirement")
router.register(f"{ONE}/versions", RequirementVersionViewSet, basename="requirement-version")
router.register(f"{ONE}/criteria", CriterionViewSet, basename="requirement-criterion")
router.register(f"{ONE}/comments", CommentViewSet, basename="requirement-comment")
router.register(f"{ONE}/links", LinkViewSet, basename="requirement-link")
router.register(f"{PROJECT}/submissions", SubmissionViewSet, basename="project-submission")
router.register(f"{PROJECT}/confirmations", ConfirmationViewSet, basename="project-confirmation")
router.register(f"{PROJECT}/baselines", BaselineViewSet, basename="project-baseline")

urlpatterns = router.urls
