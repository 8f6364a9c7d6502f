"""Base classes every API view builds on.

- `ApiViewMixin`: the authenticated user's language and time zone apply to the response, also
  for token requests (which the session middleware cannot see: DRF authenticates them inside
  the view).
- `ProjectScopedMixin`: views under `/projects/{project_key}/…` resolve their project through
  the visibility rule, so an unknown project and a project the user may not see are the same
  404.
- `VersionedDetailMixin`: detail responses carry an ETag; writes check If-Match.
"""

from __future__ import annotations

import zoneinfo
from functools import cached_property
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status as http_status
from rest_framework import viewsets
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import APIRootView, DefaultRouter
from rest_framework.serializers import BaseSerializer

from accord.api.concurrency import etag_for, expected_version, is_versioned, not_modified
from accord.api.errors import json_error
from accord.api.permissions import ProjectPolicy
from accord.core.integers import digits_fit
from accord.projects.models import Project
from accord.projects.selectors import project_get

# Project keys in URLs; lower case is accepted and looked up upper case.
KEY_PATTERN = "[A-Za-z][A-Za-z0-9]{1,9}"
PROJECT_PREFIX = rf"projects/(?P<project_key>{KEY_PATTERN})"
PROJECT_KEY = OpenApiParameter(
    "project_key",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The project's key, e.g. ACME.",
)


def activate_user_preferences(request: Request) -> None:
    user = request.user
    if not (user and user.is_authenticated):
        return
    language = getattr(user, "language", None)
    if language:
        translation.activate(language)
        request._request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
    try:
        timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, AttributeError):
        timezone.deactivate()


class ApiViewMixin:
    """Authenticate first, then speak the user's language in every message that follows."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # An invalid token fails here, still in the language the request asked for.
        self.perform_authentication(request)  # type: ignore[attr-defined]
        activate_user_preferences(request)
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        # The routers' patterns take digits of any length; a number the database cannot hold
        # names nothing, so it is the same 404 as any unknown object (never an overflow).
        for value in kwargs.values():
            if isinstance(value, str) and value.isdigit() and not digits_fit(value):
                raise NotFound()

    def read_input(self, serializer_class: type[BaseSerializer], **kwargs: Any) -> dict[str, Any]:
        """Validate the request body with an input serializer; 400 names the field at fault."""
        serializer = serializer_class(
            data=self.request.data,  # type: ignore[attr-defined]
            context=self.get_serializer_context(),  # type: ignore[attr-defined]
            **kwargs,
        )
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def output(
        self,
        instance: Any,
        serializer_class: type[BaseSerializer] | None = None,
        status: int = http_status.HTTP_200_OK,
    ) -> Response:
        """The instance through the output serializer, with its ETag when it is versioned."""
        serializer_class = serializer_class or self.serializer_class  # type: ignore[attr-defined]
        context = self.get_serializer_context()  # type: ignore[attr-defined]
        data = serializer_class(instance, context=context).data  # type: ignore[misc]
        headers = {"ETag": etag_for(instance)} if is_versioned(instance) else {}
        return Response(data, status=status, headers=headers)


class ProjectScopedMixin:
    """A view below `/projects/{project_key}/`; `self.project` is visible to the user or 404."""

    project_url_kwarg = "project_key"

    @cached_property
    def project(self) -> Project:
        return project_get(
            user=self.request.user,  # type: ignore[attr-defined]
            key=self.kwargs[self.project_url_kwarg],  # type: ignore[attr-defined]
        )


class VersionedDetailMixin:
    """GET of one object answers with its ETag (and 304 to a matching If-None-Match)."""

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()  # type: ignore[attr-defined]
        if not_modified(request, instance):
            return Response(
                status=http_status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag_for(instance)}
            )
        return self.output(instance)  # type: ignore[attr-defined]

    def expected_version(self, instance: Any) -> int:
        return expected_version(self.request, instance)  # type: ignore[attr-defined]


@extend_schema(parameters=[PROJECT_KEY])
class ProjectChildViewSet(ApiViewMixin, ProjectScopedMixin, viewsets.GenericViewSet):
    """Base of the resources under `/projects/{project_key}/`.

    Subclasses set `read_policy` / `write_policy` to a policy function wrapped in
    `staticmethod` (see `ProjectPolicy`).
    """

    permission_classes = [IsAuthenticated, ProjectPolicy]
    read_policy: Any = None
    write_policy: Any = None


class ApiRootView(ApiViewMixin, APIRootView):
    """The entry points of the API, as links."""


class ApiRouter(DefaultRouter):
    """The `/api/v1/` router: lists the top-level resources plus views outside any viewset."""

    APIRootView = ApiRootView
    include_format_suffixes = False

    def __init__(self, *, extra_root_links: dict[str, str] | None = None) -> None:
        super().__init__()
        self.extra_root_links = extra_root_links or {}

    def get_api_root_view(self, api_urls: Any = None) -> Any:
        list_name = self.routes[0].name
        links = {
            prefix: list_name.format(basename=basename)
            for prefix, _viewset, basename in self.registry
            # Nested resources need their project's key; they are reached from the project.
            if "(?P<" not in prefix
        }
        links.update(self.extra_root_links)
        return self.APIRootView.as_view(api_root_dict=links)


@csrf_exempt
def not_found(request: HttpRequest, path: str) -> JsonResponse:
    """An unknown API address: the same JSON error as an unknown object, for every method (no
    CSRF check, which would answer a write with the pages' HTML 403)."""
    return json_error(404, _("Not found."))
