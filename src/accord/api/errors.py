"""One error format for the whole API: {"message": …, "field": …, "extra": …}."""

from __future__ import annotations

from typing import Any

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from accord.core.exceptions import ApplicationError, StaleObjectError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        code = status.HTTP_409_CONFLICT if isinstance(exc, StaleObjectError) else 400
        return Response(
            {"message": exc.message, "field": exc.field, "extra": exc.extra}, status=code
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(data, dict) and "detail" in data and len(data) == 1:
        response.data = {"message": str(data["detail"]), "field": None, "extra": {}}
    elif isinstance(data, dict):
        field, messages = next(iter(data.items()))
        first = messages[0] if isinstance(messages, list) and messages else messages
        response.data = {
            "message": str(first),
            "field": None if field == "non_field_errors" else field,
            "extra": {"errors": data},
        }
    elif isinstance(data, list):
        response.data = {"message": str(data[0]) if data else "", "field": None, "extra": {}}
    return response
