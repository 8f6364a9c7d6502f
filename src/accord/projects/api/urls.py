from rest_framework.routers import SimpleRouter

from accord.api.views import PROJECT_PREFIX as PROJECT
from accord.projects.api.views import (
    InvitationViewSet,
    MembershipViewSet,
    MilestoneViewSet,
    ProjectViewSet,
)

router = SimpleRouter()
router.register("projects", ProjectViewSet, basename="project")
router.register(f"{PROJECT}/memberships", MembershipViewSet, basename="project-membership")
router.register(f"{PROJECT}/milestones", MilestoneViewSet, basename="project-milestone")
router.register(f"{PROJECT}/invitations", InvitationViewSet, basename="project-invitation")

urlpatterns = router.urls
