"""The risk register over the API: risks, their reviews and response actions, the heat map and
the project's level thresholds.

Reads go through `accord.risks.selectors` (clients see shared risks only, and the reviews and
actions of those), writes through `accord.risks.services`, so the API holds exactly the rules of
the web pages. A risk a user may not see answers 404 like an unknown one, for its reviews and
actions too; an action a user may not take on something they see answers 403; a business rule's
refusal answers 400 naming the field, a stale write 409 (or 412 on a stale If-Match).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accord.api.concurrency import IF_MATCH, IF_NONE_MATCH, etag_for, expected_version, not_modified
from accord.api.permissions import ProjectPolicy
from accord.api.views import (
    PROJECT_KEY,
    ApiViewMixin,
    ProjectChildViewSet,
    ProjectScopedMixin,
    VersionedDetailMixin,
)
from accord.projects import policies as project_policies
from accord.risks import policies, selectors, services
from accord.risks.api.filters import RiskFilter
from accord.risks.api.serializers import (
    ActionCompleteSerializer,
    ActionInputSerializer,
    ActionSerializer,
    ActionUpdateSerializer,
    HeatMapSerializer,
    ReviewInputSerializer,
    ReviewSerializer,
    RiskDetailSerializer,
    RiskInputSerializer,
    RiskSerializer,
    RiskUpdateSerializer,
    ThresholdsInputSerializer,
    ThresholdsSerializer,
)
from accord.risks.choices import ACTIVE_STATES, RiskStatus
from accord.risks.models import ResponseAction, Risk, RiskReview

NUMBER = "[0-9]+"
RISK_NUMBER = OpenApiParameter(
    "number",
    OpenApiTypes.INT,
    OpenApiParameter.PATH,
    description="The risk's number: 5 for ACME-K5.",
)
ACTION_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)
HEAT_MAP_STATUS = OpenApiParameter(
    "status",
    OpenApiTypes.STR,
    many=True,
    enum=RiskStatus.values,
    description="Count risks in these states (repeat the parameter); "
    "open and monitoring by default.",
)


class RisksViewSet(ProjectChildViewSet):
    """Base of the risk views: the project in the serializer context and write policies by
    action (`write_policies`)."""

    write_policies: dict[str, Callable[[Any, Any], bool] | None] = {}

    @property
    def write_policy(self) -> Callable[[Any, Any], bool] | None:  # type: ignore[override]
        return self.write_policies.get(self.action)

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["project"] = self.project
        return context


class RiskChildViewSet(RisksViewSet):
    """A resource below `/risks/{number}/`: the risk must be visible to the user, or every
    request (read or write) answers 404 before any policy is asked."""

    filter_backends: list[Any] = []
    write_policies = {
        "create": policies.can_edit_risks,
        "partial_update": policies.can_edit_risks,
        "destroy": policies.can_edit_risks,
        "complete": policies.can_edit_risks,
    }

    @cached_property
    def risk(self) -> Risk:
        return selectors.risk_get(self.request.user, self.project, int(self.kwargs["number"]))

    def check_permissions(self, request: Request) -> None:
        if request.user.is_authenticated and not getattr(self, "swagger_fake_view", False):
            self.risk  # noqa: B018 - resolving it is the visibility check
        super().check_permissions(request)


# Risks ---------------------------------------------------------------------------------------


class RiskViewSet(
    VersionedDetailMixin, mixins.ListModelMixin, mixins.DestroyModelMixin, RisksViewSet
):
    """A project's risk register. Clients see the risks shared with them; the team records,
    edits and reviews risks; the project manager shares and deletes them."""

    serializer_class = RiskSerializer
    lookup_field = "number"
    lookup_value_regex = NUMBER
    filter_backends = [DjangoFilterBackend]
    filterset_class = RiskFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    write_policies = {
        "create": policies.can_edit_risks,
        "partial_update": policies.can_edit_risks,
        "destroy": policies.can_delete_risks,
    }

    def get_queryset(self) -> QuerySet[Risk]:
        if getattr(self, "swagger_fake_view", False):
            return Risk.objects.none()
        risks = selectors.risk_list(self.request.user, self.project)
        # A register row shows no texts: leave them in the database.
        return risks.defer("cause", "event", "consequence", "trigger").order_by("-score", "number")

    def get_object(self) -> Risk:
        risk = selectors.risk_get(self.request.user, self.project, int(self.kwargs["number"]))
        self.check_object_permissions(self.request, risk)
        return risk

    def detail_output(self, risk: Risk, code: int = status.HTTP_200_OK) -> Response:
        """The risk as it is now, read again through the selectors, with reviews and actions."""
        fresh = selectors.risk_get(self.request.user, self.project, risk.number)
        fresh.review_rows = list(selectors.review_list(fresh))
        fresh.action_rows = list(selectors.action_list(fresh))
        return self.output(fresh, RiskDetailSerializer, status=code)

    @extend_schema(parameters=[IF_NONE_MATCH], responses=RiskDetailSerializer)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        risk = self.get_object()
        if not_modified(request, risk):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag_for(risk)})
        return self.detail_output(risk)

    @extend_schema(request=RiskInputSerializer, responses={201: RiskDetailSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.read_input(RiskInputSerializer)
        risk = services.risk_create(actor=request.user, project=self.project, **data)
        return self.detail_output(risk, status.HTTP_201_CREATED)

    @extend_schema(
        request=RiskUpdateSerializer, responses=RiskDetailSerializer, parameters=[IF_MATCH]
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        risk = self.get_object()
        version = self.expected_version(risk)
        data = self.read_input(RiskUpdateSerializer, partial=True)
        updated = services.risk_update(
            actor=request.user, risk=risk, data=data, expected_version=version
        )
        return self.detail_output(updated)

    @extend_schema(parameters=[IF_MATCH])
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Delete the risk with its reviews and actions (the project manager); the audit trail
        keeps what it was."""
        risk = self.get_object()
        version = self.expected_version(risk)
        services.risk_delete(actor=request.user, risk=risk, expected_version=version)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(parameters=[HEAT_MAP_STATUS], responses=HeatMapSerializer)
    @action(
        detail=False,
        methods=["get"],
        url_path="heat-map",
        url_name="heat-map",
        filter_backends=[],
        pagination_class=None,
    )
    def heat_map(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """How many of the risks you can see fall in each probability × impact cell, with the
        level of each cell from the project's thresholds (one grouped query)."""
        states = request.query_params.getlist("status") or list(ACTIVE_STATES)
        unknown = [s for s in states if s not in RiskStatus.values]
        if unknown:
            message = _("Unknown status: %(values)s") % {"values": ", ".join(unknown)}
            raise ValidationError({"status": [message]})
        rows = selectors.heat_map(request.user, self.project, status=states)
        body = {
            "thresholds": selectors.thresholds_of(self.project),
            "total": sum(cell["count"] for row in rows for cell in row),
            "rows": rows,
        }
        return Response(HeatMapSerializer(body, context=self.get_serializer_context()).data)


# Reviews -------------------------------------------------------------------------------------


@extend_schema(parameters=[RISK_NUMBER])
class RiskReviewViewSet(mixins.ListModelMixin, RiskChildViewSet):
    """A risk's reviews, newest first: its score over time. The team records a review (new
    probability and impact, maybe a new status, and a note)."""

    serializer_class = ReviewSerializer
    pagination_class = None
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[RiskReview]:
        if getattr(self, "swagger_fake_view", False):
            return RiskReview.objects.none()
        return selectors.review_list(self.risk)

    @extend_schema(
        request=ReviewInputSerializer, responses={201: ReviewSerializer}, parameters=[IF_MATCH]
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        version = expected_version(request, self.risk)
        data = self.read_input(ReviewInputSerializer)
        review = services.risk_review(
            actor=request.user, risk=self.risk, expected_version=version, **data
        )
        fresh = selectors.review_list(self.risk).get(pk=review.pk)
        return Response(
            ReviewSerializer(fresh, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


# Response actions ----------------------------------------------------------------------------


@extend_schema(parameters=[RISK_NUMBER])
class ResponseActionViewSet(mixins.ListModelMixin, RiskChildViewSet):
    """A risk's response plan: open actions first by due date, then done ones. The team adds,
    changes, completes and deletes actions; clients read those of risks shared with them."""

    serializer_class = ActionSerializer
    lookup_url_kwarg = "id"
    lookup_value_regex = NUMBER
    pagination_class = None
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[ResponseAction]:
        if getattr(self, "swagger_fake_view", False):
            return ResponseAction.objects.none()
        return selectors.action_list(self.risk)

    def get_object(self) -> ResponseAction:
        return selectors.action_get(self.risk, int(self.kwargs["id"]))

    def _fresh(self, action: ResponseAction, code: int = status.HTTP_200_OK) -> Response:
        return self.output(selectors.action_get(self.risk, action.pk), status=code)

    @extend_schema(request=ActionInputSerializer, responses={201: ActionSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.read_input(ActionInputSerializer)
        created = services.action_create(actor=request.user, risk=self.risk, **data)
        return self._fresh(created, status.HTTP_201_CREATED)

    @extend_schema(responses=ActionSerializer, parameters=[ACTION_ID])
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.output(self.get_object())

    @extend_schema(
        request=ActionUpdateSerializer,
        responses=ActionSerializer,
        parameters=[ACTION_ID, IF_MATCH],
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        item = self.get_object()
        version = expected_version(request, item)
        data = self.read_input(ActionUpdateSerializer, partial=True)
        updated = services.action_update(
            actor=request.user, action=item, data=data, expected_version=version
        )
        return self._fresh(updated)

    @extend_schema(parameters=[ACTION_ID, IF_MATCH])
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        item = self.get_object()
        version = expected_version(request, item)
        services.action_delete(actor=request.user, action=item, expected_version=version)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=ActionCompleteSerializer,
        responses=ActionSerializer,
        parameters=[ACTION_ID, IF_MATCH],
    )
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Mark the action done (`done: false` marks it not done again)."""
        item = self.get_object()
        version = expected_version(request, item)
        data = self.read_input(ActionCompleteSerializer)
        updated = services.action_complete(
            actor=request.user, action=item, done=data["done"], expected_version=version
        )
        return self._fresh(updated)


# Thresholds ----------------------------------------------------------------------------------


@extend_schema(parameters=[PROJECT_KEY])
class RiskThresholdsView(ApiViewMixin, ProjectScopedMixin, generics.GenericAPIView):
    """Where the project's risk levels start on the 1–25 score: the team reads them, the project
    manager sets them (strictly increasing: medium < high < critical, from 2 to 25)."""

    permission_classes = [IsAuthenticated, ProjectPolicy]
    serializer_class = ThresholdsSerializer
    read_policy = staticmethod(project_policies.can_view_internal)
    write_policy = staticmethod(policies.can_manage_thresholds)

    def _output(self) -> Response:
        thresholds = selectors.thresholds_of(self.project)
        data = ThresholdsSerializer(thresholds).data
        headers = {"ETag": etag_for(thresholds)} if thresholds.pk else {}
        return Response(data, headers=headers)

    @extend_schema(responses=ThresholdsSerializer)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._output()

    @extend_schema(
        request=ThresholdsInputSerializer, responses=ThresholdsSerializer, parameters=[IF_MATCH]
    )
    def put(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        current = selectors.thresholds_of(self.project)
        version = expected_version(request, current) if current.pk else None
        data = self.read_input(ThresholdsInputSerializer)
        services.thresholds_update(
            actor=request.user, project=self.project, expected_version=version, **data
        )
        return self._output()
