from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from accord.accounts import services
from accord.accounts.api.serializers import MeSerializer, MeUpdateSerializer
from accord.api.views import ApiViewMixin, activate_user_preferences


class MeView(ApiViewMixin, GenericAPIView):
    """The signed-in user: name, language and time zone."""

    serializer_class = MeSerializer

    @extend_schema(operation_id="me_retrieve", responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)

    @extend_schema(
        operation_id="me_partial_update", request=MeUpdateSerializer, responses=MeSerializer
    )
    def patch(self, request: Request) -> Response:
        data = self.read_input(MeUpdateSerializer, instance=request.user, partial=True)
        user = services.user_update_preferences(actor=request.user, user=request.user, **data)
        # A new language applies from this very response on.
        activate_user_preferences(request)
        return Response(MeSerializer(user).data)
