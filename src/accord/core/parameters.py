"""Yes/no and date-time filters, taken exactly as the API's schema states them.

Django's yes/no field reads anything it does not know ("null", "2", "") as "unknown", and its
date-time field reads an empty value as absent, so `?overdue=null` or `?until=` silently meant
"no filter": a client that got a parameter wrong saw every row instead of an error. The filters
below accept an absent parameter (no filter) and exactly the schema's values (`true`/`false`; an
ISO 8601 date-time); anything else, empty included, is the form's error: a 400 naming the filter
in the API, the filter form's error on pages.

Every filter set uses these (the test of the API's filters checks it): `BooleanFilter` for the
filter sets' own yes/no filters and, through `FilterSet`, for those generated from model fields.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

TRUE, FALSE = "true", "false"


class RawInput(forms.TextInput):
    """Hands the field the parameter's text as sent (None when it is absent)."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.get(name)


class CheckboxInput(forms.CheckboxInput):
    """A page's "… only" box: checked sends `true`, unchecked sends nothing (no filter)."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"value": TRUE, **(attrs or {})})

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.get(name)

    def format_value(self, value: Any) -> Any:
        return None

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> Any:
        # Checked for true whichever form it took (the sent text or the cleaned value).
        return super().get_context(name, value in (True, TRUE), attrs)


class BooleanField(forms.Field):
    """`true` or `false`; absent is None (no filter); anything else is an error."""

    widget = RawInput
    default_error_messages = {"invalid": _("Enter true or false.")}

    def to_python(self, value: Any) -> bool | None:
        if value is None or isinstance(value, bool):
            return value
        if value == TRUE:
            return True
        if value == FALSE:
            return False
        raise ValidationError(self.error_messages["invalid"], code="invalid")

    def validate(self, value: Any) -> None:
        if value is None and self.required:
            raise ValidationError(self.error_messages["required"], code="required")


@extend_schema_field(OpenApiTypes.BOOL)
class BooleanFilter(django_filters.BooleanFilter):
    field_class = BooleanField


class DateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time; absent is None (no filter), empty or anything else an error."""

    widget = RawInput

    def to_python(self, value: Any) -> Any:
        if value is not None and not str(value).strip():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


@extend_schema_field(OpenApiTypes.DATETIME)
class DateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = DateTimeField


class FilterSet(django_filters.FilterSet):
    """A filter set whose filters generated from model fields take yes/no exactly."""

    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        models.BooleanField: {"filter_class": BooleanFilter},
    }
