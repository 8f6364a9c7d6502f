"""Serializer fields that range-check what comes in (see `accord.core.integers`)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from accord.core.integers import LARGEST, SMALLEST


class IntegerField(serializers.IntegerField):
    """A whole number of an API body, at most what the database holds unless narrowed further;
    beyond it the answer is a 400 naming the field, and the schema states the bounds."""

    def __init__(self, **kwargs: Any) -> None:
        low, high = kwargs.get("min_value"), kwargs.get("max_value")
        kwargs["min_value"] = SMALLEST if low is None else max(low, SMALLEST)
        kwargs["max_value"] = LARGEST if high is None else min(high, LARGEST)
        super().__init__(**kwargs)


class BooleanField(serializers.BooleanField):
    """A yes/no of an API body that a form-encoded body may not leave out either.

    DRF reads a boolean without a default that is missing from a form-encoded (multipart or
    urlencoded) body as false, because an unticked HTML checkbox sends nothing: a required field
    passed as false. Missing is missing here, whatever the encoding: a required field is refused
    naming it, an optional one takes its default as before."""

    default_empty_html = serializers.empty
