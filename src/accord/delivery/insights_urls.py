"""Milestone progress, burn-up, workload: routes in the "delivery" namespace (included by
urls.py)."""

from django.urls import path

from accord.delivery.views import insights

K = "<str:key>/tasks"

urlpatterns: list = [
    path(
        K + "/milestones/<int64:number>/",
        insights.milestone_progress_page,
        name="milestone-progress",
    ),
    path(K + "/workload/", insights.workload_page, name="workload"),
    path(K + "/workload/capacity/", insights.capacity_edit, name="capacity"),
    path(
        K + "/from-action/<int64:pk>/",
        insights.task_from_action,
        name="task-from-action",
    ),
]
