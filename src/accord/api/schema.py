"""The API's OpenAPI description: Accord's authentication classes, and every operation's error
answers (loaded by ApiConfig.ready; `AutoSchema` is REST_FRAMEWORK's DEFAULT_SCHEMA_CLASS).

drf-spectacular documents the success of each operation only; clients and the schema tests
(schemathesis) also meet the errors, which all share one body (`accord.api.errors`). Which of
them an operation can answer follows from what it is: a write can be refused or conflict, an
address with arguments can name nothing, a tag in If-Match can be stale, and any request can
meet a database that is briefly unreachable.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from accord.api.errors import RETRY_AFTER_SECONDS

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "accord.accounts.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "A personal API token from your account page, sent as `Authorization: Token acc_…`."
            ),
        }


class ErrorSerializer(serializers.Serializer):
    """The body of every error answer of the API."""

    message = serializers.CharField(help_text=_("What went wrong, in the user's language."))
    field = serializers.CharField(
        allow_null=True,
        help_text=_(
            "The input at fault, dotted for nested input (items.0.requirement); null when the "
            "error is not about one field."
        ),
    )
    extra = serializers.DictField(
        help_text=_(
            "Details: `errors` holds every validation error by field; `wait` the seconds to "
            "wait after throttling."
        )
    )

    class Meta:
        ref_name = "Error"


ERRORS = {
    "400": _("The input is invalid (the field at fault is named), or a business rule refuses it."),
    "401": _("No valid credentials: sign in or send a token."),
    "403": _("You may see this but not do this."),
    "404": _("Unknown, or not visible to you (the two are not told apart)."),
    "409": _("Someone changed the object meanwhile, or its state does not allow this now."),
    "412": _("The object changed since the ETag in If-Match was read."),
    "415": _("The body is not in a supported format (send JSON)."),
    "429": _("Too many requests; `extra.wait` says how many seconds to wait."),
    "503": _("The service is briefly unavailable; try again after Retry-After seconds."),
}


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, plus the error answers each operation can give."""

    def get_operation(
        self, path: str, path_regex: str, path_prefix: str, method: str, registry: Any
    ) -> dict[str, Any] | None:
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        parameters = {(p["in"], p["name"]) for p in operation.get("parameters", [])}
        if ("header", "If-None-Match") in parameters:
            responses.setdefault("304", {"description": str(_("Not modified since that ETag."))})
        error = self.resolve_serializer(ErrorSerializer, "response").ref
        for code in self.error_codes(operation, parameters):
            body: dict[str, Any] = {
                "description": str(ERRORS[code]),
                "content": {"application/json": {"schema": error}},
            }
            if code == "503":
                body["headers"] = {
                    "Retry-After": {
                        "schema": {"type": "integer", "example": RETRY_AFTER_SECONDS},
                        "description": str(_("Seconds to wait before trying again.")),
                    }
                }
            responses.setdefault(code, body)
        return operation

    def _map_serializer_field(
        self, field: Any, direction: str, bypass_extensions: bool = False
    ) -> dict[str, Any]:
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        # A list that may not be empty (DRF's allow_empty=False) says so, as min_length does.
        if isinstance(field, serializers.ListField) and not field.allow_empty:
            schema["minItems"] = max(schema.get("minItems", 0), 1)
        return schema

    def _map_basic_serializer(self, serializer: Any, direction: str) -> dict[str, Any]:
        schema = super()._map_basic_serializer(serializer, direction)
        # Rules over a whole body that fields cannot state (name at least one of the optional
        # fields; at least one of several conditions), declared by the input serializer as
        # `request_schema` beside the check that enforces them.
        if direction == "request":
            schema.update(getattr(serializer, "request_schema", {}))
        return schema

    def _get_request_body(self, direction: str = "request") -> dict[str, Any] | None:
        body = super()._get_request_body(direction)
        # A body that must name something cannot be left out (drf-spectacular makes a body
        # optional when none of its fields is required).
        serializer = self.get_request_serializer()
        if body is not None and getattr(serializer, "request_schema", {}).get("minProperties"):
            body["required"] = True
        return body

    def error_codes(self, operation: dict[str, Any], parameters: set[tuple[str, str]]) -> list[str]:
        kinds = {where for where, _name in parameters}
        public = any(isinstance(p, AllowAny) for p in self.view.get_permissions())
        codes = []
        if self.method in UNSAFE or "query" in kinds:
            codes.append("400")
        if not public:
            codes += ["401", "403"]
        if "path" in kinds or ("query", "page") in parameters:
            codes.append("404")
        if self.method in UNSAFE:
            codes.append("409")
        if ("header", "If-Match") in parameters:
            codes.append("412")
        if "requestBody" in operation:
            codes.append("415")
        if self.view.get_throttles():
            codes.append("429")
        codes.append("503")
        return codes
