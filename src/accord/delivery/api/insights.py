"""Delivery figures over the API: the team's workload per week and a milestone's progress with
its burn-up series and forecast.

Both read through `accord.delivery.progress` and `accord.delivery.workload`, the same code as
the pages. Workload is internal: a client of the project gets the 404 of an unknown address.
A milestone's progress follows the milestone: clients read it for shared milestones (counts,
percent, burn-up and forecast; hours are null for them), an internal milestone is 404.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accord.api.permissions import ProjectPolicy
from accord.api.views import PROJECT_KEY, ApiViewMixin, ProjectScopedMixin
from accord.delivery import policies
from accord.delivery.progress import burnup, forecast, milestone_progress
from accord.delivery.workload import workload
from accord.projects import selectors as project_selectors

MILESTONE_NUMBER = OpenApiParameter(
    "number",
    OpenApiTypes.INT,
    OpenApiParameter.PATH,
    description="The milestone's number: 2 for ACME-M2.",
)
HOURS = {"max_digits": 9, "decimal_places": 1}


# Workload ------------------------------------------------------------------------------------


class WeekLoadSerializer(serializers.Serializer):
    week = serializers.DateField(help_text="The Monday of the ISO week.")
    hours = serializers.DecimalField(
        help_text="Open estimated hours in this week, all projects.", **HOURS
    )
    project_hours = serializers.DecimalField(help_text="Of those, in this project.", **HOURS)
    capacity = serializers.DecimalField(**HOURS)
    overloaded = serializers.BooleanField()
    over_by = serializers.DecimalField(help_text="Hours over capacity (0 when within).", **HOURS)


class PersonLoadSerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user.pk")
    name = serializers.CharField()
    email = serializers.EmailField(source="user.email")
    capacity = serializers.DecimalField(help_text="Hours a week across all projects.", **HOURS)
    capacity_is_default = serializers.BooleanField()
    unestimated_tasks = serializers.IntegerField(
        source="unestimated", help_text="Open tasks in this project without an estimate."
    )
    overloaded_weeks = serializers.IntegerField()
    weeks = WeekLoadSerializer(many=True)


class WorkloadSerializer(serializers.Serializer):
    weeks = serializers.ListField(child=serializers.DateField())
    people = PersonLoadSerializer(many=True)


@extend_schema(parameters=[PROJECT_KEY])
class WorkloadView(ApiViewMixin, ProjectScopedMixin, generics.GenericAPIView):
    """The team's workload for the current and the next seven ISO weeks: each person's open
    remaining estimate spread over the working days to the due date, against their capacity."""

    permission_classes = [IsAuthenticated, ProjectPolicy]
    serializer_class = WorkloadSerializer
    pagination_class = None
    filter_backends: list[Any] = []

    @extend_schema(responses=WorkloadSerializer)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not policies.can_view_tasks(request.user, self.project):
            raise NotFound
        return Response(WorkloadSerializer(workload(self.project)).data)


# Milestone progress --------------------------------------------------------------------------


class BurnupPointSerializer(serializers.Serializer):
    day = serializers.DateField()
    scope = serializers.IntegerField(help_text="Tasks in the milestone at the end of the day.")
    done = serializers.IntegerField(help_text="Of those, done.")


class ForecastSerializer(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=["empty", "done", "no_throughput", "on_time", "late"],
        help_text="no_throughput: nothing was finished in the last four weeks, so no date.",
    )
    finish_date = serializers.DateField(allow_null=True)
    due_date = serializers.DateField(allow_null=True)
    remaining = serializers.IntegerField()
    done_last_four_weeks = serializers.IntegerField(source="done_recently")
    per_week = serializers.DecimalField(max_digits=9, decimal_places=2)
    days_late = serializers.IntegerField()


class MilestoneProgressSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    key = serializers.CharField()
    name = serializers.CharField()
    due_date = serializers.DateField()
    status = serializers.CharField()
    tasks_total = serializers.IntegerField()
    tasks_done = serializers.IntegerField()
    percent_done = serializers.IntegerField()
    overdue_tasks = serializers.IntegerField(allow_null=True, help_text="Null for clients.")
    estimate_hours_total = serializers.DecimalField(
        allow_null=True, help_text="Null for clients.", **HOURS
    )
    estimate_hours_done = serializers.DecimalField(
        allow_null=True, help_text="Null for clients.", **HOURS
    )
    forecast = ForecastSerializer()
    burnup = BurnupPointSerializer(many=True, help_text="One point per day, oldest first.")


@extend_schema(parameters=[PROJECT_KEY, MILESTONE_NUMBER])
class MilestoneProgressView(ApiViewMixin, ProjectScopedMixin, generics.GenericAPIView):
    """A milestone's progress from its tasks, its burn-up (scope and done per day, from the
    audit trail) and the forecast finish from the last four weeks' throughput."""

    permission_classes = [IsAuthenticated, ProjectPolicy]
    serializer_class = MilestoneProgressSerializer
    pagination_class = None
    filter_backends: list[Any] = []

    @extend_schema(responses=MilestoneProgressSerializer)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        milestone = project_selectors.milestone_get(
            user=request.user, project=self.project, number=int(self.kwargs["number"])
        )
        milestone.project = self.project
        team = policies.can_view_tasks(request.user, self.project)
        progress = milestone_progress([milestone])[milestone.pk]
        body = {
            "number": milestone.number,
            "key": milestone.key,
            "name": milestone.name,
            "due_date": milestone.due_date,
            "status": milestone.status,
            "tasks_total": progress.total,
            "tasks_done": progress.done,
            "percent_done": progress.percent,
            "overdue_tasks": progress.overdue if team else None,
            "estimate_hours_total": progress.estimate_total if team else None,
            "estimate_hours_done": progress.estimate_done if team else None,
            "forecast": forecast(milestone),
            "burnup": burnup(milestone).points,
        }
        return Response(MilestoneProgressSerializer(body).data)
