"""API routes of the delivery figures: workload and milestone progress (included by urls.py)."""

from django.urls import re_path

from accord.api.views import PROJECT_PREFIX as PROJECT
from accord.delivery.api.insights import MilestoneProgressView, WorkloadView

urlpatterns: list = [
    re_path(rf"^{PROJECT}/workload/$", WorkloadView.as_view(), name="project-workload"),
    re_path(
        rf"^{PROJECT}/milestones/(?P<number>[0-9]+)/progress/$",
        MilestoneProgressView.as_view(),
        name="project-milestone-progress",
    ),
]
