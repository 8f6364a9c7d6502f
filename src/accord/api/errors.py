"""One error format for the whole API: {"message": …, "field": …, "extra": …}.

`message` is a sentence in the user's language, `field` names the input at fault (dotted for
nested input, e.g. `user.email`; null when the error is not about one field) and `extra` holds
details: every validation error by field, or the seconds to wait after throttling.

Errors that never reach a DRF view (a middleware failing, a body refused while it is read, an
uncaught exception) come through Django's error handlers, which `accord.config.urls` points at
the functions below: under /api/ they answer in the same format, elsewhere with the pages'
own error pages. A database that cannot be reached answers 503 with Retry-After.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from accord.api.parsers import BodyTooLarge
from accord.core.exceptions import ApplicationError, StaleObjectError

NON_FIELD_KEYS = {"non_field_errors", "__all__"}
# A database that cannot be reached (a restart, a network cut): the client may try again soon.
DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def error_body(message: str, field: str | None = None, extra: Any = None) -> dict[str, Any]:
    return {"message": str(message), "field": field, "extra": extra or {}}


def unavailable_message() -> str:
    return _("The service is briefly unavailable. Please try again in a moment.")


def bad_request_message(exc: Exception | None) -> str:
    if isinstance(exc, RequestDataTooBig):
        return str(BodyTooLarge.default_detail)
    return _("The request could not be understood.")


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
    if isinstance(exc, DATABASE_ERRORS):
        return Response(
            error_body(unavailable_message()),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    if isinstance(exc, SuspiciousOperation):
        # Django's bounds on a form body (size, number of fields) met while DRF parses it.
        return Response(error_body(bad_request_message(exc)), status=400)
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


# Django's error handlers (handler400 … handler500 in accord.config.urls) -------------------


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def json_error(
    status_code: int, message: str, headers: dict[str, str] | None = None
) -> JsonResponse:
    return JsonResponse(error_body(message), status=status_code, headers=headers)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return json_error(400, bad_request_message(exception))
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return json_error(403, _("You do not have permission to perform this action."))
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return json_error(404, _("Not found."))
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """An uncaught exception; Django calls this while handling it, so it is still at hand."""
    if is_api(request):
        if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
            return json_error(
                503, unavailable_message(), headers={"Retry-After": str(RETRY_AFTER_SECONDS)}
            )
        return json_error(500, _("Something went wrong on the server. It has been logged."))
    return defaults.server_error(request)
