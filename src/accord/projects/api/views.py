"""Projects, memberships, milestones and invitations over the API.

Reads go through `accord.projects.selectors` (the visibility rule), writes through
`accord.projects.services`, so the API holds exactly the rules of the web pages.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from accord.api.concurrency import IF_MATCH, IF_NONE_MATCH
from accord.api.views import (
    KEY_PATTERN,
    ApiViewMixin,
    ProjectChildViewSet,
    VersionedDetailMixin,
)
from accord.projects import policies, selectors, services
from accord.projects.api.serializers import (
    InvitationSerializer,
    MemberInviteSerializer,
    MembershipSerializer,
    MembershipUpdateSerializer,
    MilestoneInputSerializer,
    MilestoneSerializer,
    ProjectCreateSerializer,
    ProjectSerializer,
    ProjectUpdateSerializer,
)
from accord.projects.choices import Role
from accord.projects.filters import MembershipFilter, MilestoneFilter, ProjectFilter
from accord.projects.models import Invitation, Membership, Milestone, Project

# Projects ------------------------------------------------------------------------------------


class ProjectViewSet(
    ApiViewMixin, VersionedDetailMixin, mixins.ListModelMixin, viewsets.GenericViewSet
):
    """Projects the user belongs to (all of them for staff)."""

    serializer_class = ProjectSerializer
    lookup_field = "key"
    lookup_value_regex = KEY_PATTERN
    filterset_class = ProjectFilter
    search_fields = ["name", "key", "client_name"]
    ordering_fields = [
        "key", "name", "client_name", "status", "start_date", "end_date", "created_at",
        "updated_at",
    ]  # fmt: skip
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Project]:
        if getattr(self, "swagger_fake_view", False):
            return Project.objects.none()
        return selectors.project_list(user=self.request.user)

    def get_object(self) -> Project:
        # Keys are upper case; /projects/acme/ finds ACME.
        project = self.get_queryset().filter(key=self.kwargs["key"].upper()).first()
        if project is None:
            raise Http404
        return project

    @extend_schema(parameters=[IF_NONE_MATCH])
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(request=ProjectCreateSerializer, responses={201: ProjectSerializer})
    def create(self, request: Request) -> Response:
        if not policies.can_create_project(request.user):
            raise PermissionDenied()
        data = self.read_input(ProjectCreateSerializer)
        project = services.project_create(actor=request.user, **data)
        project.my_role = Role.MANAGER  # type: ignore[attr-defined]
        return self.output(project, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ProjectUpdateSerializer, responses=ProjectSerializer, parameters=[IF_MATCH]
    )
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._update(request, partial=False)

    @extend_schema(
        request=ProjectUpdateSerializer, responses=ProjectSerializer, parameters=[IF_MATCH]
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._update(request, partial=True)

    def _update(self, request: Request, *, partial: bool) -> Response:
        project = self.get_object()
        if not policies.can_manage_project(request.user, project):
            raise PermissionDenied()
        version = self.expected_version(project)
        data = self.read_input(ProjectUpdateSerializer, instance=project, partial=partial)
        updated = services.project_update(
            actor=request.user, project=project, data=data, expected_version=version
        )
        updated.my_role = project.my_role  # type: ignore[attr-defined]
        return self.output(updated)


# Below a project -----------------------------------------------------------------------------


class MembershipViewSet(VersionedDetailMixin, mixins.ListModelMixin, ProjectChildViewSet):
    """The people in a project. Everyone who sees the project sees its members; managers
    add, change and remove them."""

    serializer_class = MembershipSerializer
    write_policy = staticmethod(policies.can_manage_project)
    lookup_url_kwarg = "id"
    lookup_value_regex = "[0-9]+"
    filterset_class = MembershipFilter
    search_fields = ["user__full_name", "user__email"]
    ordering_fields = ["role", "user__full_name", "user__email", "created_at"]
    ordering = ["role", "user__full_name"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Membership]:
        if getattr(self, "swagger_fake_view", False):
            return Membership.objects.none()
        return selectors.membership_list(project=self.project)

    @extend_schema(
        request=MemberInviteSerializer,
        responses={
            201: OpenApiResponse(MembershipSerializer, description="The person was added."),
            202: OpenApiResponse(
                InvitationSerializer,
                description="The person has no account yet; an invitation was e-mailed.",
            ),
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.read_input(MemberInviteSerializer)
        result = services.invitation_create(actor=request.user, project=self.project, **data)
        if isinstance(result, Invitation):
            return self.output(result, InvitationSerializer, status.HTTP_202_ACCEPTED)
        return self.output(result, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=MembershipUpdateSerializer, responses=MembershipSerializer, parameters=[IF_MATCH]
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        membership = self.get_object()
        version = self.expected_version(membership)
        data = self.read_input(MembershipUpdateSerializer)
        role = data.get("role", membership.role)
        # Signing authority stays with a client unless changed; other roles cannot hold it.
        default_approve = membership.can_approve if role == Role.CLIENT else False
        updated = services.membership_change(
            actor=request.user,
            membership=membership,
            role=role,
            can_approve=data.get("can_approve", default_approve),
            expected_version=version,
        )
        return self.output(updated)

    @extend_schema(parameters=[IF_MATCH], responses={204: None})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        membership = self.get_object()
        version = self.expected_version(membership)
        services.membership_remove(
            actor=request.user, membership=membership, expected_version=version
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class MilestoneViewSet(VersionedDetailMixin, mixins.ListModelMixin, ProjectChildViewSet):
    """A project's milestones; clients see the shared ones only. The team writes them."""

    serializer_class = MilestoneSerializer
    write_policy = staticmethod(policies.can_edit_content)
    lookup_field = "number"
    lookup_value_regex = "[0-9]+"
    filterset_class = MilestoneFilter
    search_fields = ["name", "description"]
    ordering_fields = ["due_date", "number", "name", "status", "created_at", "updated_at"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Milestone]:
        if getattr(self, "swagger_fake_view", False):
            return Milestone.objects.none()
        return selectors.milestone_list(user=self.request.user, project=self.project)

    @extend_schema(parameters=[IF_NONE_MATCH])
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(request=MilestoneInputSerializer, responses={201: MilestoneSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.read_input(MilestoneInputSerializer)
        milestone = services.milestone_create(actor=request.user, project=self.project, **data)
        return self.output(milestone, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=MilestoneInputSerializer, responses=MilestoneSerializer, parameters=[IF_MATCH]
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        milestone = self.get_object()
        version = self.expected_version(milestone)
        data = self.read_input(MilestoneInputSerializer, instance=milestone, partial=True)
        updated = services.milestone_update(
            actor=request.user, milestone=milestone, data=data, expected_version=version
        )
        return self.output(updated)

    @extend_schema(parameters=[IF_MATCH], responses={204: None})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        milestone = self.get_object()
        version = self.expected_version(milestone)
        services.milestone_delete(actor=request.user, milestone=milestone, expected_version=version)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationViewSet(VersionedDetailMixin, mixins.ListModelMixin, ProjectChildViewSet):
    """Invitations of a project, for its managers only."""

    serializer_class = InvitationSerializer
    read_policy = staticmethod(policies.can_manage_project)
    write_policy = staticmethod(policies.can_manage_project)
    lookup_url_kwarg = "id"
    lookup_value_regex = "[0-9]+"
    filterset_fields = ["status", "role"]
    search_fields = ["email"]
    ordering_fields = ["created_at", "expires_at", "email", "status"]

    def get_queryset(self) -> QuerySet[Invitation]:
        if getattr(self, "swagger_fake_view", False):
            return Invitation.objects.none()
        return Invitation.objects.filter(project=self.project).select_related("invited_by")

    @extend_schema(
        request=MemberInviteSerializer,
        responses={
            201: OpenApiResponse(InvitationSerializer, description="An invitation was e-mailed."),
            200: OpenApiResponse(
                MembershipSerializer,
                description="The person already has an account and was added at once.",
            ),
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.read_input(MemberInviteSerializer)
        result = services.invitation_create(actor=request.user, project=self.project, **data)
        if isinstance(result, Membership):
            return self.output(result, MembershipSerializer)
        return self.output(result, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=InvitationSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        invitation = services.invitation_revoke(actor=request.user, invitation=self.get_object())
        return self.output(invitation)
