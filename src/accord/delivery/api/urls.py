from django.urls import re_path
from rest_framework.routers import SimpleRouter

from accord.api.views import PROJECT_PREFIX as PROJECT
from accord.delivery.api import insights_urls
from accord.delivery.api.views import (
    ChecklistViewSet,
    MyWorkView,
    ResponseActionTaskView,
    TaskViewSet,
    TimeEntryViewSet,
    WipLimitsView,
)

ONE = rf"{PROJECT}/tasks/(?P<number>[0-9]+)"

router = SimpleRouter()
router.register(f"{PROJECT}/tasks", TaskViewSet, basename="project-task")
router.register(f"{ONE}/checklist", ChecklistViewSet, basename="task-checklist")
router.register(f"{ONE}/time-entries", TimeEntryViewSet, basename="task-time-entry")

urlpatterns: list = [
    # The WIP limits are one object per project: GET and PUT on the address itself.
    re_path(rf"^{PROJECT}/wip-limits/$", WipLimitsView.as_view(), name="project-wip-limits"),
    re_path(r"^my-work/$", MyWorkView.as_view(), name="my-work"),
    # A risk's response action becomes a task: POST only, answering the new task.
    re_path(
        rf"^{PROJECT}/risks/(?P<number>[0-9]+)/actions/(?P<id>[0-9]+)/task/$",
        ResponseActionTaskView.as_view(),
        name="risk-action-task",
    ),
    # workload and milestone progress (api/insights_urls.py)
    *insights_urls.urlpatterns,
]
