"""The audit trail of a project, read-only."""

from __future__ import annotations

from functools import cached_property

from django.db.models import QuerySet
from django.http import Http404
from rest_framework import mixins

from accord.api.views import ProjectChildViewSet
from accord.core.api.filters import AuditRecordFilter
from accord.core.api.serializers import AuditRecordSerializer
from accord.core.models import AuditEvent
from accord.projects import policies, selectors
from accord.projects.models import Project


class AuditRecordViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ProjectChildViewSet):
    """A project's history, newest first. Internal, like the history page: the team, viewers
    and staff read it; to client users it does not exist (404)."""

    serializer_class = AuditRecordSerializer
    filterset_class = AuditRecordFilter
    search_fields = ["target_label", "actor_label"]
    ordering_fields = ["id", "created_at"]
    ordering = ["-id"]
    lookup_url_kwarg = "id"
    lookup_value_regex = "[0-9]+"

    @cached_property
    def project(self) -> Project:
        project = selectors.project_get(user=self.request.user, key=self.kwargs["project_key"])
        if not policies.can_view_internal(self.request.user, project):
            raise Http404
        return project

    def get_queryset(self) -> QuerySet[AuditEvent]:
        if getattr(self, "swagger_fake_view", False):
            return AuditEvent.objects.none()
        return selectors.audit_event_list(user=self.request.user, project=self.project)
