"""One error format for the whole API: {"message": …, "field": …, "extra": …}.

`message` is a sentence in the user's language, `field` names the input at fault (dotted for
nested input, e.g. `user.email`; null when the error is not about one field) and `extra` holds
details: every validation error by field, or the seconds to wait after throttling.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from accord.core.exceptions import ApplicationError, StaleObjectError

NON_FIELD_KEYS = {"non_field_errors", "__all__"}


def error_body(message: str, field: str | None = None, extra: Any = None) -> dict[str, Any]:
    return {"message": str(message), "field": field, "extra": extra or {}}


def first_error(errors: Any, path: str = "") -> tuple[str | None, str]:
    """The first message in a (possibly nested) DRF error structure and the field it names."""
    if isinstance(errors, dict):
        for key, value in errors.items():
            name = path if key in NON_FIELD_KEYS else (f"{path}.{key}" if path else str(key))
            field, message = first_error(value, name)
            if message:
                return field, message
        return (path or None), ""
    if isinstance(errors, list):
        for index, value in enumerate(errors):
            # A list of messages belongs to the field itself; a list of objects is indexed.
            name = f"{path}.{index}" if isinstance(value, dict | list) else path
            field, message = first_error(value, name)
            if message:
                return field, message
        return (path or None), ""
    return (path or None), str(errors)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        code = status.HTTP_409_CONFLICT if isinstance(exc, StaleObjectError) else 400
        return Response(error_body(exc.message, exc.field, exc.extra), status=code)
    if isinstance(exc, DjangoValidationError):
        # Model validation that reached the API without a service turning it into an
        # ApplicationError: still a 400 naming the field, never a 500.
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        field, message = first_error(data)
        errors = data if isinstance(data, dict) else {"non_field_errors": data}
        response.data = error_body(message, field, {"errors": errors})
    elif isinstance(data, dict) and "detail" in data:
        extra = {"wait": exc.wait} if isinstance(exc, exceptions.Throttled) and exc.wait else {}
        response.data = error_body(data["detail"], None, extra)
    else:
        field, message = first_error(data)
        response.data = error_body(message, field)
    return response
