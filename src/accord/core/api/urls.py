from rest_framework.routers import SimpleRouter

from accord.api.views import PROJECT_PREFIX as PROJECT
from accord.core.api.views import AuditRecordViewSet

router = SimpleRouter()
router.register(f"{PROJECT}/audit-records", AuditRecordViewSet, basename="project-audit-record")

urlpatterns = router.urls
